"""Merging two or more stored versions into a new one (``mgit merge A B [C ...]``).

The write order: plan (manifests only) and validate everything; run the registered tests
on the merged model when there are any (that needs the whole merged state in memory);
otherwise stream: each merged parameter is computed from its inputs read from the store,
stored, sampled into the sketch and released (``streaming.py``).  The version, with a
``merge`` edge to every parent and its recipe, is recorded last, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import render_html, schema
from ..errors import Conflict, InvalidInput
from ..evaluation import evaluate, specs_for, store_results, weights_digest
from ..io.module_states import module_from_state, state_oids
from ..lineage import ModelVersion
from ..progress import Progress
from ..repository import Repository
from ..schema import ModelTestResult
from .base import Param
from .combine import choose, expected_signatures, merged_tensors, raise_problems
from .planner import MergePlan, plan_merge
from .recipe_file import spec_to_recipe
from .registry import canonical_name
from .rules import SIDES, MergeSpec, choose_for
from .streaming import StreamedState


@dataclass
class MergeResult:
    """What :func:`merge_versions` did (or, on a dry run, would do)."""

    plan: MergePlan
    spec: MergeSpec
    args: dict[str, Any]
    dry_run: bool
    version: ModelVersion | None = None
    tests: list[ModelTestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    model_args: list[dict[str, Any]] = field(default_factory=list)

    @property
    def strategy(self) -> str:
        return self.spec.strategy

    def __repr__(self) -> str:
        done = f"recorded {self.version.name}" if self.version else "dry run"
        pair = f"{self.plan.a_name} + {self.plan.b_name}"
        return f"<MergeResult {pair} ({self.strategy}): {done}, {len(self.tests)} test results>"

    def _repr_html_(self) -> str:
        return render_html.merge_result(self.to_json())

    def to_json(self) -> schema.MergeResult:
        recipe = spec_to_recipe(self.spec, self.plan)
        return {
            "plan": self.plan.to_json(),
            "strategy": self.spec.strategy,
            "args": dict(self.args),
            "model_args": [dict(m) for m in self.model_args],
            "overrides": dict(self.spec.overrides),
            "rules": recipe["rules"],
            "dtype": self.spec.dtype,
            "seed": self.spec.seed,
            "dry_run": self.dry_run,
            "version": self.version.name if self.version else None,
            "version_id": self.version.id if self.version else None,
            "tests": list(self.tests),
            "problems": list(self.problems),
        }


def merged_architecture(versions: Sequence[ModelVersion], merged: Mapping[str, Any]) -> dict | None:
    """The first version's architecture, or the first one whose parameters the merge fits.

    Raises
    ------
    InvalidInput
        When the versions record different architectures and the result fits none.
    """
    if all(v.architecture == versions[0].architecture for v in versions):
        return versions[0].architecture
    for v in versions:
        if {k: (t.dtype, tuple(t.shape)) for k, t in v.manifest.items()} == merged:
            return v.architecture
    names = ", ".join(repr(v.name) for v in versions)
    raise InvalidInput(
        f"{names} record different architectures and the merged parameters fit none of them",
        hint="take the differing parameters from one side, e.g. --take A:'classifier.*'",
    )


def build_spec(
    strategy: str | None,
    args: Mapping[str, Any] | None,
    overrides: Mapping[str, str] | None,
    weights: Mapping[str, float] | None,
    spec: MergeSpec | None,
    dtype: str | None,
    seed: int | None,
) -> MergeSpec:
    """One :class:`MergeSpec` from a recipe (``spec``) and the options given beside it (which win).

    Raises
    ------
    InvalidInput
        For an unknown computation dtype or a seed that is not a non-negative 63-bit integer.
    """
    base = spec or MergeSpec()
    out = MergeSpec(
        strategy=canonical_name(strategy or base.strategy),
        args={**base.args, **dict(args or {})},
        models={k: dict(v) for k, v in base.models.items()},
        overrides={**base.overrides, **{p: SIDES.get(t.lower(), t) for p, t in (overrides or {}).items()}},
        rules=list(base.rules),
        dtype=dtype or base.dtype,
        seed=base.seed if seed is None else seed,
    )
    for version, w in (weights or {}).items():
        out.models.setdefault(version, {})["weight"] = w
    if out.dtype not in ("float32", "float64"):
        raise InvalidInput(f"unknown computation dtype {out.dtype!r}", hint="use --dtype float32 or --dtype float64")
    if isinstance(out.seed, bool) or not isinstance(out.seed, int) or not 0 <= out.seed < 2**63:
        raise InvalidInput(f"seed {out.seed!r} is not an integer in [0, 2**63)", hint="e.g. --seed 0")
    return out


def merge_versions(
    repo: Repository,
    *versions: str,
    strategy: str | None = None,
    args: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    spec: MergeSpec | None = None,
    dtype: str | None = None,
    seed: int | None = None,
    name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    ancestor: str | None = None,
    message: str = "",
    extra_parents: list[tuple[str, str]] | None = None,
    metadata: Mapping[str, Any] | None = None,
    test_versions: tuple[str, ...] = (),
) -> MergeResult:
    """Merge ``versions`` (two or more) with ``strategy`` into a new version ``name``.

    ``spec`` is a whole recipe (``--recipe``); ``strategy``, ``args``, ``overrides``,
    ``weights`` (version -> weight), ``dtype`` and ``seed`` given beside it win over it.
    The new version has a ``merge`` edge to every parent, the plan summary, strategy and
    seed in ``metadata["merge"]``, its recipe (so cascades can rebuild it), and the
    results of its registered tests (by type, graph, and on ``test_versions``), which run
    before anything is written.  ``dry_run`` only plans.

    Raises
    ------
    InvalidInput
        For unrelated architectures, an unknown strategy or argument, an argument out of
        range, a version named twice, unresolvable conflicts, or a test that raises
        (nothing is written then).
    Conflict
        When a version called ``name`` exists.
    """
    spec = build_spec(strategy, args, overrides, weights, spec, dtype, seed)
    plan = plan_merge(repo, *versions, ancestor=ancestor)
    choices, problems = choose(plan, spec)
    default, _ = choose_for(spec, plan.names, plan.versions)
    result = MergeResult(plan, spec, dict(default[1]), dry_run, problems=problems, model_args=default[2])
    found = [repo.version(v) for v in plan.versions]
    new_name = name or "+".join(v.name for v in found)
    if new_name in repo.graph:
        raise Conflict(f"a version named {new_name!r} already exists", hint="choose another --name")
    if dry_run:
        return result
    raise_problems(problems)
    manifests = [v.manifest for v in found]
    anc_manifest = repo.version(plan.ancestor).manifest if plan.ancestor else {}

    def read(index: int | None, key: str) -> Param | None:
        ref = anc_manifest.get(key) if index is None else manifests[index].get(key)
        return None if ref is None else (repo.store.get(ref.oid), ref.dtype)

    def stream():
        return merged_tensors(plan, spec, read, progress, choices)

    model_type = next((v.model_type for v in found if v.model_type), None)
    specs = specs_for(repo, ModelVersion(id="", name=new_name, model_type=model_type), also_versions=test_versions)
    expected = expected_signatures(plan, choices)
    state: Mapping[str, Param]
    results: list[ModelTestResult] = []
    oids = None
    sketch = None
    if specs or expected is None:  # the tests need the whole model; so does an unknown strategy's output
        merged = dict(stream())
        architecture = merged_architecture(found, {k: (d, tuple(x.shape)) for k, (x, d) in merged.items()})
        oids = state_oids(merged)  # hashed once: names the tested weights, saves add_arrays a pass
        if specs:
            model = module_from_state(architecture, merged, label=f"the merge {new_name!r}")
            results = evaluate(
                specs, model, version_id="", version_name=new_name, weights=weights_digest(oids), progress=progress
            )
        state = merged
    else:
        architecture = merged_architecture(found, expected)
        streamed = StreamedState(expected, stream)
        state, sketch = streamed, streamed.sketch
    info = {
        "strategy": spec.strategy,
        "args": dict(default[1]),
        "model_args": [dict(m) for m in default[2]],
        "overrides": dict(spec.overrides),
        "rules": len(spec.rules),
        "dtype": spec.dtype,
        "seed": spec.seed,
        "randomised": default[0].randomised,
        "versions": [v.id for v in found],
        "ancestor": plan.ancestor,
        "ancestor_name": plan.ancestor_name,
        "ancestor_source": plan.ancestor_source,
        "counts": plan.counts(),
        "conflicts": len(plan.conflicts),
    }
    version = repo.add_arrays(
        state,  # type: ignore[arg-type]  # a StreamedState is read once, through items()
        new_name,
        parents=[*((v.id, "merge") for v in found), *(extra_parents or [])],
        model_type=model_type,
        architecture=architecture,
        message=message or f"merge {', '.join(v.name for v in found)} ({spec.strategy})",
        metadata={**(metadata or {}), "merge": info},
        recipe=spec_to_recipe(spec, plan, default[1]),
        oids=oids,
        sketch=sketch,
    )
    for r in results:
        r["version"] = version.id
    store_results(repo, version.id, results)
    result.version = repo.version(version.id)
    result.tests = results
    return result
