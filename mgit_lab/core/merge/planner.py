"""The merge planner: classify every parameter of two or more versions against their ancestor.

The ancestor is the lowest common ancestor of *all* merged versions in the lineage graph
(the newest one when several are equally low), or the version named with ``--base``;
the plan says which (``ancestor_source``).  Planning reads only manifests (states in
``states.py``); single-sided and identical changes merge on their own, the conflicts are
for a strategy (or a per-parameter override) to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import render_html, schema
from ..errors import InvalidInput
from ..lineage import LineageGraph, ModelVersion
from ..repository import Repository
from .base import Signature
from .registry import available_strategies, get_strategy
from .states import AUTO_SOURCE, CONFLICTS, Entry, ParamState, classify, classify_models, mix_conflict

__all__ = [
    "AUTO_SOURCE",
    "CONFLICTS",
    "MergePlan",
    "ParamState",
    "PlanEntry",
    "build_plan",
    "build_plan_many",
    "classify",
    "common_ancestor",
    "plan_merge",
]


def _sig(e: Entry | None) -> Signature | None:
    return None if e is None else (e[1], tuple(e[2]))


def _shape(s: Signature | None) -> list[int] | None:
    return list(s[1]) if s else None


@dataclass
class PlanEntry:
    name: str
    state: ParamState
    models: list[Signature | None]
    ancestor: Signature | None
    source: int | None = None  # the model an automatic state takes its value from (None: dropped)

    @property
    def a(self) -> Signature | None:
        return self.models[0]

    @property
    def b(self) -> Signature | None:
        return self.models[1]


@dataclass
class MergePlan:
    """How the versions merge: each parameter's state, and what each strategy would do."""

    versions: list[str]
    names: list[str]
    ancestor: str | None
    ancestor_name: str | None
    ancestor_source: str = ""
    entries: list[PlanEntry] = field(default_factory=list)

    @property
    def a(self) -> str:
        return self.versions[0]

    @property
    def b(self) -> str:
        return self.versions[1]

    @property
    def a_name(self) -> str:
        return self.names[0]

    @property
    def b_name(self) -> str:
        return self.names[1]

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
        why = count_problem(strategy, len(self.versions))
        if why is None and strategy.needs_ancestor and self.ancestor is None:
            why = "needs a common ancestor; the versions have none"
        if why is not None:
            return {"name": name, "applicable": False, "reason": why, "unresolved": [e.name for e in self.conflicts]}
        unresolved = [e.name for e in self.conflicts if strategy.refuse(e.models, e.ancestor) is not None]
        n = len(self.conflicts) - len(unresolved)
        reason = f"resolves {n} of {len(self.conflicts)} conflicts: {strategy.description}"
        return {"name": name, "applicable": not unresolved, "reason": reason, "unresolved": unresolved}

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
            "versions": list(self.versions),
            "version_names": list(self.names),
            "ancestor": self.ancestor,
            "ancestor_name": self.ancestor_name,
            "ancestor_source": self.ancestor_source,
            "counts": self.counts(),
            "auto": len(self.entries) - len(self.conflicts),
            "conflicts": len(self.conflicts),
            "parameters": [
                {
                    "name": e.name,
                    "state": e.state.value,
                    "auto": e.state.auto,
                    "shape_a": _shape(e.models[0]),
                    "shape_b": _shape(e.models[1]),
                    "shape_ancestor": _shape(e.ancestor),
                    "shapes": [_shape(m) for m in e.models],
                    "dtypes": [m[0] if m else None for m in e.models],
                    "dtype_ancestor": e.ancestor[0] if e.ancestor else None,
                }
                for e in self.entries
            ],
            "strategies": [self.preview(n) for n in available_strategies()],
        }


def count_problem(strategy, n: int) -> str | None:
    """Why ``strategy`` cannot merge ``n`` versions, or None."""
    if n < strategy.min_models:
        return f"merges at least {strategy.min_models} versions"
    if strategy.max_models is not None and n > strategy.max_models:
        return f"merges at most {strategy.max_models} versions, not {n}"
    return None


def check_related(ancestor: Mapping[str, Entry] | None, models: Sequence[Mapping[str, Entry]]) -> None:
    """Without an ancestor, the versions must have the same parameter names and shapes.

    Raises
    ------
    InvalidInput
        Naming how the architectures differ, and the fix.
    """
    if ancestor is not None:
        return
    first = models[0]
    parts = []
    for i, other in enumerate(models[1:], start=1):
        label = "B" if len(models) == 2 else f"version {i + 1}"
        only_a = [k for k in first if k not in other]
        only_b = [k for k in other if k not in first]
        differ = [k for k in first if k in other and mix_conflict([first[k], other[k]]) is not None]
        for what, names in (("only in A", only_a), (f"only in {label}", only_b), ("of other dtype or shape", differ)):
            if names:
                parts.append(f"{len(names)} parameters {what} (e.g. {names[0]})")
    if parts:
        raise InvalidInput(
            f"{'A and B' if len(models) == 2 else 'the versions'} share no ancestor and have different "
            f"architectures: {'; '.join(parts)}",
            hint="without a common ancestor only structurally identical models can be merged; "
            "name one with --base if they have a common origin",
        )


def build_plan_many(
    ancestor: Mapping[str, Entry] | None,
    models: Sequence[Mapping[str, Entry]],
    *,
    ids: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    ancestor_id: str | None = None,
    ancestor_name: str | None = None,
    ancestor_source: str = "",
) -> MergePlan:
    """Classify every parameter of the union of the manifests (pure)."""
    if len(models) < 2:
        raise InvalidInput("a merge needs at least two versions", hint="mgit merge A B [C ...]")
    check_related(ancestor, models)
    labels = [chr(ord("A") + i) if i < 26 else f"M{i}" for i in range(len(models))]
    anc = "ancestor" if ancestor is not None else None
    plan = MergePlan(
        list(ids or labels),
        list(names or labels),
        ancestor_id if ancestor_id is not None else anc,
        ancestor_name if ancestor_name is not None else anc,
        ancestor_source,
    )
    o = ancestor or {}
    seen: set[str] = set()
    for manifest in [*models, o]:
        for key in manifest:
            if key in seen:
                continue
            seen.add(key)
            entries = [m.get(key) for m in models]
            eo = o.get(key) if ancestor is not None else None
            state, source = classify_models(eo, entries)
            plan.entries.append(PlanEntry(key, state, [_sig(x) for x in entries], _sig(eo), source))
    return plan


def build_plan(
    ancestor: Mapping[str, Entry] | None,
    a: Mapping[str, Entry],
    b: Mapping[str, Entry],
    *,
    names: tuple[str, str, str, str, str | None, str | None] | None = None,
) -> MergePlan:
    """The two-model plan; ``names`` is ``(a id, b id, a name, b name, ancestor id, ancestor name)``."""
    if names is None:
        return build_plan_many(ancestor, [a, b])
    return build_plan_many(
        ancestor, [a, b], ids=names[:2], names=names[2:4], ancestor_id=names[4], ancestor_name=names[5]
    )


def common_ancestor(graph: LineageGraph, *versions: str) -> str | None:
    """The lowest common ancestor of ``versions`` (the newest one if several), or None."""
    ids = [graph.resolve(v) for v in versions]
    common = set.intersection(*[graph.ancestors(i) | {i} for i in ids])
    if not common:
        return None
    lowest = [c for c in common if not (graph.g.descendants(c) & common)]
    return max(lowest, key=lambda v: (graph.get(v).created, v))


def manifest_entries(version: ModelVersion) -> dict[str, Entry]:
    return {k: (t.oid, t.dtype, tuple(t.shape)) for k, t in version.manifest.items()}


def plan_merge(repo: Repository, *versions: str, ancestor: str | None = None) -> MergePlan:
    """Plan the merge of ``versions`` (two or more) against their common ancestor.

    ``ancestor`` names the base instead of the lowest common ancestor found in the graph
    (``--base``; cascades use it too).

    Raises
    ------
    InvalidInput
        When fewer than two different versions are named, a version repeats, or they
        share no ancestor and differ in architecture.
    """
    graph = repo.graph
    found = [graph.get(v) for v in versions]
    if len(found) < 2:
        raise InvalidInput("a merge needs at least two versions", hint="mgit merge A B [C ...]")
    ids = [v.id for v in found]
    if len(set(ids)) < len(ids):
        dup = next(v.name for v in found if ids.count(v.id) > 1)
        raise InvalidInput(f"cannot merge {dup!r} with itself", hint="name each version once")
    if ancestor is not None:
        o_id: str | None = graph.resolve(ancestor)
        source = f"named with --base: {graph.get(o_id).name}" if o_id else ""
    else:
        o_id = common_ancestor(graph, *ids)
        names = ", ".join(v.name for v in found)
        source = f"lowest common ancestor of {names}" if o_id else f"none: {names} share no ancestor"
    vo = graph.get(o_id) if o_id is not None else None
    return build_plan_many(
        manifest_entries(vo) if vo else None,
        [manifest_entries(v) for v in found],
        ids=ids,
        names=[v.name for v in found],
        ancestor_id=vo.id if vo else None,
        ancestor_name=vo.name if vo else None,
        ancestor_source=source,
    )
