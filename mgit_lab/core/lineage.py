"""The lineage graph: model versions (nodes) and how each came from another (edges)."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import networkx as nx

from .errors import Conflict, InvalidInput, NotFound


class Relation(str, Enum):
    """How a child version came from its parent."""

    FINETUNE = "finetune"
    VERSION = "version"
    PRUNE = "prune"
    QUANTIZE = "quantize"
    DISTILL = "distill"
    ADAPTER = "adapter"
    MERGE = "merge"

    @classmethod
    def parse(cls, value: str | Relation) -> Relation:
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(
                f"unknown relation {value!r}", hint=f"use one of: {', '.join(r.value for r in cls)}"
            ) from None


@dataclass
class TensorRef:
    """One entry of a version's parameter manifest."""

    oid: str
    dtype: str
    shape: list[int]


@dataclass
class ModelVersion:
    """A node of the lineage graph: one stored model version."""

    id: str
    name: str
    model_type: str | None = None
    architecture: dict[str, Any] | None = None
    manifest: dict[str, TensorRef] = field(default_factory=dict)
    message: str = ""
    author: str = ""
    created: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    tests: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    recipe: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["manifest"] = {k: [v.oid, v.dtype, v.shape] for k, v in self.manifest.items()}
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ModelVersion:
        doc = dict(doc)
        doc["manifest"] = {k: TensorRef(v[0], v[1], list(v[2])) for k, v in doc.get("manifest", {}).items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in doc.items() if k in known})

    @property
    def raw_nbytes(self) -> int:
        from .codecs.abc import TensorSpec

        return sum(TensorSpec(t.dtype, tuple(t.shape)).nbytes for t in self.manifest.values())

    @property
    def num_parameters(self) -> int:
        total = 0
        for t in self.manifest.values():
            n = 1
            for d in t.shape:
                n *= d
            total += n
        return total


class LineageGraph:
    """A DAG of :class:`ModelVersion` nodes keyed by id; edges carry a :class:`Relation`."""

    def __init__(self) -> None:
        self.g: nx.DiGraph = nx.DiGraph()
        self._by_name: dict[str, str] = {}

    # ------------------------------------------------------------ queries
    def __contains__(self, key: str) -> bool:
        return key in self._by_name or key in self.g

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def resolve(self, key: str) -> str:
        """The id of the version named (or tagged, or with id / id prefix) ``key``."""
        if key in self._by_name:
            return self._by_name[key]
        if key in self.g:
            return key
        for vid in self.g.nodes:
            if key in self.g.nodes[vid]["version"].tags:
                return vid
        hits = [vid for vid in self.g.nodes if vid.startswith(key)] if len(key) >= 6 else []
        if len(hits) == 1:
            return hits[0]
        names = sorted(self._by_name)
        hint = (
            f"known versions: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}"
            if names
            else ("the repository has no versions yet: add one with `mgit add`")
        )
        raise NotFound(f"no version named {key!r}", hint=hint)

    def get(self, key: str) -> ModelVersion:
        return self.g.nodes[self.resolve(key)]["version"]

    def versions(self) -> list[ModelVersion]:
        """Every version, parents before children, ties by creation time."""
        order = nx.lexicographical_topological_sort(self.g, key=lambda v: (self.g.nodes[v]["version"].created, v))
        return [self.g.nodes[v]["version"] for v in order]

    def parents(self, key: str) -> list[tuple[ModelVersion, Relation]]:
        vid = self.resolve(key)
        return [(self.g.nodes[p]["version"], self.g.edges[p, vid]["relation"]) for p in self.g.predecessors(vid)]

    def children(self, key: str) -> list[tuple[ModelVersion, Relation]]:
        vid = self.resolve(key)
        return [(self.g.nodes[c]["version"], self.g.edges[vid, c]["relation"]) for c in self.g.successors(vid)]

    def ancestors(self, key: str) -> set[str]:
        return nx.ancestors(self.g, self.resolve(key))

    def descendants(self, key: str) -> set[str]:
        return nx.descendants(self.g, self.resolve(key))

    def edges(self) -> list[tuple[str, str, Relation]]:
        return [(u, v, d["relation"]) for u, v, d in self.g.edges(data=True)]

    # ------------------------------------------------------------ changes
    def add_version(self, version: ModelVersion, parents: list[tuple[str, Relation]] | None = None) -> None:
        if version.name in self._by_name:
            raise Conflict(f"a version named {version.name!r} already exists", hint="choose another --name")
        for pid, _ in parents or []:
            if pid not in self.g:
                raise NotFound(f"parent version {pid!r} does not exist")
        self.g.add_node(version.id, version=version)
        self._by_name[version.name] = version.id
        for pid, rel in parents or []:
            self.g.add_edge(pid, version.id, relation=Relation.parse(rel))

    def remove_version(self, key: str) -> ModelVersion:
        vid = self.resolve(key)
        version = self.g.nodes[vid]["version"]
        self.g.remove_node(vid)
        del self._by_name[version.name]
        return version

    def rename(self, key: str, new_name: str) -> None:
        vid = self.resolve(key)
        if new_name in self._by_name:
            raise Conflict(f"a version named {new_name!r} already exists")
        version = self.g.nodes[vid]["version"]
        del self._by_name[version.name]
        version.name = new_name
        self._by_name[new_name] = vid

    def add_edge(self, parent: str, child: str, relation: Relation | str) -> None:
        self.g.add_edge(self.resolve(parent), self.resolve(child), relation=Relation.parse(relation))

    def copy(self) -> LineageGraph:
        return copy.deepcopy(self)

    # ------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [v.to_json() for v in self.versions()],
            "edges": [{"parent": u, "child": v, "relation": r.value} for u, v, r in self.edges()],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LineageGraph:
        graph = cls()
        for node in doc.get("nodes", []):
            version = ModelVersion.from_json(node)
            graph.g.add_node(version.id, version=version)
            graph._by_name[version.name] = version.id
        for e in doc.get("edges", []):
            graph.g.add_edge(e["parent"], e["child"], relation=Relation(e["relation"]))
        return graph
