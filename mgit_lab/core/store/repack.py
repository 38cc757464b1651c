"""Merging small packs: the step after every commit that keeps the pack count bounded, and
the check both it and gc make before deleting a pack."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import Corrupt, MgitError
from .index_doc import BadIndex, read_pack_index
from .pack import INDEX_SUFFIX, PACK_SUFFIX
from .writer import StoreWriter


class ObjectStore(Protocol):
    """What repacking uses of the store (the store calls this after a commit and this calls
    the store back, so it names the store's interface rather than importing it)."""

    packs_dir: Path
    damaged_packs: dict[str, str]
    _pack_docs: dict[str, dict[str, dict[str, Any]]]

    def refresh(self) -> None: ...
    def pack_names(self) -> list[str]: ...
    def object_ids(self) -> list[str]: ...
    def get(self, oid: str) -> np.ndarray: ...
    def _entry(self, oid: str) -> tuple[dict[str, Any], str]: ...
    def writer(self, *, repack: bool = True) -> AbstractContextManager[StoreWriter]: ...


log = logging.getLogger(__name__)


def confirm_packs(store: ObjectStore, names: Iterable[str]) -> None:
    """Raise :class:`Corrupt` unless each pack's index is one both copies agree on.

    Packs are deleted after a repack, so what was copied from them must be everything
    they hold: an unreadable pack, or an index file that differs from the pack's own
    copy (bit rot in a digit moves an offset), stops the repack before anything is lost.
    """
    for name in names:
        if name in store.damaged_packs:
            raise Corrupt(
                f"pack {name} cannot be read: {store.damaged_packs[name]}; repacking now would lose what it holds",
                hint="run `mgit verify` to see the versions that need it; restore the pack from a backup "
                "or move it out of .mgit/packs, then run `mgit gc` again",
            )
        try:
            inside = read_pack_index(store.packs_dir, name)
        except BadIndex as exc:
            raise Corrupt(
                f"pack {name} is damaged: its index copy {exc}; repacking now could lose what it holds",
                hint="run `mgit verify` to see the versions that need it; restore the pack from a backup "
                "or move it out of .mgit/packs, then run `mgit gc` again",
            ) from None
        if inside != store._pack_docs.get(name):
            raise Corrupt(
                f"pack {name}: its index file and the copy inside the pack disagree",
                hint="run `mgit verify --repair` to rewrite the index file from the pack, then `mgit gc`",
            )


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
        name
        for name in store.pack_names()
        if (store.packs_dir / (name + PACK_SUFFIX)).stat().st_size < small_bytes and name not in store.damaged_packs
    ]
    if len(small) <= max_small:
        return 0
    members = set(small)
    try:
        confirm_packs(store, small)
        with store.writer(repack=False) as w:
            for oid in store.object_ids():
                entry, pack = store._entry(oid)
                if pack in members:
                    w.copy_raw(oid, entry, pack)
                    store.get(oid)  # damage keeps the old packs
    except MgitError as exc:  # the add that triggered it is committed: keep it, keep every pack
        log.warning("the automatic repack was skipped, every pack is kept: %s", exc)
        return 0
    for name in small:
        (store.packs_dir / (name + INDEX_SUFFIX)).unlink(missing_ok=True)
        (store.packs_dir / (name + PACK_SUFFIX)).unlink(missing_ok=True)
    store.refresh()
    return len(small)
