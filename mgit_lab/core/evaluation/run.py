"""Running registered tests on models and storing the results with their versions."""

from __future__ import annotations

import logging
import math
import time
import traceback
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import blake3
import torch

from ..errors import InvalidInput, MgitError
from ..io.module_states import load_version_model, module_from_state
from ..io.state import ArrayState
from ..lineage import ModelVersion
from ..progress import Progress
from ..references import resolve_reference
from ..repository import Repository
from ..schema import MetricCheck, ModelTestResult, ModelTestSpec
from .specs import applies_to, check_condition, read_specs, select_specs

log = logging.getLogger(__name__)

DataCache = dict[tuple[str | None, str | None], Any]


def weights_digest(oids: Mapping[str, str]) -> str:
    """A short digest naming exactly which stored tensors a test ran on."""
    h = blake3.blake3()
    for name in sorted(oids):
        h.update(f"{name}\0{oids[name]}\n".encode())
    return h.hexdigest()[:32]


def version_digest(version: ModelVersion) -> str:
    return weights_digest({k: t.oid for k, t in version.manifest.items()})


def _data(spec: ModelTestSpec, cache: DataCache) -> Any:
    key = (spec["dataset"], spec["preprocess"])
    if key not in cache:
        data = (
            _call(
                spec,
                "dataset",
                resolve_reference(spec["dataset"], what="dataset function"),
            )
            if spec["dataset"]
            else None
        )
        if spec["preprocess"]:
            pre = resolve_reference(spec["preprocess"], what="preprocess function")
            data = _call(spec, "preprocess", pre, data)
        cache[key] = data
    return cache[key]


def _call(spec: ModelTestSpec, what: str, fn: Any, *args: Any, version_name: str | None = None) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the user's code failed: one clear line, traceback at debug level
        log.debug("test %s raised:\n%s", spec["name"], traceback.format_exc())
        where = f" on version {version_name!r}" if version_name else ""
        ref = spec["ref"] if what == "test" else spec[what]  # type: ignore[literal-required]
        raise InvalidInput(
            f"{what} {'function of test ' if what != 'test' else ''}{spec['name']!r} ({ref}) raised "
            f"{type(exc).__name__}: {exc}{where}",
            hint="fix the function and run again; no results were recorded",
        ) from None


def _metrics(spec: ModelTestSpec, out: Any, version_name: str) -> dict[str, float | None]:
    where = f"test {spec['name']!r} ({spec['ref']}) on version {version_name!r}"
    if not isinstance(out, Mapping):
        raise InvalidInput(
            f"{where} returned {type(out).__name__}, not a dict of metrics",
            hint="return {'metric': value, ...}",
        )
    declared = spec["metrics"]
    extra = sorted(set(map(str, out)) - set(declared))
    if extra:
        raise InvalidInput(
            f"{where} returned undeclared metrics {extra}",
            hint="declare each metric's direction when registering the test (e.g. --metric NAME:lower)",
        )
    missing = sorted(set(declared) - set(map(str, out)))
    if missing:
        raise InvalidInput(f"{where} did not return the declared metrics {missing}")
    values: dict[str, float | None] = {}
    for name, value in out.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}: metric {name!r} is {value!r}, not a number") from None
        values[str(name)] = number if math.isfinite(number) else None
    return values


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def evaluate_state(
    specs: list[ModelTestSpec],
    architecture: dict[str, Any] | None,
    state: ArrayState,
    oids: Mapping[str, str],
    *,
    name: str,
    progress: Progress | None = None,
) -> list[ModelTestResult]:
    """Run ``specs`` on a model not stored yet (its tensors ``state``, their ids ``oids``):
    what a derived, cascaded or lossy version is judged on before anything is written."""
    if not specs:
        return []
    model = module_from_state(architecture, state, label=f"version {name!r}")
    return evaluate(specs, model, version_id="", version_name=name, weights=weights_digest(oids), progress=progress)


def evaluate(
    specs: list[ModelTestSpec],
    model: torch.nn.Module,
    *,
    version_id: str,
    version_name: str,
    weights: str,
    progress: Progress | None = None,
    cache: DataCache | None = None,
) -> list[ModelTestResult]:
    """Run ``specs`` on ``model`` in memory and judge each metric; nothing is stored.

    Tests run in eval mode under ``torch.no_grad()`` and must not modify the model.

    Raises
    ------
    InvalidInput
        When a test (or its dataset) raises or returns something other than its declared metrics.
    """
    cache = {} if cache is None else cache
    results: list[ModelTestResult] = []
    for i, spec in enumerate(specs):
        if progress:
            progress(i, len(specs), "tests")
        fn = resolve_reference(spec["ref"], what="test function")
        args = (model, _data(spec, cache)) if spec["dataset"] else (model,)
        start = time.perf_counter()
        with torch.no_grad():  # a test that needs gradients opens torch.enable_grad() itself
            out = _call(spec, "test", fn, *args, version_name=version_name)
        duration = time.perf_counter() - start
        metrics = _metrics(spec, out, version_name)
        checks: dict[str, MetricCheck] = {}
        for name, mspec in spec["metrics"].items():
            checks[name] = {
                "value": metrics[name],  # type: ignore[typeddict-item]
                "direction": mspec["direction"],
                "condition": mspec["condition"],
                "passed": check_condition(metrics[name], mspec["condition"]),
            }
        verdicts = [c["passed"] for c in checks.values() if c["passed"] is not None]
        status = "recorded" if not verdicts else ("passed" if all(verdicts) else "failed")
        results.append(
            {
                "test": spec["name"],
                "ref": spec["ref"],
                "version": version_id,
                "version_name": version_name,
                "status": status,  # type: ignore[typeddict-item]
                "metrics": metrics,  # type: ignore[typeddict-item]
                "checks": checks,
                "duration_s": round(duration, 6),
                "ran_at": _now(),
                "weights": weights,
            }
        )
    if progress:
        progress(len(specs), len(specs), "tests")
    return results


def specs_for(
    repo: Repository,
    version: ModelVersion,
    names: list[str] | None = None,
    *,
    also_versions: tuple[str, ...] = (),
) -> list[ModelTestSpec]:
    """The registered tests that cover ``version`` (restricted to ``names``).

    Raises
    ------
    InvalidInput
        When a named test is registered but does not cover the version.
    """
    all_specs = read_specs(repo)
    covering = [s for s in all_specs if applies_to(s, version, also_versions=also_versions)]
    chosen = select_specs(covering, names, all_specs)
    for n in names or []:
        if n not in {s["name"] for s in chosen}:
            raise InvalidInput(
                f"test {n!r} does not apply to version {version.name!r} (type {version.model_type!r})",
                hint="see `mgit tests list` for the scope each test is registered on",
            )
    return chosen


def store_results(repo: Repository, version_id: str, results: list[ModelTestResult]) -> None:
    """Record ``results`` on the version (latest result per test), atomically."""
    if not results:
        return
    with repo.transaction() as txn:
        version = txn.graph.get(version_id)
        version.tests = {**version.tests, **{r["test"]: dict(r) for r in results}}


def run_tests(
    repo: Repository,
    key: str,
    *,
    names: list[str] | None = None,
    progress: Progress | None = None,
) -> list[ModelTestResult]:
    """Run the tests registered for version ``key`` and store their results with it.

    Returns one :class:`ModelTestResult` per test (empty when none applies).  A test that
    raises records nothing for this run.

    Raises
    ------
    InvalidInput
        When a test raises, returns undeclared metrics, or the version cannot be loaded.
    """
    version = repo.version(key)
    specs = specs_for(repo, version, names)
    if not specs:
        return []
    try:
        model = load_version_model(repo, version.id)
    except MgitError as exc:
        raise InvalidInput(f"cannot run tests on {version.name!r}: {exc.message}", hint=exc.hint) from None
    results = evaluate(
        specs,
        model,
        version_id=version.id,
        version_name=version.name,
        weights=version_digest(version),
        progress=progress,
    )
    store_results(repo, version.id, results)
    return results


def summarize_results(tests: Mapping[str, Mapping[str, Any]]) -> str:
    """One short line for ``show``/``log``: e.g. ``tests: 2/3 passed (failed: loss_b)``."""
    if not tests:
        return ""
    judged = {n: r for n, r in tests.items() if r.get("status") in ("passed", "failed")}
    failed = sorted(n for n, r in judged.items() if r["status"] == "failed")
    line = f"tests: {len(judged) - len(failed)}/{len(judged)} passed"
    if failed:
        line += f" (failed: {', '.join(failed)})"
    recorded = len(tests) - len(judged)
    if recorded:
        line += f", {recorded} recorded"
    return line
