"""The lineage graph: model versions (nodes) and how each came from another (edges)."""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

from ..errors import Conflict, InvalidInput, NotFound
from .dag import DAG
from .version import ModelVersion, Relation, TensorRef, check_label, check_version_texts


class LineageGraph:
    """A DAG of :class:`ModelVersion` nodes keyed by id; edges carry a :class:`Relation`.

    Copies made by :meth:`copy` (a transaction's private graph) share version objects with
    the original until one is asked for with :meth:`get` or :meth:`edit`, which hand out the
    copy's own object: change versions through those, never through :meth:`versions`.
    """

    def __init__(self) -> None:
        self.g = DAG()
        self._by_name: dict[str, str] = {}
        self._by_tag: dict[str, str] = {}
        self._order: list[str] | None = None
        self._shared: set[str] = set()

    # ------------------------------------------------------------ queries
    def __contains__(self, key: str) -> bool:
        return key in self._by_name or key in self.g or key in self._by_tag

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def resolve(self, key: str) -> str:
        """The id of the version named (or tagged, or with id / id prefix) ``key``."""
        if isinstance(key, str) and not key.isascii():
            key = unicodedata.normalize("NFC", key)
        if key in self._by_name:
            return self._by_name[key]
        if key in self._by_tag:
            return self._by_tag[key]
        if key in self.g:
            return key
        hits = [vid for vid in self.g.nodes if vid.startswith(key)] if len(key) >= 6 else []
        if len(hits) == 1:
            return hits[0]
        names = sorted(self._by_name)
        hint = (
            f"known versions: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}"
            if names
            else ("the repository has no versions yet: add one with `mgit add`")
        )
        shown = repr(key[:80]) + ("..." if len(key) > 80 else "") if isinstance(key, str) else repr(key)
        raise NotFound(f"no version named {shown}", hint=hint)

    def _version(self, vid: str) -> ModelVersion:
        return self.g.nodes[vid]["version"]

    def get(self, key: str) -> ModelVersion:
        """The version ``key`` (this graph's own object: safe to change in a transaction)."""
        return self.edit(key)

    def edit(self, key: str) -> ModelVersion:
        vid = self.resolve(key)
        if vid in self._shared:
            self.g.nodes[vid]["version"] = copy.deepcopy(self._version(vid))
            self._shared.discard(vid)
        return self._version(vid)

    def versions(self) -> list[ModelVersion]:
        """Every version, parents before children, ties by creation time (read only)."""
        if self._order is None:
            order = self.g.topological_order(key=lambda v: (self._version(v).created, v))
            self._order = list(order)
        return [self._version(v) for v in self._order]

    def ids(self) -> list[str]:
        """Version ids, parents first."""
        self.versions()
        assert self._order is not None
        return list(self._order)

    def parents(self, key: str) -> list[tuple[ModelVersion, Relation]]:
        """``(parent, relation)`` of ``key``, first parent (the delta base) first."""
        vid = self.resolve(key)
        preds = sorted(self.g.predecessors(vid), key=lambda p: self.g.edges[p, vid].get("order", 0))
        return [(self._version(p), self.g.edges[p, vid]["relation"]) for p in preds]

    def children(self, key: str) -> list[tuple[ModelVersion, Relation]]:
        vid = self.resolve(key)
        kids = sorted(self.g.successors(vid), key=lambda c: (self._version(c).created, c))
        return [(self._version(c), self.g.edges[vid, c]["relation"]) for c in kids]

    def ancestors(self, key: str) -> set[str]:
        return self.g.ancestors(self.resolve(key))

    def descendants(self, key: str) -> set[str]:
        return self.g.descendants(self.resolve(key))

    def edges(self) -> list[tuple[str, str, Relation]]:
        return [(u, v, d["relation"]) for u, v, d in self.g.edges(data=True)]

    def tags(self) -> dict[str, str]:
        """tag -> version id."""
        return dict(self._by_tag)

    def names(self) -> dict[str, str]:
        """name -> version id."""
        return dict(self._by_name)

    # ------------------------------------------------------------ changes
    def _changed(self) -> None:
        self._order = None

    def add_version(self, version: ModelVersion, parents: list[tuple[str, Relation]] | None = None) -> None:
        check_version_texts(version)
        if version.name in self._by_name:
            raise Conflict(f"a version named {version.name!r} already exists", hint="choose another name")
        if version.name in self._by_tag:
            raise Conflict(f"{version.name!r} is already a tag", hint="choose another name")
        for pid, _ in parents or []:
            if pid not in self.g:
                raise NotFound(f"parent version {pid!r} does not exist", hint="it may have just been removed")
        self.g.add_node(version.id, version=version)
        self._by_name[version.name] = version.id
        for tag in version.tags:
            self._by_tag[tag] = version.id
        for i, (pid, rel) in enumerate(parents or []):
            self.g.add_edge(pid, version.id, relation=Relation.parse(rel), order=i)
        self._changed()

    def dependants(self, key: str) -> list[ModelVersion]:
        """Versions with an edge from ``key``."""
        return [c for c, _ in self.children(key)]

    def remove_version(self, key: str, *, reroot: bool = False) -> ModelVersion:
        """Remove ``key``; with ``reroot`` its children take its parents (or become roots).

        Raises
        ------
        Conflict
            When other versions depend on it and ``reroot`` is False.
        """
        vid = self.resolve(key)
        version = self._version(vid)
        kids = self.dependants(vid)
        if kids and not reroot:
            names = ", ".join(k.name for k in kids[:5])
            raise Conflict(
                f"{len(kids)} version(s) depend on {version.name!r}: {names}",
                hint="remove them first, or re-root them onto its parents (`mgit rm --reroot`)",
            )
        grand = [(p.id, r) for p, r in self.parents(vid)]
        for kid in kids:
            rel = self.g.edges[vid, kid.id]["relation"]
            order = self.g.edges[vid, kid.id].get("order", 0)
            for gp, _ in grand:
                if not self.g.has_edge(gp, kid.id):
                    self.g.add_edge(gp, kid.id, relation=rel, order=order)
        self.g.remove_node(vid)
        del self._by_name[version.name]
        for tag in version.tags:
            self._by_tag.pop(tag, None)
        self._shared.discard(vid)
        self._changed()
        return version

    def rename(self, key: str, new_name: str) -> None:
        new_name = check_label(new_name)
        vid = self.resolve(key)
        if new_name in self._by_name and self._by_name[new_name] != vid:
            raise Conflict(f"a version named {new_name!r} already exists", hint="choose another name")
        if new_name in self._by_tag:
            raise Conflict(f"{new_name!r} is already a tag", hint="choose another name")
        version = self.edit(vid)
        del self._by_name[version.name]
        version.name = new_name
        self._by_name[new_name] = vid

    def tag(self, key: str, tag: str, *, move: bool = False) -> None:
        """Attach ``tag`` to ``key``; a tag names one version (``move`` takes it from another)."""
        tag = check_label(tag, "tag")
        vid = self.resolve(key)
        if tag in self._by_name:
            raise Conflict(f"{tag!r} is already a version name", hint="choose another tag")
        owner = self._by_tag.get(tag)
        if owner == vid:
            return
        if owner is not None:
            if not move:
                raise Conflict(
                    f"tag {tag!r} is already on {self._version(owner).name!r}",
                    hint="remove it first or move it (`mgit tag --force`)",
                )
            self.edit(owner).tags.remove(tag)
        self.edit(vid).tags.append(tag)
        self._by_tag[tag] = vid

    def untag(self, tag: str) -> str:
        """Remove ``tag``; returns the id it was on."""
        if isinstance(tag, str) and not tag.isascii():
            tag = unicodedata.normalize("NFC", tag)
        vid = self._by_tag.get(tag)
        if vid is None:
            raise NotFound(f"no tag {tag!r}", hint="list tags with `mgit tag`")
        self.edit(vid).tags.remove(tag)
        del self._by_tag[tag]
        return vid

    def add_edge(self, parent: str, child: str, relation: Relation | str) -> None:
        p, c = self.resolve(parent), self.resolve(child)
        if p == c or self.g.has_path(c, p):
            raise InvalidInput(
                f"an edge {parent} -> {child} would make a cycle", hint="a version cannot descend from itself"
            )
        order = self.g.in_degree(c)
        self.g.add_edge(p, c, relation=Relation.parse(relation), order=order)
        self._changed()

    def set_parents(self, key: str, parents: list[tuple[str, Relation | str]]) -> None:
        """Replace the parents of ``key`` (ids, first parent first; none: a root).

        Raises
        ------
        NotFound
            For a parent that is not in the graph.
        InvalidInput
            When a parent is ``key`` itself or one of its descendants (a cycle).
        """
        vid = self.resolve(key)
        below = self.g.descendants(vid) | {vid}
        for pid, _ in parents:
            if pid not in self.g:
                raise NotFound(f"parent version {pid!r} does not exist", hint="see `mgit log`")
            if pid in below:
                what = "itself" if pid == vid else f"its descendant {self._version(pid).name!r}"
                raise InvalidInput(
                    f"{self._version(vid).name!r} cannot have {what} as a parent: that would make a cycle",
                    hint="choose a version that is not below it in `mgit log`",
                )
        for pid in self.g.predecessors(vid):
            self.g.remove_edge(pid, vid)
        for i, (pid, rel) in enumerate(parents):
            self.g.add_edge(pid, vid, relation=Relation.parse(rel), order=i)
        self._changed()

    def copy(self) -> LineageGraph:
        """A copy whose changes never reach this graph (versions copied on first edit)."""
        other = LineageGraph()
        other.g = self.g.copy()
        other._by_name = dict(self._by_name)
        other._by_tag = dict(self._by_tag)
        other._order = list(self._order) if self._order is not None else None
        other._shared = set(self.g.nodes)
        return other

    # ------------------------------------------------------------ JSON
    def edges_json(self) -> list[dict[str, Any]]:
        return [
            {"parent": u, "child": v, "relation": d["relation"].value, "order": d.get("order", 0)}
            for u, v, d in self.g.edges(data=True)
        ]

    def unchanged(self) -> set[str]:
        """Ids of versions this copy has not changed (shared with the graph it was copied from)."""
        return set(self._shared)

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [v.to_json() for v in self.versions()],
            "edges": [
                {"parent": u, "child": v, "relation": d["relation"].value, "order": d.get("order", 0)}
                for u, v, d in self.g.edges(data=True)
            ],
        }

    @classmethod
    def from_json(
        cls, doc: dict[str, Any], loader: Callable[[str], dict[str, TensorRef]] | None = None
    ) -> LineageGraph:
        """The graph of a ``lineage.json`` document; ``loader(manifest_file)`` reads a manifest."""
        graph = cls()
        for node in doc.get("nodes", []):
            file = node.get("manifest_file")
            version = ModelVersion.from_json(node, partial(loader, file) if (loader and file) else None)
            graph.g.add_node(version.id, version=version)
            graph._by_name[version.name] = version.id
            for tag in version.tags:
                graph._by_tag[tag] = version.id
        for e in doc.get("edges", []):
            graph.g.add_edge(e["parent"], e["child"], relation=Relation(e["relation"]), order=e.get("order", 0))
        return graph
