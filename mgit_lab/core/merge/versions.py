"""Merging two stored versions into a new one (``mgit merge``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import render_html, schema
from ..errors import Conflict, InvalidInput
from ..evaluation import evaluate, specs_for, store_results, weights_digest
from ..io.module_states import module_from_state, state_oids
from ..io.state import ArrayState
from ..lineage import ModelVersion
from ..progress import Progress
from ..repository import Repository
from ..schema import ModelTestResult
from .combine import SIDES, choose, merge_with_plan
from .planner import MergePlan, plan_merge
from .registry import get_strategy, parse_arguments


@dataclass
class MergeResult:
    """What :func:`merge_versions` did (or, on a dry run, would do)."""

    plan: MergePlan
    strategy: str
    args: dict[str, Any]
    overrides: dict[str, str]
    dry_run: bool
    version: ModelVersion | None = None
    tests: list[ModelTestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        done = f"recorded {self.version.name}" if self.version else "dry run"
        pair = f"{self.plan.a_name} + {self.plan.b_name}"
        return f"<MergeResult {pair} ({self.strategy}): {done}, {len(self.tests)} test results>"

    def _repr_html_(self) -> str:
        return render_html.merge_result(self.to_json())

    def to_json(self) -> schema.MergeResult:
        return {
            "plan": self.plan.to_json(),
            "strategy": self.strategy,
            "args": dict(self.args),
            "overrides": dict(self.overrides),
            "dry_run": self.dry_run,
            "version": self.version.name if self.version else None,
            "version_id": self.version.id if self.version else None,
            "tests": list(self.tests),
            "problems": list(self.problems),
        }


def merged_architecture(plan: MergePlan, a: ModelVersion, b: ModelVersion, merged: Mapping[str, Any]) -> dict | None:
    """A's architecture, or B's when A and B differ and the merged parameters fit B's.

    Raises
    ------
    InvalidInput
        When A and B record different architectures and the result fits neither.
    """
    if a.architecture == b.architecture:
        return a.architecture

    def sig(v: ModelVersion) -> dict[str, tuple[str, tuple[int, ...]]]:
        return {k: (t.dtype, tuple(t.shape)) for k, t in v.manifest.items()}

    for v in (a, b):
        if sig(v) == merged:
            return v.architecture
    raise InvalidInput(
        f"{a.name!r} and {b.name!r} record different architectures and the merged parameters fit neither",
        hint="take the differing parameters from one side, e.g. --take A:'classifier.*'",
    )


def merge_versions(
    repo: Repository,
    a: str,
    b: str,
    *,
    strategy: str = "average",
    args: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    ancestor: str | None = None,
    message: str = "",
    extra_parents: list[tuple[str, str]] | None = None,
    metadata: Mapping[str, Any] | None = None,
    test_versions: tuple[str, ...] = (),
) -> MergeResult:
    """Merge versions ``a`` and ``b`` with ``strategy`` into a new version ``name``.

    The new version has ``merge`` edges to both parents, the plan summary and strategy in
    ``metadata["merge"]``, a merge recipe (so cascades can rebuild it), and the results of
    its registered tests (by type, graph, and on ``test_versions``), which run before
    anything is written.  ``dry_run`` only plans.

    Raises
    ------
    InvalidInput
        For unrelated architectures, an unknown strategy or argument, an argument out of
        range, unresolvable conflicts, or a test that raises (nothing is written then).
    Conflict
        When a version called ``name`` exists.
    """
    overrides = {p: SIDES.get(t.lower(), t) for p, t in (overrides or {}).items()}
    plan = plan_merge(repo, a, b, ancestor=ancestor)
    _, problems = choose(plan, strategy, args, overrides)
    full_args = parse_arguments(get_strategy(strategy), args)
    result = MergeResult(plan, strategy, full_args, overrides, dry_run, problems=problems)
    va, vb = repo.version(plan.a), repo.version(plan.b)
    new_name = name or f"{va.name}+{vb.name}"
    if new_name in repo.graph:
        raise Conflict(f"a version named {new_name!r} already exists", hint="choose another --name")
    if dry_run:
        return result
    state_a, state_b = repo.checkout_arrays(plan.a), repo.checkout_arrays(plan.b)
    state_o: ArrayState | None = repo.checkout_arrays(plan.ancestor) if plan.ancestor else None
    merged = merge_with_plan(
        plan,
        state_o,
        state_a,
        state_b,
        strategy,
        full_args,
        overrides,
        progress,
    )
    architecture = merged_architecture(plan, va, vb, {k: (d, tuple(x.shape)) for k, (x, d) in merged.items()})
    model_type = va.model_type or vb.model_type
    oids = state_oids(merged)  # hashed once: names the tested weights, saves add_arrays a pass
    specs = specs_for(
        repo,
        ModelVersion(id="", name=new_name, model_type=model_type),
        also_versions=test_versions,
    )
    results: list[ModelTestResult] = []
    if specs:
        model = module_from_state(architecture, merged, label=f"the merge {new_name!r}")
        results = evaluate(
            specs,
            model,
            version_id="",
            version_name=new_name,
            weights=weights_digest(oids),
            progress=progress,
        )
    recipe = {
        "kind": "merge",
        "parents": [plan.a, plan.b],
        "ancestor": plan.ancestor,
        "strategy": strategy,
        "args": full_args,
        "overrides": overrides,
    }
    info = {
        "strategy": strategy,
        "args": full_args,
        "overrides": overrides,
        "ancestor": plan.ancestor,
        "ancestor_name": plan.ancestor_name,
        "counts": plan.counts(),
        "conflicts": len(plan.conflicts),
    }
    version = repo.add_arrays(
        merged,
        new_name,
        parents=[(plan.a, "merge"), (plan.b, "merge"), *(extra_parents or [])],
        model_type=model_type,
        architecture=architecture,
        message=message or f"merge {va.name} and {vb.name} ({strategy})",
        metadata={**(metadata or {}), "merge": info},
        recipe=recipe,
        oids=oids,
    )
    for r in results:
        r["version"] = version.id
    store_results(repo, version.id, results)
    result.version = repo.version(version.id)
    result.tests = results
    return result
