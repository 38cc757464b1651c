"""Which pack holds each object: the packs' ``.idx.json`` files, read without HDF5 or numpy.

``show`` and ``du`` answer from here alone; :class:`~.objects.ObjectStore` keeps one for
its reads.  When several packs hold an object (after a repack, before the old packs are
deleted) the first pack in name order wins, so every process resolves it the same way.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

PACK_SUFFIX = ".h5"
INDEX_SUFFIX = ".idx.json"

Entry = dict[str, Any]


class PackIndex:
    """The index entries of every committed pack in ``packs_dir``."""

    def __init__(self, packs_dir: Path) -> None:
        self.packs_dir = Path(packs_dir)
        self._index: dict[str, tuple[Entry, str]] = {}
        self._docs: dict[str, dict[str, Entry]] = {}
        self._seen: frozenset[str] = frozenset()
        self._lock = threading.RLock()

    def refresh(self) -> frozenset[str]:
        """Pick up packs added or removed by any process (cheap when nothing changed): only
        new packs' index files are read.  Returns the names of the packs that went away."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> frozenset[str]:
        names = frozenset(
            p.name[: -len(INDEX_SUFFIX)]
            for p in self.packs_dir.glob("*" + INDEX_SUFFIX)
            if (self.packs_dir / (p.name[: -len(INDEX_SUFFIX)] + PACK_SUFFIX)).exists()
        )
        if names == self._seen:
            return frozenset()
        removed = self._seen - names
        for name in sorted(names - self._seen):
            try:
                doc = json.loads((self.packs_dir / (name + INDEX_SUFFIX)).read_text())
            except (OSError, ValueError):
                continue  # reported by verify; the objects are missing, the rest readable
            self._docs[name] = doc["objects"]
            if not removed:
                for oid, entry in doc["objects"].items():
                    self._index.setdefault(oid, (entry, name))
        if removed:
            for gone in removed:
                self._docs.pop(gone, None)
            index: dict[str, tuple[Entry, str]] = {}
            for name in sorted(self._docs):
                for oid, entry in self._docs[name].items():
                    index.setdefault(oid, (entry, name))
            self._index = index
        self._seen = names
        return removed

    def reset(self) -> None:
        """Forget everything (the next :meth:`refresh` re-reads every index file)."""
        with self._lock:
            self._index, self._docs, self._seen = {}, {}, frozenset()

    def pack_names(self) -> list[str]:
        with self._lock:
            self.refresh()
            return sorted(self._seen)

    def get(self, oid: str) -> tuple[Entry, str] | None:
        """``(index entry, pack name)`` of ``oid``, re-reading the indexes once on a miss."""
        with self._lock:
            hit = self._index.get(oid)
            if hit is None:
                self.refresh()
                hit = self._index.get(oid)
            return hit

    def ids(self) -> list[str]:
        with self._lock:
            self.refresh()
            return list(self._index)


def stored_nbytes(entry: Entry) -> int:
    """Bytes an object takes in its pack."""
    return sum(c[1] for c in entry["chunks"])


def codec_ids(entry: Entry) -> tuple[str, ...]:
    """The codecs of an object's chunks, sorted."""
    return tuple(sorted({c[3]["id"] for c in entry["chunks"]}))
