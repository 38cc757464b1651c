"""Every JSON payload mgit-lab emits: the REST API, the widget and ``mgit ... --json``.

One TypedDict per shape.  Functions that build them from a repository live in the core
(:mod:`mgit_lab.core.payloads`, or a ``to_json()`` method); faces only serialise them.
Each block below is owned by one feature; keep additions in their own headed block.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# =====================================================================================
# Lineage, versions, storage (owner: lineage / repository)
# =====================================================================================

#: ``"pass"`` (every stored test passed), ``"fail"`` (one failed or errored), or
#: ``"none"`` (no test results stored).
TestStatus = Literal["pass", "fail", "none"]

#: how a child came from its parent (the values of :class:`~.lineage.Relation`)
RelationName = Literal["finetune", "version", "prune", "quantize", "distill", "adapter", "merge"]


class ParentRef(TypedDict):
    """One incoming edge of a version."""

    id: str
    name: str
    relation: RelationName


class VersionSummary(TypedDict):
    """One node as the graph, ``log`` and ``add`` show it (no manifest: cheap)."""

    id: str
    name: str
    model_type: str | None
    parents: list[ParentRef]
    #: relation to the first parent, ``None`` for a root
    relation: RelationName | None
    created: str
    author: str
    message: str
    tags: list[str]
    num_parameters: int
    num_tensors: int
    #: bytes of objects this version was the first to store (see ``StorageStats``)
    stored_bytes: int
    #: bytes the version's tensors take uncompressed (its checkpoint size)
    raw_bytes: int
    test_status: TestStatus
    #: stored with a lossy codec (an error bound in metadata["lossy_bound"])
    lossy: bool


class TensorEntry(TypedDict):
    """One parameter of a version's manifest."""

    name: str
    dtype: str
    shape: list[int]
    oid: str
    #: bytes of this object in the packs (its encoded size)
    stored_bytes: int
    codecs: list[str]
    #: id of the object this one is a delta against, if any
    base: str | None
    #: ``"same"`` (bit-identical to the first parent's), ``"changed"``, ``"added"``, or
    #: ``None`` for a root
    vs_parent: Literal["same", "changed", "added"] | None


class ManifestSummary(TypedDict):
    num_tensors: int
    num_parameters: int
    #: dtype -> number of tensors
    dtypes: dict[str, int]
    #: tensors bit-identical to the first parent's / changed / new (all 0 for a root)
    same_as_parent: int
    changed_from_parent: int
    added: int
    #: tensors of the first parent this version does not have
    removed: int


class VersionFile(TypedDict):
    """One file a version was added from (``show``): checkout gives it back byte for byte."""

    path: str
    size: int
    #: safetensors, weights, index, tokenizer, config, card or file
    kind: str


class VersionDetail(VersionSummary):
    """One version in full (``show``)."""

    manifest: ManifestSummary
    tensors: list[TensorEntry]
    children: list[ParentRef]
    metadata: dict[str, Any]
    metrics: dict[str, Any]
    tests: dict[str, Any]
    architecture: dict[str, Any] | None
    recipe: dict[str, Any] | None
    #: the files it was added from (empty: added from an in-memory model)
    files: list[VersionFile]


class EdgePayload(TypedDict):
    parent: str
    child: str
    relation: RelationName


class GraphPayload(TypedDict):
    """The whole lineage (``log --json``, ``GET graph``); nodes parents-first."""

    revision: int
    nodes: list[VersionSummary]
    edges: list[EdgePayload]


class VersionStorage(TypedDict):
    id: str
    name: str
    stored_bytes: int
    raw_bytes: int
    #: stored_bytes / raw_bytes (0 when raw_bytes is 0)
    ratio: float


class StorageTotals(TypedDict):
    versions: int
    objects: int
    #: bytes of every live object in the packs (what the lineage costs)
    stored_bytes: int
    #: sum of every version's raw bytes (what separate checkpoints would cost)
    raw_bytes: int
    ratio: float
    packs: int
    #: size of the pack files on disk, garbage included (``gc`` reclaims the rest)
    pack_file_bytes: int
    #: files recorded by the versions (a file shared by versions counts once per version)
    files: int
    #: objects only files name (small files, safetensors headers) and their stored bytes,
    #: included in ``objects`` and ``stored_bytes`` (and in the version rows)
    blob_objects: int
    blob_bytes: int


class StorageStats(TypedDict):
    """``du``: each object is charged to the first version (parents first) that stored it,
    so the per-version figures add up to the total."""

    versions: list[VersionStorage]
    total: StorageTotals


class InferenceCandidate(TypedDict):
    id: str
    name: str
    #: estimated relative L2 distance ||child - candidate|| / ||child|| of the compared weights
    distance: float
    #: fraction of the child's non-zero sampled weights bit-equal to the candidate's
    #: (after casting to the child's dtype)
    equal_fraction: float
    #: fraction of the child's parameters (by count) bit-identical tensor-for-tensor
    identical_fraction: float
    #: fraction of the child's parameters with a same-name, same-shape tensor in the candidate
    coverage: float
    #: the ranking score (lower is closer): distance x (1 - equal_fraction) + coverage penalty
    score: float


class InferenceResult(TypedDict):
    """What automatic parent inference chose, and why."""

    #: name of the chosen parent, ``None`` when the model is left a root
    parent: str | None
    parent_id: str | None
    #: 0..1; how clearly the choice beats the runner-up and the root threshold
    confidence: float
    #: one sentence for a person
    reason: str
    #: relation the evidence suggests (``finetune``, ``prune``, ``quantize``, ``adapter``)
    relation: str | None
    #: best candidates first (at most 5)
    candidates: list[InferenceCandidate]
    #: versions compared (after the structural filter) and the time it took
    compared: int
    #: tensors compared exactly (decoded) to separate near-tied leaders
    refined_tensors: int
    elapsed_ms: float


class AddPayload(TypedDict):
    """``add``: the new version and, when the parent was inferred, the inference."""

    version: VersionSummary
    inference: InferenceResult | None
    #: bytes this add wrote to the packs
    new_bytes: int


class AddPlanPayload(TypedDict):
    """``add --dry-run``: what would be added, under which parents; nothing is written."""

    name: str
    num_tensors: int
    parents: list[ParentRef]
    inference: InferenceResult | None


class RemovePayload(TypedDict):
    removed: str
    id: str
    #: children re-attached to the removed version's parents (``--reroot``)
    rerooted: list[str]


class GcPayload(TypedDict):
    objects_kept: int
    objects_removed: int
    packs_before: int
    packs_after: int
    bytes_before: int
    bytes_after: int
    bytes_freed: int
    temp_files_removed: int
    index_files_removed: int


class VerifyProblem(TypedDict):
    oid: str
    what: str


class VerifyPayload(TypedDict):
    ok: bool
    objects_checked: int
    problems: list[VerifyProblem]
    #: versions that reference a damaged or missing object (directly or via a delta base)
    damaged_versions: list[str]
    packs_repaired: list[str]


class CheckoutPayload(TypedDict):
    version: str
    path: str
    format: str
    num_tensors: int
    bytes_written: int


class InitPayload(TypedDict):
    root: str
    mgit_dir: str


class TagPayload(TypedDict):
    #: tag -> version name, every tag of the repository
    tags: dict[str, str]


# ======================================================================================
# Model tests, merge and update cascades (owner: mtc; core/evaluation, core/merge, core/cascade)
# ======================================================================================

Direction = Literal["higher", "lower"]
#: one test run: every condition met, one not met, or no condition (metrics only)
TestRunStatus = Literal["passed", "failed", "recorded"]


class MetricSpec(TypedDict):
    """How one metric of a test is judged."""

    direction: Direction  # which way is better
    condition: str | None  # success condition, e.g. ">= 0.9"; None: only recorded
    tolerance: float | None  # lossy gate: allowed loss in this metric's direction


class ModelTestSpec(TypedDict):
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


class ModelTestResult(TypedDict):
    """One run of one test on one version (stored in ``ModelVersion.tests[name]``)."""

    test: str
    ref: str
    version: str  # version id
    version_name: str
    status: TestRunStatus
    metrics: dict[str, float]
    checks: dict[str, MetricCheck]
    duration_s: float
    ran_at: str  # ISO 8601, UTC
    weights: str  # digest of the stored tensor ids the test ran on


class BisectStep(TypedDict):
    version: str
    version_name: str
    status: TestRunStatus
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
    choices: list[str] | None  # the accepted values of a str argument (e.g. mode)
    per_model: bool  # given per merged version (--weight V=W, recipe models), or once for all


class MergeStrategyInfo(TypedDict):
    """A strategy as ``describe_strategies()`` lists it (CLI, panel dialog, magics help)."""

    name: str
    description: str
    needs_ancestor: bool
    resolves: list[str]  # the conflict states it can resolve
    arguments: list[MergeArgumentInfo]
    modes: list[str]  # "mergekit" (equal to mergekit 0.1.5) and/or "paper"; the first is the default
    ties: str  # how it treats tied magnitudes and exact cancellations
    min_models: int
    max_models: int | None
    randomised: bool  # draws from a generator seeded per tensor (--seed)
    reference: str  # the paper or page describing it


class MergeParameter(TypedDict):
    name: str
    state: str  # see core/merge/planner.py: ParamState
    auto: bool  # merged without a strategy
    shape_a: list[int] | None
    shape_b: list[int] | None
    shape_ancestor: list[int] | None
    shapes: list[list[int] | None]  # one per merged version (shape_a, shape_b: the first two)
    dtypes: list[str | None]  # one per merged version
    dtype_ancestor: str | None


class StrategyPreview(TypedDict):
    name: str
    applicable: bool
    reason: str  # why not, or what it does to the conflicts
    unresolved: list[str]  # conflicting parameters it cannot resolve


class MergePlan(TypedDict):
    a: str  # the first two merged versions (a, b) as before N-way merges
    b: str
    a_name: str
    b_name: str
    versions: list[str]  # ids of every merged version, in merge order
    version_names: list[str]
    ancestor: str | None
    ancestor_name: str | None
    ancestor_source: str  # "lowest common ancestor of ...", "named with --base: ...", or why none
    counts: dict[str, int]  # state -> number of parameters
    auto: int
    conflicts: int
    parameters: list[MergeParameter]
    strategies: list[StrategyPreview]


class MergeResult(TypedDict):
    plan: MergePlan
    strategy: str
    args: dict[str, Any]  # shared arguments, defaults filled in
    model_args: list[dict[str, Any]]  # per-model arguments (weight, density...), one per version
    overrides: dict[str, str]
    rules: list[dict[str, Any]]  # per-tensor recipe rules: filter, strategy, args, models
    dtype: str  # computation dtype: float32 or float64
    seed: int  # seed of randomised strategies (per-tensor seeds derive from it)
    dry_run: bool
    version: str | None  # the new version's name (None on a dry run)
    version_id: str | None
    tests: list[ModelTestResult]
    problems: list[str]  # parameters the strategy cannot merge (a dry run lists them)


class CascadeEntry(TypedDict):
    old: str  # name of the descendant being rebuilt
    new: str | None  # name of its rebuilt version (None when not added)
    recipe: str  # "package.module:function" or "merge:<strategy>"
    parents: list[str]  # names of the parents it was (or would be) rebuilt on
    #: a rebuilt merge: the name of the common ancestor it merged against (None otherwise)
    ancestor: str | None
    status: Literal["updated", "updated-tests-failed", "planned", "failed", "skipped", "not-run"]
    reason: str
    before: dict[str, dict[str, float]]  # test -> metrics of the old version
    after: dict[str, dict[str, float]]  # test -> metrics of the new version
    tests: list[ModelTestResult]


class CascadeReport(TypedDict):
    old: str
    new: str
    dry_run: bool
    entries: list[CascadeEntry]
    updated: list[str]
    not_updated: list[str]
    complete: bool  # every selected descendant was rebuilt and passed its tests


# =====================================================================================
# Model diff (mgit_lab.core.diff): ModelDiff.to_json()
# =====================================================================================

DiffNodeStatus = Literal["same", "changed", "removed", "added"]
DiffEdgeStatus = Literal["same", "removed", "added"]


class DiffTensorJSON(TypedDict):
    """One tensor of a layer: state-dict key, shape, dtype, content hash (the store's
    object id; null for tensors on the meta device)."""

    key: str
    shape: list[int]
    dtype: str
    hash: str | None


class DiffLayerJSON(TypedDict):
    """A layer (or input/output) as one model has it."""

    name: str  # stable module path, e.g. "bert.encoder.layer.3.attention.self.query"
    kind: Literal["module", "input", "output"]
    type: str  # class name, e.g. "Linear"; "Input" / "Output" for the model's ends
    attrs: dict[str, Any]  # shape-defining attributes (in_features, eps, ...)
    params: dict[str, DiffTensorJSON]  # local tensor name -> tensor


class DiffNodeJSON(TypedDict):
    """A node of the union of both graphs.

    ``status``: "same" (in both), "changed" (matched, but its structure or weights differ:
    MGit would remove the model-1 node and add the model-2 one), "removed" (only in
    model 1), "added" (only in model 2).
    """

    id: str  # unique in the diff; the model-1 name, else the model-2 name ("b:" prefixed on clash)
    status: DiffNodeStatus
    kind: Literal["module", "input", "output"]
    a: DiffLayerJSON | None
    b: DiffLayerJSON | None
    changes: list[str]  # readable reasons, e.g. "weight values", "out_features 32 -> 64"


class DiffEdgeJSON(TypedDict):
    source: str  # DiffNodeJSON.id
    target: str
    status: DiffEdgeStatus


class DiffParamJSON(TypedDict):
    """One tensor pair; stats are null where not computed (shape/dtype change, removed,
    added, or stats turned off).  ``rank`` is the numerical rank of b - a for 2-D float
    tensors; when ``rank_exact`` is false it is a lower bound."""

    a: str | None
    b: str | None
    status: DiffNodeStatus
    shape_a: list[int] | None
    shape_b: list[int] | None
    dtype_a: str | None
    dtype_b: str | None
    numel: int
    l2: float | None
    relative: float | None
    fraction_changed: float | None
    rank: int | None
    rank_exact: bool | None


class DiffSideJSON(TypedDict):
    label: str  # version name or path
    tracer: str | None  # "torch.export" | "symbolic_trace" | "hooks"; null for --params-only
    num_nodes: int
    num_edges: int
    num_tensors: int
    num_parameters: int  # elements over all state tensors


class DiffSummaryJSON(TypedDict):
    identical: bool  # no node or edge difference (and, contextual, no tensor change)
    nodes: dict[str, int]  # status -> count
    edges: dict[str, int]
    params: dict[str, int]
    changed_elements: int  # elements whose bits differ, over compared tensors
    removed_nodes: list[str]  # model-1 names MGit would remove (removed + changed)
    added_nodes: list[str]  # model-2 names MGit would add (added + changed)
    removed_edges: list[list[str]]  # [source, target] in model-1 names
    added_edges: list[list[str]]  # [source, target] in model-2 names


class ModelDiffJSON(TypedDict):
    a: DiffSideJSON
    b: DiffSideJSON
    mode: Literal["structural", "contextual"]
    matcher: Literal["name", "lcs", "none"]
    collapse: list[str]
    nodes: list[DiffNodeJSON]
    edges: list[DiffEdgeJSON]
    params: list[DiffParamJSON]
    summary: DiffSummaryJSON
    notes: list[str]
    timings: dict[str, float]  # seconds: trace, hash, match, params, total


# =====================================================================================
# REST server: errors, repositories, jobs (owner: server; mgit_lab/server/)
# =====================================================================================


class ErrorPayload(TypedDict):
    """The body of every 4xx/5xx answer of the REST API."""

    message: str
    hint: str | None


class ServerVersion(TypedDict):
    version: str


class RepositoryInfo(TypedDict):
    """A repository under the server's root; ``path`` is relative to the root ('' = the root)."""

    path: str
    name: str


class RepositoryList(TypedDict):
    repositories: list[RepositoryInfo]
    #: the repository at or above the ``near`` path asked about (None when there is none)
    nearest: str | None
    #: True when the search stopped before reading every folder
    truncated: bool


class RevisionPayload(TypedDict):
    repo: str
    revision: int


class JobProgress(TypedDict):
    done: int
    total: int
    #: done / total, or None while the total is unknown
    fraction: float | None
    step: str


class JobError(TypedDict):
    message: str
    hint: str | None
    #: the HTTP status the same error would have had as a direct answer
    status: int


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["diff", "tests", "merge", "cascade", "gc", "verify", "push", "fetch", "pull"]


class JobPayload(TypedDict):
    """A long operation run by the server (diff, tests, merge, cascade, gc, verify)."""

    id: str
    kind: JobKind
    repo: str
    title: str
    status: JobStatus
    cancel_requested: bool
    created: str
    started: str | None
    finished: str | None
    progress: JobProgress
    log: list[str]
    #: the operation's payload once done (shape depends on ``kind``)
    result: Any
    error: JobError | None


class JobList(TypedDict):
    jobs: list[JobPayload]


class ModelTestRunPayload(TypedDict):
    """The result of a ``tests`` job: every test run on every version asked for."""

    results: list[ModelTestResult]


class ModelTestList(TypedDict):
    tests: list[ModelTestSpec]


class StrategyList(TypedDict):
    strategies: list[MergeStrategyInfo]


# ------------------------------------------------------------------------- remotes


class RemoteInfo(TypedDict):
    """A configured remote: never a credential (the config holds none)."""

    name: str
    #: a folder path or ``s3://bucket/prefix``
    url: str
    #: client options such as ``endpoint_url``, ``region``, ``profile``
    options: dict[str, str]
    #: the remote a partial clone fetches missing tensors from
    promisor: bool


class RemoteList(TypedDict):
    remotes: list[RemoteInfo]


class RemoteTracking(TypedDict):
    """A remote compared with this repository, as of the last time this repository read the
    remote's lineage (a fetch, a pull, or a push from the panel)."""

    name: str
    url: str
    #: when the remote's lineage was last read here (ISO 8601, UTC); null: never (not fetched yet)
    checked: str | None
    #: local versions the remote lacks (to push): names, at most 50
    ahead: list[str]
    #: how many local versions the remote lacks; null when never checked
    ahead_count: int | None
    #: versions on the remote this repository lacks (to pull): names, at most 50
    behind: list[str]
    #: how many remote versions this repository lacks; null when never checked
    behind_count: int | None


class RefusedObject(TypedDict):
    """An object a fetch refused (damaged, truncated or missing on the remote)."""

    object: str
    reason: str
    #: the versions that need it
    versions: list[str]


class TransferLabels(TypedDict, total=False):
    """Names and tags a transfer changed (always present in answers; optional in the schema,
    added after the payload was first published)."""

    #: renames and tag changes made on the receiving side ("renamed 'a' -> 'b'", "tag 'best' -> 'ft2'")
    labels: list[str]
    #: renames and tag changes the receiving side made since the last sync, kept as they are
    label_notes: list[str]


class TransferPayload(TransferLabels):
    """What a push, fetch, pull or clone moved (the result of a push/fetch/pull job)."""

    verb: str
    remote: str
    url: str
    #: names of the versions sent (push) or received (fetch, pull, clone)
    versions: list[str]
    objects: int
    packs: int
    refused: list[RefusedObject]
    #: remote versions not added because a tensor they need was refused
    skipped_versions: list[str]
    bytes_sent: int
    bytes_received: int
    requests: int
    seconds: float
