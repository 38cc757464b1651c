"""The three-way merge planner: classify every parameter of A and B against their ancestor.

Parameters are compared by content id (equal ids: bit-identical tensors), so planning
reads only manifests, never tensor data.  The state table (``o``: ancestor):

================================  ============================  =========================
present in                        values                        state
================================  ============================  =========================
o, a, b                           a == o, b == o                ``unchanged`` (auto)
o, a, b                           a != o, b == o                ``changed_a`` (auto: A)
o, a, b                           a == o, b != o                ``changed_b`` (auto: B)
o, a, b                           a == b != o                   ``same_change`` (auto)
o, a, b                           a, b, o differ; a ~ b         ``both_changed``
o, a, b                           a, b differ in dtype/shape    ``shape_conflict``
o, b                              b == o                        ``removed_a`` (auto: drop)
o, b                              b != o                        ``removed_a_changed_b``
o, a                              a == o                        ``removed_b`` (auto: drop)
o, a                              a != o                        ``changed_a_removed_b``
o                                                               ``removed_both`` (auto)
a                                                               ``added_a`` (auto: A)
b                                                               ``added_b`` (auto: B)
a, b                              a == b                        ``same_change`` (auto)
a, b                              a ~ b, a != b                 ``both_added``
a, b                              a, b differ in dtype/shape    ``shape_conflict``
================================  ============================  =========================

(``a ~ b``: same dtype and shape.)  Single-sided and identical changes merge on their own;
the other states are conflicts for a strategy (or a per-parameter override) to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from .. import render_html, schema
from ..errors import InvalidInput
from ..lineage import LineageGraph, ModelVersion
from ..repository import Repository
from .base import Signature
from .registry import available_strategies, get_strategy


class ParamState(str, Enum):
    UNCHANGED = "unchanged"
    CHANGED_A = "changed_a"
    CHANGED_B = "changed_b"
    SAME_CHANGE = "same_change"
    BOTH_CHANGED = "both_changed"
    SHAPE_CONFLICT = "shape_conflict"
    ADDED_A = "added_a"
    ADDED_B = "added_b"
    BOTH_ADDED = "both_added"
    REMOVED_A = "removed_a"
    REMOVED_B = "removed_b"
    REMOVED_BOTH = "removed_both"
    REMOVED_A_CHANGED_B = "removed_a_changed_b"
    CHANGED_A_REMOVED_B = "changed_a_removed_b"

    @property
    def auto(self) -> bool:
        return self not in CONFLICTS


CONFLICTS = frozenset(
    {
        ParamState.BOTH_CHANGED,
        ParamState.SHAPE_CONFLICT,
        ParamState.BOTH_ADDED,
        ParamState.REMOVED_A_CHANGED_B,
        ParamState.CHANGED_A_REMOVED_B,
    }
)

#: which side an automatic state takes: "a", "b", "ancestor" or None (dropped).
AUTO_SOURCE: dict[ParamState, str | None] = {
    ParamState.UNCHANGED: "a",
    ParamState.CHANGED_A: "a",
    ParamState.CHANGED_B: "b",
    ParamState.SAME_CHANGE: "a",
    ParamState.ADDED_A: "a",
    ParamState.ADDED_B: "b",
    ParamState.REMOVED_A: None,
    ParamState.REMOVED_B: None,
    ParamState.REMOVED_BOTH: None,
}

#: one parameter as the planner sees it: (content id, dtype, shape).
Entry = tuple[str, str, tuple[int, ...]]


def _sig(e: Entry | None) -> Signature | None:
    return None if e is None else (e[1], tuple(e[2]))


def classify(ancestor: Entry | None, a: Entry | None, b: Entry | None) -> ParamState:
    """The state of one parameter from its entries in the ancestor, A and B (None: absent)."""
    if a is None and b is None:
        if ancestor is None:
            raise ValueError("a parameter must be present somewhere")
        return ParamState.REMOVED_BOTH
    if ancestor is None:
        if a is None:
            return ParamState.ADDED_B
        if b is None:
            return ParamState.ADDED_A
        if a[0] == b[0]:
            return ParamState.SAME_CHANGE
        return ParamState.BOTH_ADDED if _sig(a) == _sig(b) else ParamState.SHAPE_CONFLICT
    if a is None:
        return ParamState.REMOVED_A if b is not None and b[0] == ancestor[0] else ParamState.REMOVED_A_CHANGED_B
    if b is None:
        return ParamState.REMOVED_B if a[0] == ancestor[0] else ParamState.CHANGED_A_REMOVED_B
    changed_a, changed_b = a[0] != ancestor[0], b[0] != ancestor[0]
    if not changed_a and not changed_b:
        return ParamState.UNCHANGED
    if not changed_b:
        return ParamState.CHANGED_A
    if not changed_a:
        return ParamState.CHANGED_B
    if a[0] == b[0]:
        return ParamState.SAME_CHANGE
    return ParamState.BOTH_CHANGED if _sig(a) == _sig(b) else ParamState.SHAPE_CONFLICT


@dataclass
class PlanEntry:
    name: str
    state: ParamState
    a: Signature | None
    b: Signature | None
    ancestor: Signature | None


@dataclass
class MergePlan:
    """How A and B merge: each parameter's state, and what each strategy would do."""

    a: str
    b: str
    a_name: str
    b_name: str
    ancestor: str | None
    ancestor_name: str | None
    entries: list[PlanEntry] = field(default_factory=list)

    @property
    def conflicts(self) -> list[PlanEntry]:
        return [e for e in self.entries if not e.state.auto]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.state.value] = out.get(e.state.value, 0) + 1
        return out

    def preview(self, name: str) -> schema.StrategyPreview:
        """Whether strategy ``name`` resolves every conflict of this plan, and which not."""
        strategy = get_strategy(name)
        if strategy.needs_ancestor and self.ancestor is None:
            return {
                "name": name,
                "applicable": False,
                "reason": "needs a common ancestor; A and B have none",
                "unresolved": [e.name for e in self.conflicts],
            }
        unresolved = [e.name for e in self.conflicts if strategy.refuse(e.a, e.b, e.ancestor) is not None]
        n = len(self.conflicts) - len(unresolved)
        reason = f"resolves {n} of {len(self.conflicts)} conflicts: {strategy.description}"
        return {
            "name": name,
            "applicable": not unresolved,
            "reason": reason,
            "unresolved": unresolved,
        }

    def __repr__(self) -> str:
        plan = self.to_json()
        return f"<MergePlan {self.a_name} + {self.b_name}: {plan['auto']} automatic, {plan['conflicts']} conflicts>"

    def _repr_html_(self) -> str:
        return render_html.merge_plan(self.to_json())

    def to_json(self) -> schema.MergePlan:
        return {
            "a": self.a,
            "b": self.b,
            "a_name": self.a_name,
            "b_name": self.b_name,
            "ancestor": self.ancestor,
            "ancestor_name": self.ancestor_name,
            "counts": self.counts(),
            "auto": len(self.entries) - len(self.conflicts),
            "conflicts": len(self.conflicts),
            "parameters": [
                {
                    "name": e.name,
                    "state": e.state.value,
                    "auto": e.state.auto,
                    "shape_a": list(e.a[1]) if e.a else None,
                    "shape_b": list(e.b[1]) if e.b else None,
                    "shape_ancestor": list(e.ancestor[1]) if e.ancestor else None,
                }
                for e in self.entries
            ],
            "strategies": [self.preview(n) for n in available_strategies()],
        }


def check_related(ancestor: Mapping[str, Entry] | None, a: Mapping[str, Entry], b: Mapping[str, Entry]) -> None:
    """Without an ancestor, A and B must have the same parameter names, dtypes and shapes.

    Raises
    ------
    InvalidInput
        Naming how the two architectures differ.
    """
    if ancestor is not None:
        return
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    other = [k for k in a if k in b and _sig(a[k]) != _sig(b[k])]
    if only_a or only_b or other:
        parts = []
        for label, names in (
            ("only in A", only_a),
            ("only in B", only_b),
            ("of other dtype or shape", other),
        ):
            if names:
                parts.append(f"{len(names)} parameters {label} (e.g. {names[0]})")
        raise InvalidInput(
            f"A and B share no ancestor and have different architectures: {'; '.join(parts)}",
            hint="without a common ancestor only structurally identical models can be merged",
        )


def build_plan(
    ancestor: Mapping[str, Entry] | None,
    a: Mapping[str, Entry],
    b: Mapping[str, Entry],
    *,
    names: tuple[str, str, str, str, str | None, str | None] | None = None,
) -> MergePlan:
    """Classify every parameter of the union of the three manifests (pure).

    ``names`` is ``(a id, b id, a name, b name, ancestor id, ancestor name)``.
    """
    check_related(ancestor, a, b)
    o = ancestor or {}
    if names is None:
        anc = "ancestor" if ancestor is not None else None
        names = ("A", "B", "A", "B", anc, anc)
    plan = MergePlan(*names)
    seen: set[str] = set()
    for key in [*a, *b, *o]:
        if key in seen:
            continue
        seen.add(key)
        ea, eb, eo = (
            a.get(key),
            b.get(key),
            (o.get(key) if ancestor is not None else None),
        )
        plan.entries.append(PlanEntry(key, classify(eo, ea, eb), _sig(ea), _sig(eb), _sig(eo)))
    return plan


def common_ancestor(graph: LineageGraph, a: str, b: str) -> str | None:
    """The lowest common ancestor of ``a`` and ``b`` (the newest one if several), or None."""
    a_id, b_id = graph.resolve(a), graph.resolve(b)
    common = (graph.ancestors(a_id) | {a_id}) & (graph.ancestors(b_id) | {b_id})
    if not common:
        return None
    lowest = [c for c in common if not (graph.g.descendants(c) & common)]
    return max(lowest, key=lambda v: (graph.get(v).created, v))


def manifest_entries(version: ModelVersion) -> dict[str, Entry]:
    return {k: (t.oid, t.dtype, tuple(t.shape)) for k, t in version.manifest.items()}


def plan_merge(repo: Repository, a: str, b: str, *, ancestor: str | None = None) -> MergePlan:
    """Plan the merge of versions ``a`` and ``b`` against their common ancestor.

    ``ancestor`` overrides the lowest common ancestor found in the graph (cascades use it).

    Raises
    ------
    InvalidInput
        When ``a`` and ``b`` are the same version, or share no ancestor and differ in architecture.
    """
    graph = repo.graph
    va, vb = graph.get(a), graph.get(b)
    if va.id == vb.id:
        raise InvalidInput(f"cannot merge {va.name!r} with itself", hint="pass two different versions")
    o_id = graph.resolve(ancestor) if ancestor is not None else common_ancestor(graph, va.id, vb.id)
    vo = graph.get(o_id) if o_id is not None else None
    return build_plan(
        manifest_entries(vo) if vo else None,
        manifest_entries(va),
        manifest_entries(vb),
        names=(
            va.id,
            vb.id,
            va.name,
            vb.name,
            vo.id if vo else None,
            vo.name if vo else None,
        ),
    )
