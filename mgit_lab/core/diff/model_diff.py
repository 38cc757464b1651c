"""The one diff data object; text, HTML and the panel are renderings of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from ..schema import DiffSideJSON, ModelDiffJSON
from .graph import GraphNode, ModuleGraph
from .graph_diff import EdgeDiff, NodeDiff
from .param_diff import ParamDiff
from .render_html import render_fragment


@dataclass
class DiffSide:
    """One of the two models: label and trace facts."""

    label: str
    tracer: str | None
    num_nodes: int
    num_edges: int
    num_tensors: int
    num_parameters: int

    @classmethod
    def of(cls, label: str, graph: ModuleGraph | None, tensors: dict) -> DiffSide:
        num = 0
        for t in tensors.values():
            n = 1
            for d in t.shape:
                n *= d
            num += n
        if graph is None:
            return cls(label, None, 0, 0, len(tensors), num)
        return cls(label, graph.tracer, len(graph.nodes), len(graph.edges), len(tensors), num)

    def to_json(self) -> DiffSideJSON:
        return {
            "label": self.label,
            "tracer": self.tracer,
            "num_nodes": self.num_nodes,
            "num_edges": self.num_edges,
            "num_tensors": self.num_tensors,
            "num_parameters": self.num_parameters,
        }


def _layer_json(node: GraphNode | None) -> dict[str, Any] | None:
    return None if node is None else node.to_json()


@dataclass
class ModelDiff:
    """What must be removed from model 1 and added to reach model 2, layer by layer,
    plus per-tensor change statistics."""

    a: DiffSide
    b: DiffSide
    mode: str  # "structural" | "contextual"
    matcher: str  # "name" | "lcs" | "none"
    collapse: list[str]
    nodes: list[NodeDiff]
    edges: list[EdgeDiff]
    params: list[ParamDiff]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------ MGit's view
    @property
    def removed_nodes(self) -> list[str]:
        """Model-1 layers to remove (only in model 1, or changed)."""
        return [n.a.name for n in self.nodes if n.status in ("removed", "changed") and n.a is not None]

    @property
    def added_nodes(self) -> list[str]:
        """Model-2 layers to add (only in model 2, or changed)."""
        return [n.b.name for n in self.nodes if n.status in ("added", "changed") and n.b is not None]

    def _names(self, side: str) -> dict[str, str]:
        return {n.id: getattr(n, side).name for n in self.nodes if getattr(n, side) is not None}

    @property
    def removed_edges(self) -> list[tuple[str, str]]:
        names = self._names("a")
        return [(names[e.source], names[e.target]) for e in self.edges if e.status == "removed"]

    @property
    def added_edges(self) -> list[tuple[str, str]]:
        names = self._names("b")
        return [(names[e.source], names[e.target]) for e in self.edges if e.status == "added"]

    @property
    def changed_params(self) -> list[ParamDiff]:
        return [p for p in self.params if p.status != "same"]

    @property
    def identical(self) -> bool:
        """No layer or edge differs (in contextual mode, no tensor either)."""
        if any(n.status != "same" for n in self.nodes) or any(e.status != "same" for e in self.edges):
            return False
        if self.mode == "contextual":
            return not self.changed_params
        return not any(
            p.status in ("removed", "added") or p.shape_a != p.shape_b or p.dtype_a != p.dtype_b for p in self.params
        )

    # ------------------------------------------------------------ notebook reprs
    def __repr__(self) -> str:
        ns = Counter(n.status for n in self.nodes)
        layers = (
            f", layers {ns['changed']} changed / {ns['removed']} removed / {ns['added']} added" if self.nodes else ""
        )
        return (
            f"<ModelDiff {self.a.label} -> {self.b.label} ({self.mode}){layers}, "
            f"{len(self.changed_params)} tensors differ>"
        )

    def _repr_html_(self) -> str:
        return render_fragment(self)

    # ------------------------------------------------------------ JSON
    def to_json(self) -> ModelDiffJSON:
        changed_elements = 0
        for p in self.params:
            if p.fraction_changed is not None:
                changed_elements += round(p.fraction_changed * p.numel)
        summary = {
            "identical": self.identical,
            "nodes": dict(Counter(n.status for n in self.nodes)),
            "edges": dict(Counter(e.status for e in self.edges)),
            "params": dict(Counter(p.status for p in self.params)),
            "changed_elements": changed_elements,
            "removed_nodes": self.removed_nodes,
            "added_nodes": self.added_nodes,
            "removed_edges": [list(e) for e in self.removed_edges],
            "added_edges": [list(e) for e in self.added_edges],
        }
        doc: dict[str, Any] = {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "mode": self.mode,
            "matcher": self.matcher,
            "collapse": list(self.collapse),
            "nodes": [
                {
                    "id": n.id,
                    "status": n.status,
                    "kind": n.kind,
                    "a": _layer_json(n.a),
                    "b": _layer_json(n.b),
                    "changes": list(n.changes),
                }
                for n in self.nodes
            ],
            "edges": [{"source": e.source, "target": e.target, "status": e.status} for e in self.edges],
            "params": [
                {
                    "a": p.a,
                    "b": p.b,
                    "status": p.status,
                    "shape_a": p.shape_a,
                    "shape_b": p.shape_b,
                    "dtype_a": p.dtype_a,
                    "dtype_b": p.dtype_b,
                    "numel": p.numel,
                    "l2": p.l2,
                    "relative": p.relative,
                    "fraction_changed": p.fraction_changed,
                    "rank": p.rank,
                    "rank_exact": p.rank_exact,
                }
                for p in self.params
            ],
            "summary": summary,
            "notes": list(self.notes),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        return cast(ModelDiffJSON, doc)  # the shape is checked against the schema by a test
