"""The module graph: a traced model as a DAG of layers (nodes) and data flow (edges).

Nodes are named by stable module paths (``"bert.encoder.layer.3.attention.self.query"``);
the model's inputs and outputs are nodes too, named ``"input:<arg>"`` and
``"output:<field>"``.  A node carries its module type, the attributes that define its
shape, and its tensors (parameters and persistent buffers) with their content hashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: bumped when the meaning of a traced graph changes (invalidates cached traces).
GRAPH_FORMAT = 1


@dataclass
class TensorInfo:
    """One tensor of a node: its state-dict key, shape, dtype and content hash (or None)."""

    key: str
    shape: list[int]
    dtype: str
    hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TensorInfo:
        return cls(doc["key"], list(doc["shape"]), doc["dtype"], doc.get("hash"))


@dataclass
class GraphNode:
    """A layer (``kind="module"``), a model input or a model output."""

    name: str
    kind: str
    type: str
    attrs: dict[str, Any] = field(default_factory=dict)
    params: dict[str, TensorInfo] = field(default_factory=dict)

    def structure_key(self) -> str:
        """What a structural diff compares: kind, type, attributes, tensor shapes and dtypes."""
        shapes = [[n, t.shape, t.dtype] for n, t in sorted(self.params.items())]
        return json.dumps([self.kind, self.type, self.attrs, shapes], sort_keys=True, default=str)

    def content_key(self) -> str:
        """What a contextual diff compares: the structure plus every tensor's content hash."""
        hashes = [[n, t.hash] for n, t in sorted(self.params.items())]
        return json.dumps([self.structure_key(), hashes])

    def describe(self) -> str:
        """A one-line label such as ``Linear(in_features=32, out_features=64)``."""
        # "inner" (a collapsed node's digest of its submodules) means nothing to a reader
        shown = {k: v for k, v in self.attrs.items() if v is not None and k != "inner"}
        return f"{self.type}({', '.join(f'{k}={_short(v)}' for k, v in shown.items())})"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "attrs": dict(self.attrs),
            "params": {k: t.to_json() for k, t in self.params.items()},
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> GraphNode:
        params = {k: TensorInfo.from_json(v) for k, v in doc.get("params", {}).items()}
        return cls(doc["name"], doc["kind"], doc["type"], dict(doc.get("attrs", {})), params)


def _short(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        return str(value[0])
    return str(value)


@dataclass
class ModuleGraph:
    """A traced model.

    Attributes
    ----------
    nodes : dict
        Name -> :class:`GraphNode`, in execution order (inputs first, outputs last).
    edges : list
        ``(source, target)`` pairs of node names, each once, in discovery order.
    tracer : str
        ``"torch.export"``, ``"symbolic_trace"`` or ``"hooks"``.
    tensors : dict
        Every tensor of the model's state (key -> :class:`TensorInfo`), also those of
        layers the trace never ran.
    """

    nodes: dict[str, GraphNode]
    edges: list[tuple[str, str]]
    tracer: str
    tensors: dict[str, TensorInfo] = field(default_factory=dict)
    collapse: list[str] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return list(self.nodes)

    def successors(self, name: str) -> list[str]:
        return [t for s, t in self.edges if s == name]

    def predecessors(self, name: str) -> list[str]:
        return [s for s, t in self.edges if t == name]

    @property
    def num_parameters(self) -> int:
        total = 0
        for t in self.tensors.values():
            n = 1
            for d in t.shape:
                n *= d
            total += n
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "format": GRAPH_FORMAT,
            "tracer": self.tracer,
            "collapse": list(self.collapse),
            "nodes": [n.to_json() for n in self.nodes.values()],
            "edges": [[s, t] for s, t in self.edges],
            "tensors": {k: t.to_json() for k, t in self.tensors.items()},
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ModuleGraph:
        nodes = {d["name"]: GraphNode.from_json(d) for d in doc["nodes"]}
        tensors = {k: TensorInfo.from_json(v) for k, v in doc.get("tensors", {}).items()}
        edges = [(s, t) for s, t in doc["edges"]]
        return cls(nodes, edges, doc["tracer"], tensors, list(doc.get("collapse", [])))
