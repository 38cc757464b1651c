"""Merging small packs: the step after every commit that keeps the pack count bounded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pack import INDEX_SUFFIX, PACK_SUFFIX

if TYPE_CHECKING:  # the store calls this after a commit; this only calls the store back
    from .objects import ObjectStore


def repack_small_packs(store: ObjectStore, *, max_small: int = 32, small_bytes: int = 4 << 20) -> int:
    """Merge the small packs into one once there are more than ``max_small`` of them.

    Every add writes one pack; without this a repository of many small versions would
    open thousands of files.  Objects are copied verbatim (ids, codecs and delta bases
    unchanged) and the old packs are deleted only after the new one is committed, so a
    crash at any point leaves every object readable.  The caller holds the writer lock.
    Returns the number of packs merged (0 when below the threshold).
    """
    store.refresh()
    small = [
        name for name in store.pack_names() if (store.packs_dir / (name + PACK_SUFFIX)).stat().st_size < small_bytes
    ]
    if len(small) <= max_small:
        return 0
    members = set(small)
    with store.writer(repack=False) as w:
        for oid in store.object_ids():
            entry, pack = store._entry(oid)
            if pack in members:
                w.copy_raw(oid, entry, pack)
    for name in small:
        (store.packs_dir / (name + INDEX_SUFFIX)).unlink(missing_ok=True)
        (store.packs_dir / (name + PACK_SUFFIX)).unlink(missing_ok=True)
    store.refresh()
    return len(small)
