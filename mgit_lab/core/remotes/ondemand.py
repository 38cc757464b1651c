"""Tensors fetched on demand in a partial clone.

A partial clone (``mgit clone --versions ...``) has every version's manifest but only some
tensors.  :func:`attach_on_demand` gives its object store a ``fetch_missing`` hook: the
first read of an object that is not here (a checkout, a diff, a delta base during
``add``) fetches it, with its delta bases, from the promisor remote, verified like any
fetch.  A checkout asks for all of a version's missing tensors at once, so they travel
in a few pack reads rather than one request per tensor.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from ..errors import Corrupt, NotFound
from ..store import ObjectStore, WriterLock
from .config import get_remote

log = logging.getLogger(__name__)


class OnDemandFetcher:
    """``fetcher(oids)``: bring ``oids`` (and their delta bases) from the promisor remote."""

    def __init__(self, mgit_dir: Path, lock: WriterLock, store: ObjectStore, remote: str) -> None:
        self.mgit_dir = mgit_dir
        self.lock = lock
        self.store = store
        self.remote = remote
        self._busy = threading.local()
        #: bytes received by this repository object on demand (for reports and tests)
        self.bytes_received = 0

    def __call__(self, oids: list[str]) -> None:
        if getattr(self._busy, "on", False):
            return  # already fetching in this thread (a base read while verifying)
        self._busy.on = True
        try:
            self._fetch(oids)
        finally:
            self._busy.on = False

    def _fetch(self, oids: list[str]) -> None:
        # the transport (fsspec) loads here: every repository attaches this hook, only a
        # partial clone ever calls it (`mgit add` in a full repository never imports fsspec)
        from .packs import Catalogue
        from .transfer import receive
        from .transport import RemoteFS

        cfg = get_remote(self.mgit_dir, self.remote)
        rfs = RemoteFS(cfg)
        catalogue = Catalogue(rfs, self.mgit_dir / "remotes" / cfg.name).load()
        want, absent = catalogue.closure(set(oids), self.store)
        got = receive(rfs, catalogue, self.store, self.lock, want)
        self.bytes_received += rfs.bytes_received
        log.info("fetched %d object(s), %d bytes, from %s on demand", len(got.objects), rfs.bytes_received, cfg.url)
        if got.refused:
            oid, reason = sorted(got.refused.items())[0]
            raise Corrupt(
                f"object {oid[:12]} fetched from {cfg.url} was refused: {reason}",
                hint="the remote's copy is damaged; push it again from an intact repository",
            )
        if absent:
            raise NotFound(
                f"object {sorted(absent)[0][:12]} is neither here nor on {cfg.url}",
                hint="this is a partial clone: the remote lost the tensor, push it again from an intact repository",
            )


def attach_on_demand(store: ObjectStore, mgit_dir: Path, lock: WriterLock, config: dict[str, Any]) -> None:
    """Install the hook on a repository's store when ``config`` names a promisor remote."""
    name = config.get("promisor")
    if isinstance(name, str):
        store.fetch_missing = OnDemandFetcher(mgit_dir, lock, store, name)
