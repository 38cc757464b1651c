"""Which pack holds each object, for commands that only read (``show``, ``du``): the packs'
index documents, read through :func:`~.index_doc.load_index` (the same checks as the
store), without HDF5 or numpy unless an index file is damaged and the pack's own copy must
be read.  When several packs hold an object (after a repack, before the old packs are
deleted) the first pack in name order wins, as in :class:`~.objects.ObjectStore`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .files import PACK_SUFFIX

Entry = dict[str, Any]


class PackIndex:
    """The checked index entries of every pack in ``packs_dir`` (damaged packs left out)."""

    def __init__(self, packs_dir: Path) -> None:
        self.packs_dir = Path(packs_dir)
        self._index: dict[str, tuple[Entry, str]] = {}
        self._seen: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Pick up the packs now on disk (cheap when nothing changed)."""
        from .index_doc import load_index

        with self._lock:
            names = frozenset(p.name[: -len(PACK_SUFFIX)] for p in self.packs_dir.glob("*" + PACK_SUFFIX))
            if names == self._seen:
                return
            index: dict[str, tuple[Entry, str]] = {}
            for name in sorted(names):
                objects, _, _ = load_index(self.packs_dir, name)
                for oid, entry in (objects or {}).items():
                    index.setdefault(oid, (entry, name))
            self._index, self._seen = index, names

    def pack_names(self) -> list[str]:
        self.refresh()
        return sorted(self._seen)

    def get(self, oid: str) -> tuple[Entry, str] | None:
        """``(index entry, pack name)`` of ``oid`` (None: in no readable pack)."""
        self.refresh()
        return self._index.get(oid)


def stored_nbytes(entry: Entry) -> int:
    """Bytes an object takes in its pack."""
    return sum(c[1] for c in entry["chunks"])


def codec_ids(entry: Entry) -> tuple[str, ...]:
    """The codecs of an object's chunks, sorted."""
    return tuple(sorted({c[3]["id"] for c in entry["chunks"]}))
