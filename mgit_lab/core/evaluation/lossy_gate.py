"""The lossy codec gate: keep a lossy encoding only if every test metric holds up.

A version is first stored losslessly (always safe), then its floating-point tensors are
encoded again with the error-bounded lossy codec.  The registered tests run on the weights
*decoded from those stored bytes* and on the lossless weights; the lossy encoding replaces
the lossless one only if every metric stays within its tolerance **in its own direction**:
an accuracy (higher is better) may drop by at most the tolerance, a loss (lower is better)
may rise by at most the tolerance.  MGit assumes higher is better for every metric, so a
rising loss passes its gate; this one fails it.

The whole gate runs under the repository's writer lock, so gc cannot remove the trial
objects before they are referenced, and a crash leaves the lossless version intact.
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import InvalidInput
from ..io.module_states import model_architecture, model_state, module_from_state, state_oids
from ..io.state import ArrayState
from ..lineage import ModelVersion, Relation, TensorRef
from ..progress import Progress
from ..repository import Repository
from ..schema import GateMetric, LossyGateReport, ModelTestResult, ModelTestSpec
from .run import evaluate, evaluate_state, specs_for, weights_digest

LOSSY_DTYPES = ("float64", "float32", "float16", "bfloat16")


def gate_verdict(
    specs: list[ModelTestSpec],
    lossless: list[ModelTestResult],
    lossy: list[ModelTestResult],
    *,
    rel_tolerance: float = 0.01,
    abs_tolerance: float = 0.0,
) -> list[GateMetric]:
    """Compare lossy to lossless metrics, each in its declared direction.

    A metric's own ``tolerance`` (absolute) wins; otherwise the allowed worsening is
    ``max(abs_tolerance, rel_tolerance * |lossless|)``.  A non-finite value fails.
    """
    by_name = {s["name"]: s for s in specs}
    lossy_by = {r["test"]: r for r in lossy}
    out: list[GateMetric] = []
    for ref in lossless:
        spec = by_name[ref["test"]]
        for metric, mspec in spec["metrics"].items():
            base, trial = (
                ref["metrics"][metric],
                lossy_by[ref["test"]]["metrics"][metric],
            )
            if mspec["tolerance"] is not None:
                allowed = mspec["tolerance"]
            else:
                allowed = max(abs_tolerance, rel_tolerance * abs(base)) if base is not None else 0.0
            if base is None or trial is None:
                ok = False
            elif mspec["direction"] == "higher":
                ok = trial >= base - allowed
            else:
                ok = trial <= base + allowed
            out.append(
                {
                    "test": ref["test"],
                    "metric": metric,
                    "direction": mspec["direction"],
                    "lossless": base,
                    "lossy": trial,
                    "allowed": allowed,
                    "passed": ok,
                }
            )
    return out


def _stored_nbytes(repo: Repository, oids: set[str]) -> int:
    return sum(repo.store.info(o).stored_nbytes for o in oids)


def add_lossy_gated(
    repo: Repository,
    model_or_state: torch.nn.Module | ArrayState,
    name: str,
    *,
    lossy_bound: float,
    parents: list[tuple[str, Relation | str]] | None = None,
    model_type: str | None = None,
    architecture: dict[str, Any] | None = None,
    message: str = "",
    author: str | None = None,
    metadata: dict[str, Any] | None = None,
    recipe: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    rel_tolerance: float = 0.01,
    abs_tolerance: float = 0.0,
    progress: Progress | None = None,
) -> tuple[ModelVersion, LossyGateReport]:
    """Add a version, storing it lossy only if its tests pass the gate.

    Returns the version (as stored) and the gate's report; the report is also kept in
    ``version.metadata["lossy_gate"]`` and the test results in ``version.tests``.

    Raises
    ------
    InvalidInput
        For a non-positive bound or tolerance, or a test that raises (nothing is added then).
    """
    if not lossy_bound > 0:
        raise InvalidInput(f"the lossy error bound must be positive, got {lossy_bound}")
    if rel_tolerance < 0 or abs_tolerance < 0:
        raise InvalidInput("gate tolerances must be >= 0")
    if isinstance(model_or_state, torch.nn.Module):
        architecture = model_architecture(model_or_state, architecture)
        state = model_state(model_or_state)
    else:
        state = model_or_state
    probe = ModelVersion(id="", name=name, model_type=model_type)
    oids = state_oids(state)  # hashed once: names the tested weights, saves add_arrays a pass
    specs = specs_for(repo, probe)
    report: LossyGateReport = {
        "version": name,
        "lossy_bound": lossy_bound,
        "kept": "lossless",
        "reason": "",
        "metrics": [],
        "lossless_nbytes": 0,
        "lossy_nbytes": 0,
    }
    with repo.lock.hold():
        # run before anything is written: a raising test adds nothing
        lossless_results = evaluate_state(specs, architecture, state, oids, name=name, progress=progress)
        version = repo.add_arrays(
            state,
            name,
            parents=parents,
            model_type=model_type,
            architecture=architecture,
            message=message,
            author=author,
            metadata=metadata,
            metrics=metrics,
            recipe=recipe,
            oids=oids,
        )
        lossless_oids = {k: t.oid for k, t in version.manifest.items()}
        report["lossless_nbytes"] = _stored_nbytes(repo, set(lossless_oids.values()))
        if not specs:
            report["reason"] = "no tests are registered for this model type, so the lossy encoding cannot be checked"
            return _finish(repo, version, report, lossless_results, None)
        base = version.manifest
        first_parent = repo.graph.parents(version.id)
        parent_manifest = first_parent[0][0].manifest if first_parent else {}
        with repo.transaction() as txn:
            lossy_oids = {}
            for key, (array, dtype) in state.items():
                if dtype not in LOSSY_DTYPES:
                    lossy_oids[key] = lossless_oids[key]
                    continue
                pref = parent_manifest.get(key)
                lossy_oids[key] = txn.put(
                    array,
                    dtype,
                    base=pref.oid if pref else None,
                    lossy_bound=lossy_bound,
                )
        report["lossy_nbytes"] = _stored_nbytes(repo, set(lossy_oids.values()))
        if lossy_oids == lossless_oids:
            report["reason"] = "the lossy codec reproduced every tensor exactly (no lossy codec applied)"
            return _finish(repo, version, report, lossless_results, None)
        decoded = {k: (repo.store.get(oid), state[k][1]) for k, oid in lossy_oids.items()}
        lossy_model = module_from_state(architecture, decoded, label=f"version {name!r} (lossy)")
        lossy_results = evaluate(
            specs,
            lossy_model,
            version_id=version.id,
            version_name=name,
            weights=weights_digest(lossy_oids),
        )
        report["metrics"] = gate_verdict(
            specs,
            lossless_results,
            lossy_results,
            rel_tolerance=rel_tolerance,
            abs_tolerance=abs_tolerance,
        )
        failed = [f"{m['test']}.{m['metric']}" for m in report["metrics"] if not m["passed"]]
        if failed:
            report["reason"] = f"lossy weights worsen {', '.join(failed)} beyond the tolerance"
            return _finish(repo, version, report, lossless_results, None)
        report["kept"] = "lossy"
        report["reason"] = "every metric stayed within its tolerance"
        manifest = {k: TensorRef(lossy_oids[k], base[k].dtype, base[k].shape) for k in base}
        return _finish(repo, version, report, lossy_results, manifest)


def _finish(
    repo: Repository,
    version: ModelVersion,
    report: LossyGateReport,
    results: list[ModelTestResult],
    manifest: dict[str, TensorRef] | None,
) -> tuple[ModelVersion, LossyGateReport]:
    with repo.transaction() as txn:
        stored = txn.graph.get(version.id)
        stored.metadata["lossy_gate"] = dict(report)
        if manifest is not None:
            stored.manifest = manifest
            stored.metadata["lossy_bound"] = report["lossy_bound"]
        for r in results:
            r["version"] = version.id
        stored.tests = {**stored.tests, **{r["test"]: dict(r) for r in results}}
    return repo.version(version.id), report
