"""The remote's ``lineage.json``, replaced by compare-and-swap so concurrent pushes lose nothing.

Two ways to swap, chosen by what the storage offers:

* **conditional writes** (S3 and S3-compatible servers that honour ``If-Match`` /
  ``If-None-Match`` on PUT): read the document and its ETag, combine, PUT with
  ``If-Match: <etag>`` (``If-None-Match: *`` for the first lineage).  A 412 means another
  writer got there first: read again, combine again, retry.
* **a lock object with a lease** (folders, and servers without conditional writes):
  create ``lineage.lock`` exclusively (``O_EXCL`` in a folder, ``If-None-Match: *`` on S3),
  holding its owner and an expiry; read, combine and replace the lineage while holding it;
  delete it.  A lock past its expiry (its holder died) is broken by the next writer.

Either way a writer that lost re-reads the winner's lineage and combines it with its own
versions (:func:`.union.union`), so the union of every push survives.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..errors import Conflict, Corrupt
from .transport import RemoteFS, Unsupported
from .union import check_lineage

LINEAGE = "lineage.json"
LOCK = "lineage.lock"
#: seconds a lock holder may keep the lock before others may break it
LEASE_SECONDS = 30.0
#: how long a writer keeps trying before it gives up
SWAP_DEADLINE = 120.0

log = logging.getLogger(__name__)

Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]


def _encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def _decode(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise Corrupt(
            f"the lineage at {where} is not valid JSON: {exc}", hint="repair the remote's lineage.json"
        ) from None
    return check_lineage(doc, where)


class LineageSlot:
    """Reads and swaps the lineage document of one remote."""

    def __init__(self, rfs: RemoteFS) -> None:
        self.rfs = rfs
        self.where = rfs.url
        #: "conditional" or "lock" (the mode the last swap used)
        self.mode = "lock" if rfs.local else "conditional"
        self.attempts = 0

    def read(self) -> dict[str, Any] | None:
        """The remote lineage (None when nothing was pushed yet): one small read."""
        data = self.rfs.cat(LINEAGE)
        return None if data is None else _decode(data, self.where)

    def update(self, change: Change) -> dict[str, Any] | None:
        """Swap in ``change(current)`` (current None when absent); retried until it wins.

        ``change`` may raise (a :class:`~mgit_lab.core.errors.Conflict`) or return None
        (nothing to write).  Returns the document written (or None)."""
        deadline = time.monotonic() + SWAP_DEADLINE
        while True:
            self.attempts += 1
            if self.mode == "conditional":
                try:
                    done, doc = self._swap_conditional(change)
                except Unsupported:
                    log.info("%s has no conditional writes: using a lock object", self.where)
                    self.mode = "lock"
                    continue
            else:
                done, doc = self._swap_locked(change, deadline)
            if done:
                return doc
            if time.monotonic() > deadline:
                raise Conflict(
                    f"the lineage at {self.where} kept changing under this push for {SWAP_DEADLINE:.0f} s",
                    hint="try again; every object sent so far stays on the remote",
                )
            time.sleep(random.uniform(0.01, 0.2))

    def _swap_conditional(self, change: Change) -> tuple[bool, dict[str, Any] | None]:
        data, token = self.rfs.read_with_token(LINEAGE)
        current = None if data is None else _decode(data, self.where)
        new = change(current)
        if new is None:
            return True, None
        return self.rfs.put_if(LINEAGE, _encode(new), token), new

    # ------------------------------------------------------------ lease lock
    def _swap_locked(self, change: Change, deadline: float) -> tuple[bool, dict[str, Any] | None]:
        owner = uuid.uuid4().hex
        self._acquire(owner, deadline)
        try:
            current = self.read()
            new = change(current)
            if new is not None:
                self.rfs.put(LINEAGE, _encode(new))
            return True, new
        finally:
            self._release(owner)

    def _acquire(self, owner: str, deadline: float) -> None:
        delay = 0.01
        while True:
            lease = _encode({"owner": owner, "expires": time.time() + LEASE_SECONDS})
            if self._create(lease, owner):
                return
            held = self._holder()
            if held is not None and held.get("expires", 0) < time.time():
                log.warning("breaking the expired lock of %s (its holder died?)", self.where)
                if self._holder() == held:
                    self.rfs.remove(LOCK)
                continue
            if time.monotonic() > deadline:
                raise Conflict(
                    f"another push has held the lock of {self.where} for over {SWAP_DEADLINE:.0f} s",
                    hint=f"try again later; a dead holder's lock expires after {LEASE_SECONDS:.0f} s",
                )
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 0.5)

    def _create(self, lease: bytes, owner: str) -> bool:
        try:
            return self.rfs.create_exclusive(LOCK, lease)
        except Unsupported:
            # no atomic create: write, wait, and check nobody overwrote us (best effort)
            if self.rfs.cat(LOCK) is not None:
                return False
            self.rfs.put(LOCK, lease)
            time.sleep(0.2)
            return (self._holder() or {}).get("owner") == owner

    def _holder(self) -> dict[str, Any] | None:
        data = self.rfs.cat(LOCK)
        if data is None:
            return None
        try:
            held = json.loads(data)
            return held if isinstance(held, dict) else {}
        except ValueError:
            return {}  # a half-written lock (folder without atomic create): expired at once

    def _release(self, owner: str) -> None:
        held = self._holder()
        if held is not None and held.get("owner") == owner:
            self.rfs.remove(LOCK)
