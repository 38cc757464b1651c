"""Who pays for which stored bytes.

Each live object is charged to the first version, parents first, whose manifest names it;
a delta base no version names any more (its version was removed) is charged to the first
version whose object needs it.  The per-version figures therefore add up to the bytes of
every live object.  Only the pack indexes are read: nothing is decoded.

The figures are computed when a version is created (:func:`charge_new`, from its parents'
manifests only) and kept in its lineage record; :func:`charge` recomputes them for every
version when the charging changes (a version removed, gc, a manifest replaced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import NotFound
from .graph import LineageGraph
from .version import SUMMARY_KEYS, manifest_figures

if TYPE_CHECKING:  # the store (numpy, h5py) loads only when figures are computed
    from ..store import ObjectStore


@dataclass
class Accounts:
    """Stored bytes charged to each version id, and the totals."""

    charged: dict[str, int] = field(default_factory=dict)
    #: objects charged to each version id
    counts: dict[str, int] = field(default_factory=dict)
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
        total = count = 0
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
                count += 1
                oid = base
        acc.charged[version.id] = total
        acc.counts[version.id] = count
        acc.objects += count
        acc.stored_bytes += total
    return acc


def charge_new(
    graph: LineageGraph,
    store: ObjectStore,
    new_ids: list[str],
    written: set[str],
) -> dict[str, tuple[int, int]] | None:
    """``{id: (stored bytes, objects)}`` charged to versions just added, without other manifests.

    ``new_ids`` are the added versions, last in :meth:`LineageGraph.versions` order (as
    creation makes them); ``written`` the objects their transaction wrote.  An object the
    transaction did not write is owned by an earlier version when a parent's manifest names
    it; any other (a tensor equal to one of an unrelated or removed version) needs every
    manifest: the answer is then None and the caller runs :func:`charge`.
    """
    store.refresh()
    owned: set[str] = set()
    out: dict[str, tuple[int, int]] = {}
    order = graph.ids()
    if order[len(order) - len(new_ids) :] != [vid for vid in order if vid in set(new_ids)]:
        return None  # a new version sorts before an old one (clock skew): charge everything
    for vid in order[len(order) - len(new_ids) :]:
        version = graph.g.nodes[vid]["version"]
        earlier = {ref.oid for p, _ in graph.parents(vid) for ref in p.manifest.values()}
        total = count = 0
        for ref in version.manifest.values():
            oid: str | None = ref.oid
            while oid is not None and oid not in owned:
                if oid not in written:
                    if oid in earlier:
                        break
                    return None
                owned.add(oid)
                hit = _entry_size(store, oid)
                if hit is None:
                    return None
                size, base = hit
                total += size
                count += 1
                oid = base
        out[vid] = (total, count)
    return out


def settle_figures(
    before: LineageGraph, graph: LineageGraph, store: ObjectStore, written: set[str], *, recharge: bool = False
) -> None:
    """Fill in the summary figures of the versions of ``graph`` (a transaction's copy of
    ``before``) as it commits; ``written`` are the objects the transaction wrote.

    New versions are charged from their parents' manifests alone; every version is
    recharged when the charging changed (a version removed, an edge added or removed
    between old versions, a manifest replaced, ``recharge`` (gc), or an older lineage
    without figures)."""
    old_ids = set(before.g.nodes)
    ids = graph.ids()
    new_ids = [vid for vid in ids if vid not in old_ids]
    removed = len(old_ids) != len(ids) - len(new_ids)
    fresh = set(new_ids)
    old_edges = {(u, c) for u, c, _ in graph.edges() if c not in fresh}
    replaced = any(
        not set(SUMMARY_KEYS) <= (graph.g.nodes[vid]["version"].summary or {}).keys() for vid in ids if vid not in fresh
    )
    if not (removed or replaced or recharge or old_edges != {(u, c) for u, c, _ in before.edges()}):
        charged = charge_new(graph, store, new_ids, written) if new_ids else {}
        if charged is not None:
            for vid, (stored, objects) in charged.items():
                v = graph.edit(vid)
                v.summary = {**manifest_figures(v.manifest), "stored_bytes": stored, "objects": objects}
            return
    acc = charge(graph, store)
    for vid in ids:
        v = graph.g.nodes[vid]["version"]
        figures = {**manifest_figures(v.manifest), "stored_bytes": acc.charged[vid], "objects": acc.counts[vid]}
        if v.summary != figures:
            graph.edit(vid).summary = figures
