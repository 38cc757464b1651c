"""Automatic parent inference: which stored version did a new model most likely come from?

No stored model is scanned.  Each version keeps a *sketch* (:mod:`.sketch`: 32 to 256
sampled weights per tensor; 93 KB for a BERT-base) and its manifest of per-tensor content
hashes; :mod:`.sketch_index` stacks the sketches of one layout into a matrix.  For a new
model:

1. **Structure.**  Versions are grouped by the names, dtypes and shapes of their float
   tensors.  A group is a candidate when same-name, same-shape tensors cover at least half
   of the new model's parameters (``coverage``).
2. **Evidence**, from the sampled weights of the common tensors, for every candidate at
   once (one matrix per group):

   - ``distance``: estimated relative L2 distance ``||child - cand|| / ||child||``, each
     tensor's samples scaled by ``numel / samples`` so it estimates the full-model figure;
   - ``equal_fraction``: share of the child's non-zero weights that are bit-equal to the
     candidate's after rounding to the child's dtype (on at most 4,096 spread samples).
     A pruned child keeps its parent's surviving weights exactly, a cast child is its
     parent rounded, a child with frozen layers shares them: all score near 1, while a
     fine-tune sibling scores near 0;
   - ``identical_fraction`` (for the leaders): parameters in tensors whose content hash
     equals the candidate's (exact, from the manifests).

3. **Score** (lower is closer): ``distance * (1 - equal_fraction)`` plus ``0.1`` times the
   share of either model's parameters the other lacks (so a sibling with an extra adapter
   loses a tie to the plain parent).  Ties go to more identical tensors, then the smaller
   distance, then the newer version.
4. **Refinement**: when several leaders are within 30% of the best score (a parent and its
   partial fine-tunes, adapters or near-copies), they are compared *exactly* on the tensors
   whose content differs between them - usually a few small ones - decoding at most 64 MB
   (the only objects inference ever decodes).
5. The best candidate becomes the parent unless its score exceeds ``max_distance``
   (default 0.5: unrelated models of one architecture sit near 1.4); the model is then
   left a root.

``confidence`` combines how far the winner is below the threshold with how clearly it beats
the runner-up (a child 1% from its parent and 1.4% from its grandparent gets about 0.4).
The relation is suggested from the same evidence: ``quantize`` (a dtype cast of the parent),
``prune`` (parent's weights with more zeros), ``adapter`` (parent's weights plus new
tensors), else ``finetune``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..io.state import ArrayState
from ..lineage import LineageGraph, ModelVersion, TensorRef
from ..schema import InferenceCandidate, InferenceResult
from .confidence import DEFAULT_MAX_DISTANCE
from .evidence import MIN_COVERAGE, refine, score_group, zeros_added
from .sketch import layout_of
from .sketch_index import SketchIndex

__all__ = ["Compatibility", "SketchIndex", "compatibility", "infer_parent"]


COVERAGE_PENALTY = 0.1
#: near-tie refinement: leaders within ``best * NEAR_TIE + NEAR_TIE_ABS``, at most SHORTLIST
NEAR_TIE = 1.3
NEAR_TIE_ABS = 1e-4
SHORTLIST = 24
DEFAULT_REFINE_BUDGET = 64 << 20


@dataclass(frozen=True)
class Compatibility:
    """How much of a child's structure a candidate parent has."""

    #: fraction of the child's tensors (by parameter count) with a same-name tensor in the parent
    name_overlap: float
    #: fraction of the child's parameters with a same-name, same-shape tensor in the parent
    shape_overlap: float


def compatibility(child: dict[str, TensorRef], parent: dict[str, TensorRef]) -> Compatibility:
    """Structural overlap of ``child``'s manifest with ``parent``'s."""
    total = sum(max(t.numel, 1) for t in child.values()) or 1
    named = sum(max(t.numel, 1) for k, t in child.items() if k in parent)
    shaped = sum(max(t.numel, 1) for k, t in child.items() if k in parent and parent[k].shape == t.shape)
    return Compatibility(named / total, shaped / total)


@dataclass
class _Scored:
    version: ModelVersion
    rank: int
    distance: float
    equal: float
    identical: float
    coverage: float
    cand_coverage: float
    dtype_changed: float
    zeros_added: float
    adds_tensors: bool
    score: float = 0.0

    def rescore(self) -> None:
        self.score = self.distance * (1.0 - self.equal) + COVERAGE_PENALTY * (
            (1.0 - self.coverage) + (1.0 - self.cand_coverage)
        )

    def key(self) -> tuple:
        return (round(self.score, 12), -self.identical, round(self.distance, 12), -self.coverage, -self.rank)

    def payload(self) -> InferenceCandidate:
        return {
            "id": self.version.id,
            "name": self.version.name,
            "distance": round(self.distance, 6),
            "equal_fraction": round(self.equal, 6),
            "identical_fraction": round(self.identical, 6),
            "coverage": round(self.coverage, 6),
            "score": round(self.score, 6),
        }


def _identical(child: dict[str, TensorRef], graph: LineageGraph, candidates: set[str]) -> dict[str, float]:
    """Per candidate id: share of the child's parameters in bit-identical same-name tensors."""
    total = sum(max(t.numel, 1) for t in child.values()) or 1
    out: dict[str, float] = {}
    for vid in candidates:
        manifest = graph.g.nodes[vid]["version"].manifest
        same = 0
        for k, t in child.items():
            other = manifest.get(k)
            if other is not None and other.oid == t.oid:
                same += max(t.numel, 1)
        out[vid] = same / total
    return out


def _evidence(
    graph: LineageGraph,
    index: SketchIndex,
    child_manifest: dict[str, TensorRef],
    child_vec: np.ndarray,
    skip: set[str],
    order: dict[str, int],
) -> list[_Scored]:
    child_layout = layout_of(child_manifest)
    child_total = sum(child_layout.numels) or 1
    scored: list[_Scored] = []
    for key, members in index.groups(v for v in graph.versions() if v.id not in skip).items():
        group_layout = index.layout(members[0])
        if not group_layout.size:
            continue
        group_names = set(group_layout.names)  # cheap structural filter before touching sketches
        shared = sum(n for nm, n in zip(child_layout.names, child_layout.numels, strict=True) if nm in group_names)
        if shared < MIN_COVERAGE * child_total:
            continue
        ev = score_group(child_layout, child_vec, group_layout, index.stack(key, members))
        if ev is None:
            continue
        adds = any(k not in members[0].manifest for k in child_manifest)
        for i, v in enumerate(members):
            s = _Scored(
                v,
                order[v.id],
                float(ev.distance[i]),
                float(ev.equal[i]),
                0.0,
                ev.coverage,
                ev.cand_coverage,
                ev.dtype_changed,
                0.0,
                adds,
            )
            s.rescore()
            scored.append(s)
    return scored


def _refine(
    scored: list[_Scored],
    index: SketchIndex,
    child_manifest: dict[str, TensorRef],
    child_state: ArrayState,
    child_vec: np.ndarray,
    decode: Callable[[str], np.ndarray],
    budget: int,
) -> int:
    """Re-score the near-tied leaders exactly on the tensors that tell them apart."""
    best = scored[0].score
    short = [s for s in scored[:SHORTLIST] if s.score <= best * NEAR_TIE + NEAR_TIE_ABS]
    if len(short) < 2:
        return 0
    terms, used = refine(
        [s.version for s in short], child_manifest, child_state, child_vec, index.vector, decode, budget
    )
    if not used:
        return 0
    for s, t in zip(short, terms, strict=True):
        s.distance, s.equal = t.distance, t.equal
        s.rescore()
    scored[: len(short)] = sorted(short, key=_Scored.key)
    scored.sort(key=_Scored.key)
    return used


def infer_parent(
    graph: LineageGraph,
    index: SketchIndex,
    child_manifest: dict[str, TensorRef],
    child_sketch: np.ndarray,
    *,
    exclude: Iterable[str] = (),
    max_distance: float = DEFAULT_MAX_DISTANCE,
    child_state: ArrayState | None = None,
    decode: Callable[[str], np.ndarray] | None = None,
    refine_budget: int = DEFAULT_REFINE_BUDGET,
) -> InferenceResult:
    """Pick the most likely parent of a model among the versions of ``graph``.

    ``child_manifest`` must carry the child's object ids (content hashes); ``child_sketch``
    is :func:`~.sketch.sketch_arrays` of the child.  With ``child_state`` and ``decode``
    (object id -> stored array), near-tied leaders are re-scored exactly on the tensors in
    which they differ, decoding at most ``refine_budget`` bytes.
    """
    start = time.perf_counter()
    child_layout = layout_of(child_manifest)
    skip = set(exclude)
    order = {vid: i for i, vid in enumerate(graph.ids())}
    if child_layout.size:
        scored = _evidence(graph, index, child_manifest, child_sketch, skip, order)
    else:
        scored = _score_by_identity(graph, child_manifest, skip, order)
    scored.sort(key=_Scored.key)
    # exact identity of whole tensors breaks ties among the leaders (the sketches saw it already)
    leaders = scored[:SHORTLIST]
    ident = _identical(child_manifest, graph, {s.version.id for s in leaders})
    for s in leaders:
        s.identical = ident.get(s.version.id, 0.0)
    scored[: len(leaders)] = sorted(leaders, key=_Scored.key)
    refined = 0
    if scored and child_layout.size and child_state is not None and decode is not None:
        refined = _refine(scored, index, child_manifest, child_state, child_sketch, decode, refine_budget)
    top = [s.payload() for s in scored[:5]]

    def result(parent: _Scored | None, confidence: float, relation: str | None, reason: str) -> InferenceResult:
        return {
            "parent": parent.version.name if parent else None,
            "parent_id": parent.version.id if parent else None,
            "confidence": round(confidence, 3),
            "reason": reason,
            "relation": relation,
            "candidates": top,
            "compared": len(scored),
            "refined_tensors": refined,
            "elapsed_ms": round((time.perf_counter() - start) * 1000, 3),
        }

    if not scored:
        return result(None, 1.0, None, "no stored version has the same parameter names and shapes as this model")
    best = scored[0]
    runner = scored[1] if len(scored) > 1 else None
    if child_layout.size:
        best.zeros_added = zeros_added(
            child_layout, child_sketch, index.layout(best.version), index.vector(best.version)
        )
    if best.score > max_distance:
        reason = (
            f"no stored version is close: the nearest, {best.version.name!r}, scores {best.score:.3g} "
            f"(relative distance {best.distance:.1%}), above the {max_distance:g} root threshold"
        )
        return result(None, min(1.0, (best.score - max_distance) / max_distance), None, reason)
    closeness = 1.0 - best.score / max_distance
    if runner is None:
        separation = 1.0
    elif best.score <= 0:
        separation = 1.0 if runner.score > 0 else 0.0
    else:
        separation = min(1.0, (runner.score - best.score) / best.score)
    relation, reason = _explain(best, runner)
    return result(best, max(0.0, closeness * separation), relation, reason)


def _score_by_identity(
    graph: LineageGraph, child: dict[str, TensorRef], skip: set[str], order: dict[str, int]
) -> list[_Scored]:
    """Fallback for models without float tensors: only bit-identical tensors count."""
    out = []
    for v in graph.versions():
        if v.id in skip:
            continue
        comp = compatibility(child, v.manifest)
        if comp.shape_overlap < MIN_COVERAGE:
            continue
        out.append(_Scored(v, order[v.id], 1.0, 0.0, 0.0, comp.shape_overlap, 1.0, 0.0, 0.0, False, 1.0))
    ident = _identical(child, graph, {s.version.id for s in out})
    for s in out:
        s.identical = ident[s.version.id]
        s.score = 1.0 - s.identical + COVERAGE_PENALTY * (1.0 - s.coverage)
    return out


def _explain(best: _Scored, runner: _Scored | None) -> tuple[str, str]:
    name = repr(best.version.name)
    nxt = f" (next best: {runner.version.name!r}, score {runner.score:.3g})" if runner else ""
    if best.equal >= 0.9 and best.dtype_changed >= 0.5:
        return (
            "quantize",
            f"is {name} cast to a lower precision: {best.equal:.0%} of its weights equal the rounded originals{nxt}",
        )
    if best.equal >= 0.9 and best.zeros_added >= 0.05:
        return "prune", (
            f"is a pruned copy of {name}: {best.equal:.0%} of its non-zero weights are unchanged and "
            f"{best.zeros_added:.0%} more are zero{nxt}"
        )
    if best.equal >= 0.99 and best.adds_tensors:
        return (
            "adapter",
            f"keeps the weights of {name} and adds new tensors ({best.coverage:.0%} of it comes from it){nxt}",
        )
    if best.identical >= 0.999 and best.distance == 0:
        return "finetune", f"is bit-identical to {name}{nxt}"
    if best.identical > 0:
        return "finetune", (
            f"shares {best.identical:.0%} of its parameters bit-for-bit with {name}, "
            f"{best.distance:.2%} relative distance overall{nxt}"
        )
    return "finetune", f"nearest weights: {name} at {best.distance:.2%} relative distance{nxt}"
