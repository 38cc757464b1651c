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


class ParentRef(TypedDict):
    """One incoming edge of a version."""

    id: str
    name: str
    relation: str


class VersionSummary(TypedDict):
    """One node as the graph, ``log`` and ``add`` show it (no manifest: cheap)."""

    id: str
    name: str
    model_type: str | None
    parents: list[ParentRef]
    #: relation to the first parent, ``None`` for a root
    relation: str | None
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


class EdgePayload(TypedDict):
    parent: str
    child: str
    relation: str


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
    elapsed_ms: float


class AddPayload(TypedDict):
    """``add``: the new version and, when the parent was inferred, the inference."""

    version: VersionSummary
    inference: InferenceResult | None
    #: bytes this add wrote to the packs
    new_bytes: int


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


# ============================================================== REST server (server helper)
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
JobKind = Literal["diff", "tests", "merge", "cascade", "gc", "verify"]


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


# ============================================================== end of REST server block
