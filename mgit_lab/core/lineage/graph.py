"""The lineage graph: model versions (nodes) and how each came from another (edges)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any

import networkx as nx

from ..errors import Conflict, InvalidInput, NotFound


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

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


ManifestLoader = Callable[[], dict[str, TensorRef]]

#: what :attr:`ModelVersion.summary` holds (written in the lineage record at creation)
SUMMARY_KEYS = ("raw_bytes", "num_parameters", "num_tensors", "stored_bytes", "objects")


def manifest_to_json(manifest: dict[str, TensorRef]) -> dict[str, list[Any]]:
    """A manifest as JSON values: ``{name: [oid, dtype, shape]}``."""
    return {k: [v.oid, v.dtype, v.shape] for k, v in manifest.items()}


def manifest_from_json(doc: dict[str, Any]) -> dict[str, TensorRef]:
    return {k: TensorRef(v[0], v[1], list(v[2])) for k, v in doc.items()}


def manifest_figures(manifest: dict[str, TensorRef]) -> dict[str, int]:
    """Raw bytes, parameter and tensor counts of a manifest (what needs no store)."""
    from ..codecs.abc import TensorSpec

    return {
        "raw_bytes": sum(TensorSpec(t.dtype, tuple(t.shape)).nbytes for t in manifest.values()),
        "num_parameters": sum(t.numel for t in manifest.values()),
        "num_tensors": len(manifest),
    }


class ModelVersion:
    """A node of the lineage graph: one stored model version.

    The parameter manifest lives in its own immutable file (``.mgit/manifests/``) named by
    :attr:`manifest_file` and is read on first access of :attr:`manifest`; :attr:`summary`
    holds the figures the graph shows (raw/stored bytes, parameter and tensor counts) so
    listing versions never reads a manifest.
    """

    def __init__(
        self,
        id: str,
        name: str,
        model_type: str | None = None,
        architecture: dict[str, Any] | None = None,
        manifest: dict[str, TensorRef] | None = None,
        message: str = "",
        author: str = "",
        created: str = "",
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        tests: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        recipe: dict[str, Any] | None = None,
        *,
        manifest_file: str | None = None,
        summary: dict[str, int] | None = None,
        loader: ManifestLoader | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.model_type = model_type
        self.architecture = architecture
        self.message = message
        self.author = author
        self.created = created
        self.metadata: dict[str, Any] = metadata if metadata is not None else {}
        self.metrics: dict[str, Any] = metrics if metrics is not None else {}
        self.tests: dict[str, Any] = tests if tests is not None else {}
        self.tags: list[str] = tags if tags is not None else []
        self.recipe = recipe
        #: the manifest's file name under ``.mgit/manifests`` (None: not written yet)
        self.manifest_file = manifest_file
        #: figures of :data:`SUMMARY_KEYS` (None or partial in an old-layout repository)
        self.summary: dict[str, int] | None = summary
        self._manifest: dict[str, TensorRef] | None = manifest
        self._loader = loader
        #: the manifest was set in memory and its file is still to be written
        self.manifest_dirty = manifest is not None and manifest_file is None
        if self._manifest is None and self._loader is None:
            self._manifest = {}

    @property
    def manifest(self) -> dict[str, TensorRef]:
        """``{parameter name: TensorRef}`` (read from its file on first access; do not mutate)."""
        if self._manifest is None:
            assert self._loader is not None
            self._manifest = self._loader()
        return self._manifest

    @manifest.setter
    def manifest(self, value: dict[str, TensorRef]) -> None:
        self._manifest = dict(value)
        self.manifest_dirty = True
        self.summary = None  # figures follow the new manifest at commit

    @property
    def manifest_loaded(self) -> bool:
        return self._manifest is not None

    def __repr__(self) -> str:
        return f"ModelVersion(id={self.id!r}, name={self.name!r}, model_type={self.model_type!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelVersion):
            return NotImplemented
        return self.to_json() == other.to_json() and self.manifest == other.manifest

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> ModelVersion:
        """A copy with its own metadata; the manifest (immutable, replaced whole) is shared."""
        other = ModelVersion.__new__(ModelVersion)
        for key, value in self.__dict__.items():
            shared = key in ("_manifest", "_loader")
            other.__dict__[key] = value if shared else copy.deepcopy(value, memo)
        return other

    def to_json(self) -> dict[str, Any]:
        """The lineage record (shares the metadata dicts: serialise, don't mutate).

        The manifest is not in it: it lives in :attr:`manifest_file`."""
        return {
            "id": self.id,
            "name": self.name,
            "model_type": self.model_type,
            "architecture": self.architecture,
            "manifest_file": self.manifest_file,
            "summary": self.summary,
            "message": self.message,
            "author": self.author,
            "created": self.created,
            "metadata": self.metadata,
            "metrics": self.metrics,
            "tests": self.tests,
            "tags": list(self.tags),
            "recipe": self.recipe,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], loader: ManifestLoader | None = None) -> ModelVersion:
        """A version from its lineage record; ``loader`` reads its manifest file when needed.

        An older record with the manifest inline is read as it is (written to a file at
        the next commit)."""
        inline = doc.get("manifest")
        manifest = manifest_from_json(inline) if isinstance(inline, dict) else None
        return cls(
            id=doc["id"],
            name=doc["name"],
            model_type=doc.get("model_type"),
            architecture=doc.get("architecture"),
            manifest=manifest,
            message=doc.get("message", ""),
            author=doc.get("author", ""),
            created=doc.get("created", ""),
            metadata=doc.get("metadata") or {},
            metrics=doc.get("metrics") or {},
            tests=doc.get("tests") or {},
            tags=list(doc.get("tags") or []),
            recipe=doc.get("recipe"),
            manifest_file=doc.get("manifest_file") if manifest is None else None,
            summary=doc.get("summary"),
            loader=loader if manifest is None and doc.get("manifest_file") else None,
        )

    def _figure(self, key: str) -> int:
        if self.summary is not None and key in self.summary:
            return int(self.summary[key])
        return manifest_figures(self.manifest)[key]

    @property
    def raw_nbytes(self) -> int:
        return self._figure("raw_bytes")

    @property
    def num_parameters(self) -> int:
        return self._figure("num_parameters")

    @property
    def num_tensors(self) -> int:
        return self._figure("num_tensors")


def check_label(label: str, what: str = "version name") -> str:
    """Validate a version name or tag: non-empty, no '/', no surrounding spaces, no control chars."""
    if (
        not isinstance(label, str)
        or not label
        or "/" in label
        or label.strip() != label
        or any(ord(c) < 32 for c in label)
        or label.startswith("-")
    ):
        raise InvalidInput(
            f"invalid {what} {label!r}",
            hint="use a non-empty name without '/', control characters, a leading '-' or surrounding spaces",
        )
    return label


class LineageGraph:
    """A DAG of :class:`ModelVersion` nodes keyed by id; edges carry a :class:`Relation`.

    Copies made by :meth:`copy` (a transaction's private graph) share version objects with
    the original until one is asked for with :meth:`get` or :meth:`edit`, which hand out the
    copy's own object: change versions through those, never through :meth:`versions`.
    """

    def __init__(self) -> None:
        self.g: nx.DiGraph = nx.DiGraph()
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
        raise NotFound(f"no version named {key!r}", hint=hint)

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
            order = nx.lexicographical_topological_sort(self.g, key=lambda v: (self._version(v).created, v))
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
        return nx.ancestors(self.g, self.resolve(key))

    def descendants(self, key: str) -> set[str]:
        return nx.descendants(self.g, self.resolve(key))

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
        check_label(version.name)
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
        check_label(new_name)
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
        check_label(tag, "tag")
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
        vid = self._by_tag.get(tag)
        if vid is None:
            raise NotFound(f"no tag {tag!r}", hint="list tags with `mgit tag`")
        self.edit(vid).tags.remove(tag)
        del self._by_tag[tag]
        return vid

    def add_edge(self, parent: str, child: str, relation: Relation | str) -> None:
        p, c = self.resolve(parent), self.resolve(child)
        if p == c or nx.has_path(self.g, c, p):
            raise InvalidInput(
                f"an edge {parent} -> {child} would make a cycle", hint="a version cannot descend from itself"
            )
        order = self.g.in_degree(c)
        self.g.add_edge(p, c, relation=Relation.parse(relation), order=order)
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
