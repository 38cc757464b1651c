"""JSON payloads of the core: the single source of every shape the faces emit.

The REST API, the widget traitlets and ``mgit ... --json`` emit exactly these shapes;
``src/tokens.ts`` mirrors them.  Each helper keeps its additions in one headed block.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# ======================================================================================
# Model tests, merge and update cascades (core/testing.py, core/merge/, core/cascade.py)
# ======================================================================================

Direction = Literal["higher", "lower"]
TestStatus = Literal["passed", "failed", "recorded"]


class MetricSpec(TypedDict):
    """How one metric of a test is judged."""

    direction: Direction  # which way is better
    condition: str | None  # success condition, e.g. ">= 0.9"; None: only recorded
    tolerance: float | None  # lossy gate: allowed loss in this metric's direction


class TestSpec(TypedDict):
    """A registered test (``.mgit/tests.json``)."""

    name: str
    ref: str  # "package.module:function", called as fn(model) or fn(model, data)
    scope: Literal["type", "version", "graph"]
    model_type: str | None  # scope "type"
    version: str | None  # scope "version": the version id
    metrics: dict[str, MetricSpec]
    dataset: str | None  # "package.module:function" returning the data, or None
    preprocess: str | None  # "package.module:function" applied to the data, or None
    description: str


class MetricCheck(TypedDict):
    value: float
    direction: Direction
    condition: str | None
    passed: bool | None  # None: no condition


class TestResult(TypedDict):
    """One run of one test on one version (stored in ``ModelVersion.tests[name]``)."""

    test: str
    ref: str
    version: str  # version id
    version_name: str
    status: TestStatus
    metrics: dict[str, float]
    checks: dict[str, MetricCheck]
    duration_s: float
    ran_at: str  # ISO 8601, UTC
    weights: str  # digest of the stored tensor ids the test ran on


class BisectStep(TypedDict):
    version: str
    version_name: str
    status: TestStatus
    cached: bool  # reused a stored result on the same weights


class BisectResult(TypedDict):
    test: str
    path: list[str]  # version names from GOOD to BAD
    first_bad: str  # name of the first failing version
    last_good: str
    steps: list[BisectStep]


class GateMetric(TypedDict):
    test: str
    metric: str
    direction: Direction
    lossless: float
    lossy: float
    allowed: float  # the most the metric may move in its worse direction
    passed: bool


class LossyGateReport(TypedDict):
    version: str
    lossy_bound: float
    kept: Literal["lossy", "lossless"]
    reason: str
    metrics: list[GateMetric]
    lossless_nbytes: int
    lossy_nbytes: int


class MergeArgumentInfo(TypedDict):
    name: str
    type: Literal["float", "int", "bool", "str"]
    default: Any
    min: float | None
    max: float | None
    description: str


class MergeStrategyInfo(TypedDict):
    """A strategy as ``describe_strategies()`` lists it (CLI, panel dialog, magics help)."""

    name: str
    description: str
    needs_ancestor: bool
    resolves: list[str]  # the conflict states it can resolve
    arguments: list[MergeArgumentInfo]


class MergeParameter(TypedDict):
    name: str
    state: str  # see core/merge/planner.py: ParamState
    auto: bool  # merged without a strategy
    shape_a: list[int] | None
    shape_b: list[int] | None
    shape_ancestor: list[int] | None


class StrategyPreview(TypedDict):
    name: str
    applicable: bool
    reason: str  # why not, or what it does to the conflicts
    unresolved: list[str]  # conflicting parameters it cannot resolve


class MergePlan(TypedDict):
    a: str
    b: str
    a_name: str
    b_name: str
    ancestor: str | None
    ancestor_name: str | None
    counts: dict[str, int]  # state -> number of parameters
    auto: int
    conflicts: int
    parameters: list[MergeParameter]
    strategies: list[StrategyPreview]


class MergeResult(TypedDict):
    plan: MergePlan
    strategy: str
    args: dict[str, Any]
    overrides: dict[str, str]
    dry_run: bool
    version: str | None  # the new version's name (None on a dry run)
    version_id: str | None
    tests: list[TestResult]
    problems: list[str]  # parameters the strategy cannot merge (a dry run lists them)


class CascadeEntry(TypedDict):
    old: str  # name of the descendant being rebuilt
    new: str | None  # name of its rebuilt version (None when not added)
    recipe: str  # "package.module:function" or "merge:<strategy>"
    parents: list[str]  # names of the parents it was (or would be) rebuilt on
    status: Literal[
        "updated", "updated-tests-failed", "planned", "failed", "skipped", "not-run"
    ]
    reason: str
    before: dict[str, dict[str, float]]  # test -> metrics of the old version
    after: dict[str, dict[str, float]]  # test -> metrics of the new version
    tests: list[TestResult]


class CascadeReport(TypedDict):
    old: str
    new: str
    dry_run: bool
    entries: list[CascadeEntry]
    updated: list[str]
    not_updated: list[str]
    complete: bool  # every selected descendant was rebuilt and passed its tests
