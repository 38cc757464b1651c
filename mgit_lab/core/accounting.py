"""Who pays for which stored bytes.

Each live object is charged to the first version, parents first, whose manifest names it;
a delta base no version names any more (its version was removed) is charged to the first
version whose object needs it.  The per-version figures therefore add up to the bytes of
every live object.  Only the pack indexes are read: nothing is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NotFound
from .lineage import LineageGraph
from .store import ObjectStore


@dataclass
class Accounts:
    """Stored bytes charged to each version id, and the totals."""

    charged: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    stored_bytes: int = 0
    #: objects named by a manifest but absent from every pack (``verify`` explains)
    missing: int = 0


def _entry_size(store: ObjectStore, oid: str) -> tuple[int, str | None] | None:
    try:
        entry, _ = store._entry(oid)
    except NotFound:
        return None
    return sum(c[1] for c in entry["chunks"]), entry.get("base")


def charge(graph: LineageGraph, store: ObjectStore) -> Accounts:
    """Charge every live object to one version (see the module docstring)."""
    store.refresh()
    acc = Accounts()
    owned: set[str] = set()
    for version in graph.versions():
        total = 0
        for ref in version.manifest.values():
            oid: str | None = ref.oid
            while oid is not None and oid not in owned:
                owned.add(oid)
                hit = _entry_size(store, oid)
                if hit is None:
                    acc.missing += 1
                    break
                size, base = hit
                total += size
                acc.objects += 1
                oid = base
        acc.charged[version.id] = total
        acc.stored_bytes += total
    return acc
