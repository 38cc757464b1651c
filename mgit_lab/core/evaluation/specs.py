"""Registered tests: metric specs, scopes, and their file ``.mgit/tests.json``.

A test is a function ``fn(model) -> {metric: number}`` (or ``fn(model, data)`` when a
dataset function is given), stored as an importable reference.  Every metric declares
its direction: ``"higher"`` or ``"lower"`` is better, never assumed; and optionally a
success condition (``">= 0.9"``; a bare number means "at least" for higher-is-better and
"at most" for lower-is-better metrics) and a lossy-gate tolerance.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import Conflict, Corrupt, InvalidInput, NotFound
from ..lineage import ModelVersion
from ..references import reference_of, resolve_reference
from ..repository import Repository
from ..schema import MetricSpec, ModelTestSpec
from ..store import atomic_write_json
from ..trust import trust

TESTS_FILE = "tests.json"
_CONDITION = re.compile(r"^\s*(>=|<=|==|>|<)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")
_NAME = re.compile(r"^[A-Za-z0-9_][\w.\-]*$")


# ---------------------------------------------------------------- metric specs
def parse_condition(condition: str | float, direction: str) -> str:
    """Normalise a success condition to ``"<op> <number>"``.

    Raises
    ------
    InvalidInput
        When it cannot be parsed or points the wrong way for ``direction``.
    """
    if isinstance(condition, bool):
        raise InvalidInput(
            f"invalid success condition {condition!r}",
            hint="write e.g. '>= 0.9' or '<= 0.5'",
        )
    if isinstance(condition, str):
        try:
            condition = float(condition)
        except ValueError:
            pass
    if isinstance(condition, (int, float)):
        condition = f"{'>=' if direction == 'higher' else '<='} {condition!r}"
    m = _CONDITION.match(str(condition))
    if not m:
        raise InvalidInput(
            f"invalid success condition {condition!r}",
            hint="write e.g. '>= 0.9' or '<= 0.5'",
        )
    op, number = m.group(1), float(m.group(2))
    if (direction == "higher" and op.startswith("<")) or (direction == "lower" and op.startswith(">")):
        raise InvalidInput(
            f"condition {condition!r} asks for a {'low' if op.startswith('<') else 'high'} value but the metric "
            f"is declared {direction!r} is better",
            hint="flip the condition or the metric's direction",
        )
    return f"{op} {number!r}"


def check_condition(value: float | None, condition: str | None) -> bool | None:
    """Whether ``value`` meets ``condition`` (None when there is no condition)."""
    if condition is None:
        return None
    if value is None or not math.isfinite(value):
        return False
    op, number = condition.split(" ", 1)
    limit = float(number)
    return {
        ">=": value >= limit,
        "<=": value <= limit,
        ">": value > limit,
        "<": value < limit,
        "==": value == limit,
    }[op]


def _metric_spec(name: str, raw: Any) -> MetricSpec:
    if isinstance(raw, str):
        raw = {"direction": raw}
    elif isinstance(raw, (tuple, list)):
        raw = dict(zip(("direction", "condition", "tolerance"), raw, strict=False))
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"metric {name!r}: expected 'higher', 'lower' or a dict, got {raw!r}")
    unknown = set(raw) - {"direction", "condition", "tolerance"}
    if unknown:
        raise InvalidInput(
            f"metric {name!r}: unknown keys {sorted(unknown)}",
            hint="use direction, condition, tolerance",
        )
    direction = raw.get("direction")
    if direction not in ("higher", "lower"):
        raise InvalidInput(
            f"metric {name!r} must declare its direction: 'higher' or 'lower' is better, got {direction!r}",
            hint="mgit never assumes a direction: a loss is 'lower', an accuracy 'higher'",
        )
    condition = raw.get("condition")
    tolerance = raw.get("tolerance")
    if tolerance is not None:
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
            raise InvalidInput(f"metric {name!r}: tolerance must be a number >= 0, got {tolerance!r}")
        tolerance = float(tolerance)
    return {
        "direction": direction,
        "condition": parse_condition(condition, direction) if condition is not None else None,
        "tolerance": tolerance,
    }


def parse_metrics(
    metrics: Mapping[str, Any] | list[str] | None,
) -> dict[str, MetricSpec]:
    """Metric specs from ``{name: "higher" | (direction, condition) | {...}}`` or ``["name:dir[:cond]"]``.

    Raises
    ------
    InvalidInput
        When no metric is declared or one lacks a valid direction or condition.
    """
    if isinstance(metrics, list):
        table: dict[str, Any] = {}
        for item in metrics:
            parts = str(item).split(":", 2)
            if len(parts) < 2:
                raise InvalidInput(
                    f"invalid metric {item!r}",
                    hint="write NAME:higher or NAME:lower[:CONDITION]",
                )
            table[parts[0]] = tuple(parts[1:])
        metrics = table
    if not metrics:
        raise InvalidInput(
            "a test must declare the metrics it returns and their direction",
            hint="e.g. metrics={'accuracy': ('higher', '>= 0.9'), 'loss': 'lower'}",
        )
    return {str(k): _metric_spec(str(k), v) for k, v in metrics.items()}


# ---------------------------------------------------------------- the registry file
def _path(repo: Repository):
    return repo.mgit_dir / TESTS_FILE


def read_specs(repo: Repository) -> list[ModelTestSpec]:
    """Every registered test, in registration order."""
    path = _path(repo)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except ValueError as exc:
        raise Corrupt(
            f"{path} is not valid JSON: {exc}",
            hint="restore it or delete it and register the tests again",
        ) from None
    return list(doc.get("tests", []))


def _write_specs(repo: Repository, specs: list[ModelTestSpec]) -> None:
    atomic_write_json(_path(repo), {"format_version": 1, "tests": specs})


def register_test(
    repo: Repository,
    ref_or_fn: Callable[..., Any] | str,
    *,
    model_type: str | None = None,
    version: str | None = None,
    graph: bool = False,
    name: str | None = None,
    metrics: Mapping[str, Any] | list[str] | None = None,
    dataset: Callable[..., Any] | str | None = None,
    preprocess: Callable[..., Any] | str | None = None,
    description: str = "",
    replace: bool = False,
) -> ModelTestSpec:
    """Register a test on a model type, one version, or the whole graph.

    Returns the stored spec.  The function (and dataset / preprocess functions) must be
    importable as ``package.module:function``; they are imported once here to check.

    Raises
    ------
    InvalidInput
        For a missing or double scope, an unimportable reference, or bad metrics.
    Conflict
        When a test of that name exists and ``replace`` is false.
    """
    scopes = [
        s
        for s, on in (
            ("type", model_type is not None),
            ("version", version is not None),
            ("graph", graph),
        )
        if on
    ]
    if len(scopes) != 1:
        raise InvalidInput(
            "a test applies to exactly one of: a model type, one version, or the whole graph",
            hint="pass one of model_type=..., version=..., graph=True (CLI: --type, --version, --graph)",
        )
    ref = reference_of(ref_or_fn)
    fn = resolve_reference(ref, what="test function", trusted=[ref])  # the user names it here
    refs: dict[str, str | None] = {}
    for label, extra in (("dataset", dataset), ("preprocess", preprocess)):
        refs[label] = reference_of(extra) if extra is not None else None
        if extra is not None:
            resolve_reference(reference_of(extra), what=f"{label} function", trusted=[reference_of(extra)])
    trust([r for r in (ref, refs["dataset"], refs["preprocess"]) if r])
    test_name = name or ref.rsplit(":", 1)[1].rsplit(".", 1)[-1]
    if not _NAME.match(test_name):
        raise InvalidInput(
            f"invalid test name {test_name!r}",
            hint="use letters, digits, '_', '-' and '.'",
        )
    spec: ModelTestSpec = {
        "name": test_name,
        "ref": ref,
        "scope": scopes[0],  # type: ignore[typeddict-item]
        "model_type": model_type,
        "version": repo.graph.resolve(version) if version is not None else None,
        "metrics": parse_metrics(metrics),
        "dataset": refs["dataset"],
        "preprocess": refs["preprocess"],
        "description": description or (fn.__doc__ or "").strip().split("\n")[0],
    }
    with repo.lock.hold():
        specs = read_specs(repo)
        if any(s["name"] == test_name for s in specs):
            if not replace:
                raise Conflict(
                    f"a test named {test_name!r} is already registered",
                    hint="pass another name or replace=True",
                )
            specs = [spec if s["name"] == test_name else s for s in specs]
        else:
            specs.append(spec)
        _write_specs(repo, specs)
    return spec


def unregister_test(repo: Repository, name: str) -> ModelTestSpec:
    """Remove the test ``name``; stored results stay on their versions."""
    with repo.lock.hold():
        specs = read_specs(repo)
        hit = [s for s in specs if s["name"] == name]
        if not hit:
            raise NotFound(f"no test named {name!r}", hint=_known(specs))
        _write_specs(repo, [s for s in specs if s["name"] != name])
    return hit[0]


def _known(specs: list[ModelTestSpec]) -> str:
    names = [s["name"] for s in specs]
    return (
        f"registered tests: {', '.join(names)}" if names else "no tests are registered: add one with `mgit tests add`"
    )


def applies_to(spec: ModelTestSpec, version: ModelVersion, *, also_versions: tuple[str, ...] = ()) -> bool:
    """Whether ``spec`` covers ``version`` (or, for version-scoped tests, one of ``also_versions``)."""
    if spec["scope"] == "graph":
        return True
    if spec["scope"] == "type":
        return spec["model_type"] == version.model_type
    return spec["version"] == version.id or spec["version"] in also_versions


def list_tests(repo: Repository, key: str | None = None) -> list[ModelTestSpec]:
    """Registered tests; with ``key``, only those that apply to that version."""
    specs = read_specs(repo)
    if key is None:
        return specs
    version = repo.version(key)
    return [s for s in specs if applies_to(s, version)]


def select_specs(
    specs: list[ModelTestSpec], names: list[str] | None, all_specs: list[ModelTestSpec]
) -> list[ModelTestSpec]:
    """``specs`` restricted to ``names`` (each must be a registered test)."""
    if names is None:
        return specs
    known = {s["name"] for s in all_specs}
    for n in names:
        if n not in known:
            raise NotFound(f"no test named {n!r}", hint=_known(all_specs))
    return [s for s in specs if s["name"] in names]
