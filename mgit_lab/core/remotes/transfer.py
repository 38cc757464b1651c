"""Moving objects: send packs to a remote, receive and verify objects from it.

Sending: the missing objects are grouped into packs (:func:`.packs.plan_packs`), each built
from the stored bytes and uploaded by a pool of :data:`.packs.PARALLEL` threads, its index
after it.  Receiving: the wanted objects are read pack by pack in parallel; each pack's
objects are added to the local store in a short transaction of their own, delta bases
before their dependants, every object decoded and checked against its content hash
first (:meth:`~mgit_lab.core.store.StoreWriter.put_encoded`).  An object that fails the
check is refused and reported; everything else is kept, so an interrupted or partly
damaged fetch keeps what arrived intact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from ..errors import Corrupt
from ..progress import Progress
from ..store import ObjectStore, WriterLock
from .packs import (
    INDEX_SUFFIX,
    PACK_SUFFIX,
    PACKS,
    PARALLEL,
    Catalogue,
    RemoteObject,
    build_pack,
    plan_packs,
    read_objects,
)
from .transport import RemoteFS

log = logging.getLogger(__name__)


@dataclass
class Received:
    """What :func:`receive` added, and what it refused (object id -> reason)."""

    objects: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)


def send(rfs: RemoteFS, store: ObjectStore, oids: set[str], progress: Progress | None = None) -> dict[str, bytes]:
    """Upload ``oids`` (stored locally) in new packs; returns each sent pack's index."""
    groups = plan_packs(store, oids)
    total = sum(store.info(o).stored_nbytes for o in oids)
    done = 0
    sent: dict[str, bytes] = {}

    def upload(group: list[str]) -> tuple[str, bytes, int]:
        name, blob, index = build_pack(store, group)
        rfs.put(f"{PACKS}/{name}{PACK_SUFFIX}", blob)
        rfs.put(f"{PACKS}/{name}{INDEX_SUFFIX}", index)  # after the pack: now its objects are visible
        return name, index, len(blob)

    with ThreadPoolExecutor(PARALLEL) as pool:
        for name, index, nbytes in pool.map(upload, groups):
            sent[name] = index
            done += nbytes
            if progress:
                progress(done, total, "sending objects")
    return sent


def receive(
    rfs: RemoteFS,
    catalogue: Catalogue,
    store: ObjectStore,
    lock: WriterLock,
    oids: Iterable[str],
    progress: Progress | None = None,
) -> Received:
    """Fetch ``oids`` (which the catalogue lists) into ``store``, checking every hash."""
    wanted = sorted(oids)
    by_pack: dict[str, list[RemoteObject]] = {}
    for oid in wanted:
        obj = catalogue.objects[oid]
        by_pack.setdefault(obj.pack, []).append(obj)
    total = sum(catalogue.objects[o].nbytes for o in wanted)
    result = Received()
    pending: dict[str, tuple[RemoteObject, list[bytes]]] = {}
    done = 0
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures: set[Future[dict[str, list[bytes]]]] = {
            pool.submit(read_objects, rfs, pack, objs, catalogue.packs[pack]) for pack, objs in by_pack.items()
        }
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for fut in finished:
                futures.discard(fut)
                for oid, chunks in fut.result().items():
                    pending[oid] = (catalogue.objects[oid], chunks)
                    done += catalogue.objects[oid].nbytes
                _store_ready(pending, store, lock, result, final=False)
                if progress:
                    progress(done, total, "receiving objects")
    _store_ready(pending, store, lock, result, final=True)
    return result


def _store_ready(
    pending: dict[str, tuple[RemoteObject, list[bytes]]],
    store: ObjectStore,
    lock: WriterLock,
    result: Received,
    *,
    final: bool,
) -> None:
    """Add the pending objects whose delta base is here (or added just before), in one
    local transaction; with ``final`` refuse those whose base never came."""
    ready: list[str] = []
    chosen: set[str] = set()
    for oid in sorted(pending, key=lambda o: (pending[o][0].entry.get("depth", 0), o)):
        base = pending[oid][0].base
        if base is None or base in chosen or base in result.objects or store.has(base):
            ready.append(oid)
            chosen.add(oid)
        elif base in result.refused:
            result.refused[oid] = f"its delta base {base[:12]} was refused"
            pending.pop(oid)
        elif final:
            result.refused[oid] = f"its delta base {base[:12]} is missing on the remote"
            pending.pop(oid)
    if not ready:
        return
    with lock.hold(), store.writer() as writer:
        for oid in ready:
            obj, chunks = pending.pop(oid)
            base = obj.base
            if base is not None and base in result.refused:
                result.refused[oid] = f"its delta base {base[:12]} was refused"
                continue
            try:
                writer.put_encoded(oid, obj.entry, chunks)
                result.objects.add(oid)
            except Corrupt as exc:
                log.warning("refused object %s from pack %s: %s", oid[:12], obj.pack, exc.message)
                result.refused[oid] = f"{exc.message} (pack {obj.pack})"
    if final and pending:
        _store_ready(pending, store, lock, result, final=True)
