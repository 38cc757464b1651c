"""TypedDicts of every JSON payload (REST, widget, CLI ``--json``).

Each block belongs to one feature; keep additions in their own clearly headed block.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

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
    changes: list[
        str
    ]  # readable reasons, e.g. "weight values", "out_features 32 -> 64"


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
    tracer: (
        str | None
    )  # "torch.export" | "symbolic_trace" | "hooks"; null for --params-only
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
