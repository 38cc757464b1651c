"""Data flow between graph nodes, recovered from a stream of operations.

Every tracer reports the operations it saw in program order: which values each one read,
which module stack it ran in, and which value it produced.  :class:`FlowRecorder` keeps,
for every value, the set of graph nodes it came from (glue operations pass their inputs'
sources on; an operation owned by a node makes that node the only source), and adds an
edge from each source to the owner of every operation reading it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

_EMPTY: frozenset[str] = frozenset()


@dataclass
class Skeleton:
    """What a tracer found: node names in execution order, edges, tracer name, inputs."""

    order: list[str]
    edges: list[tuple[str, str]]
    tracer: str
    inputs: dict[str, str] = field(default_factory=dict)  # input node -> dtype name

    def to_json(self) -> dict:
        return {
            "order": self.order,
            "edges": [list(e) for e in self.edges],
            "tracer": self.tracer,
            "inputs": self.inputs,
        }

    @classmethod
    def from_json(cls, doc: dict) -> Skeleton:
        return cls(
            list(doc["order"]),
            [(s, t) for s, t in doc["edges"]],
            doc["tracer"],
            dict(doc.get("inputs", {})),
        )


class FlowRecorder:
    """Accumulates nodes and edges from operations (values are any hashable handles)."""

    def __init__(self) -> None:
        self.sources: dict[Hashable, frozenset[str]] = {}
        self.order: dict[str, int] = {}
        self.edges: dict[tuple[str, str], None] = {}
        self.inputs: dict[str, str] = {}
        self._outputs: dict[str, None] = {}

    def add_input(self, value: Hashable, name: str, dtype: str) -> None:
        self.order.setdefault(name, len(self.order))
        self.inputs[name] = dtype
        self.sources[value] = frozenset((name,))

    def sources_of(self, values: Iterable[Hashable]) -> frozenset[str]:
        out: frozenset[str] = _EMPTY
        for v in values:
            s = self.sources.get(v)
            if s:
                out = out | s
        return out

    def operation(self, reads: Iterable[Hashable], owner: str | None, writes: Iterable[Hashable]) -> None:
        """One operation: it read ``reads``, ran in node ``owner`` (None: glue), wrote ``writes``."""
        srcs = self.sources_of(reads)
        if owner is None:
            produced = srcs
        else:
            self.order.setdefault(owner, len(self.order))
            for s in sorted(srcs, key=self._rank):
                if s != owner:
                    self.edges.setdefault((s, owner), None)
            produced = frozenset((owner,))
        for w in writes:
            self.sources[w] = produced

    def add_output(self, value_sources: frozenset[str], name: str) -> None:
        self._outputs.setdefault(name, None)
        for s in sorted(value_sources, key=self._rank):
            self.edges.setdefault((s, name), None)

    def _rank(self, name: str) -> tuple[int, str]:
        return self.order.get(name, len(self.order)), name

    def skeleton(self, tracer: str) -> Skeleton:
        order = list(self.order) + [o for o in self._outputs if o not in self.order]
        return Skeleton(order, list(self.edges), tracer, dict(self.inputs))


def key_path_name(path: tuple) -> str:
    """A pytree key path as dotted text: ``("logits",)`` -> ``"logits"``; ``""`` at the root."""
    parts = []
    for key in path:
        for attr in ("key", "name", "idx"):
            if hasattr(key, attr):
                parts.append(str(getattr(key, attr)))
                break
        else:
            parts.append(str(key))
    return ".".join(parts)


def output_name(path: tuple) -> str:
    """The node name of one output: ``"output:<field>"`` (``"output:0"`` for a bare tensor).

    The colon keeps it apart from module paths, which never contain one.
    """
    return "output:" + (key_path_name(path) or "0")
