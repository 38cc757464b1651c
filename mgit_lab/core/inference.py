"""Automatic parent inference: which stored version did a new model most likely come from?

No stored model is decoded.  Each version keeps a *sketch* (:mod:`.sketch`: a few hundred
sampled weights per tensor, ~16-80 KB per version) and its manifest of per-tensor content
hashes.  For a new model:

1. **Structure.**  Versions are grouped by the names, dtypes and shapes of their float
   tensors.  A group is a candidate when same-name, same-shape tensors cover at least half
   of the new model's parameters (``coverage``).
2. **Evidence**, from the sampled weights of the common tensors, for every candidate at
   once (one matrix per group):

   - ``distance``: estimated relative L2 distance ``||child - cand|| / ||child||``, each
     tensor's samples scaled by ``numel / samples`` so it estimates the full-model figure;
   - ``equal_fraction``: share of the child's non-zero weights that are bit-equal to the
     candidate's after rounding to the child's dtype.  A pruned child keeps its parent's
     surviving weights exactly, a cast child is its parent rounded, a child with frozen
     layers shares them: all score near 1, while a fine-tune sibling scores near 0;
   - ``identical_fraction``: parameters in tensors whose content hash equals the
     candidate's (exact, from the manifests).

3. **Score** (lower is closer): ``distance * (1 - equal_fraction) + 0.1 * (1 - coverage)``.
   The best candidate becomes the parent unless its score exceeds ``max_distance``
   (default 0.5: unrelated models of one architecture sit near 1.4), in which case the
   model is left a root.

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

from .lineage import LineageGraph, ModelVersion, TensorRef
from .schema import InferenceCandidate, InferenceResult
from .sketch import DTYPE_CODES, Layout, cast_like, layout_key, layout_of, read_sketch, sample_count

DEFAULT_MAX_DISTANCE = 0.5
MIN_COVERAGE = 0.5
COVERAGE_PENALTY = 0.1


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


class SketchIndex:
    """In-memory cache of every version's sketch, stacked per layout for vectorised scoring.

    ``rebuild(version)`` must return a missing sketch (decoded from the store) and may
    persist it.
    """

    def __init__(self, mgit_dir, rebuild: Callable[[ModelVersion, Layout], np.ndarray]) -> None:
        self.mgit_dir = mgit_dir
        self._rebuild = rebuild
        self._vectors: dict[str, np.ndarray] = {}
        self._keys: dict[str, tuple] = {}
        self._stacks: dict[tuple, tuple[tuple[str, ...], np.ndarray]] = {}

    def key(self, version: ModelVersion) -> tuple:
        k = self._keys.get(version.id)
        if k is None:
            k = self._keys[version.id] = layout_key(version.manifest)
        return k

    def vector(self, version: ModelVersion) -> np.ndarray:
        vec = self._vectors.get(version.id)
        if vec is None:
            layout = layout_of(version.manifest)
            vec = read_sketch(self.mgit_dir, version.id, layout.size)
            if vec is None:
                vec = self._rebuild(version, layout)
            self._vectors[version.id] = vec
        return vec

    def remember(self, vid: str, vector: np.ndarray) -> None:
        self._vectors[vid] = vector

    def stack(self, key: tuple, versions: list[ModelVersion]) -> np.ndarray:
        vids = tuple(v.id for v in versions)
        hit = self._stacks.get(key)
        if hit is not None and hit[0] == vids:
            return hit[1]
        size = layout_of(versions[0].manifest).size
        matrix = np.empty((len(versions), size), dtype=np.float32)
        for i, v in enumerate(versions):
            matrix[i] = self.vector(v)
        self._stacks[key] = (vids, matrix)
        return matrix

    def groups(self, versions: Iterable[ModelVersion]) -> dict[tuple, list[ModelVersion]]:
        out: dict[tuple, list[ModelVersion]] = {}
        for v in versions:
            out.setdefault(self.key(v), []).append(v)
        return out


@dataclass
class _Scored:
    version: ModelVersion
    rank: int
    distance: float
    equal: float
    identical: float
    coverage: float
    score: float
    dtype_changed: float
    zeros_added: float
    adds_tensors: bool

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


def _score_group(
    child_layout: Layout,
    child_vec: np.ndarray,
    group_layout: Layout,
    matrix: np.ndarray,
) -> tuple[np.ndarray, ...] | None:
    """Vectorised evidence of every version of one layout group against the child."""
    slot = group_layout.slot()
    ccols, gcols, scale, codes, gdt = [], [], [], [], []
    common = 0
    total = sum(child_layout.numels) or 1
    for i, name in enumerate(child_layout.names):
        j = slot.get(name)
        if j is None or group_layout.shapes[j] != child_layout.shapes[i]:
            continue
        n = child_layout.numels[i]
        k = sample_count(n)
        common += n
        ccols.append(np.arange(child_layout.offsets[i], child_layout.offsets[i] + k))
        gcols.append(np.arange(group_layout.offsets[j], group_layout.offsets[j] + k))
        scale.append(np.full(k, n / k))
        codes.append(np.full(k, DTYPE_CODES.get(child_layout.dtypes[i], 0)))
        gdt.append(np.full(k, float(group_layout.dtypes[j] != child_layout.dtypes[i]) * n / k))
    coverage = common / total
    if coverage < MIN_COVERAGE or not ccols:
        return None
    cc, gc = np.concatenate(ccols), np.concatenate(gcols)
    s = np.concatenate(scale)
    a = child_vec[cc].astype(np.float64)
    b = matrix[:, gc].astype(np.float64)
    nz = a != 0
    den = float((a * a * s).sum())
    num = (((b - a) ** 2) * s).sum(axis=1)
    if den > 0:
        distance = np.sqrt(num / den)
    else:
        distance = np.where(num > 0, 1.0, 0.0)
    eq = cast_like(b, np.concatenate(codes)) == a
    nz_weight = float((nz * s).sum())
    equal = ((eq & nz) * s).sum(axis=1) / nz_weight if nz_weight > 0 else np.zeros(len(b))
    child_zero = float(((~nz) * s).sum()) / float(s.sum())
    cand_zero = ((b == 0) * s).sum(axis=1) / float(s.sum())
    dtype_changed = float(np.concatenate(gdt).sum()) / float(s.sum())
    return distance, equal, np.full(len(b), coverage), child_zero - cand_zero, np.full(len(b), dtype_changed)


def infer_parent(
    graph: LineageGraph,
    index: SketchIndex,
    child_manifest: dict[str, TensorRef],
    child_sketch: np.ndarray,
    *,
    exclude: Iterable[str] = (),
    max_distance: float = DEFAULT_MAX_DISTANCE,
) -> InferenceResult:
    """Pick the most likely parent of a model among the versions of ``graph``.

    ``child_manifest`` must carry the child's object ids (content hashes); ``child_sketch``
    is :func:`~.sketch.sketch_arrays` of the child.  Returns the decision with its evidence.
    """
    start = time.perf_counter()
    child_layout = layout_of(child_manifest)
    skip = set(exclude)
    scored: list[_Scored] = []
    order = {vid: i for i, vid in enumerate(graph.ids())}
    for key, members in index.groups(v for v in graph.versions() if v.id not in skip).items():
        group_layout = layout_of(members[0].manifest)
        if not child_layout.size or not group_layout.size:
            continue
        # cheap structural filter before touching any sketch
        group_names = set(group_layout.names)
        shared = sum(n for nm, n in zip(child_layout.names, child_layout.numels, strict=True) if nm in group_names)
        if shared < MIN_COVERAGE * (sum(child_layout.numels) or 1):
            continue
        result = _score_group(child_layout, child_sketch, group_layout, index.stack(key, members))
        if result is None:
            continue
        distance, equal, coverage, zeros_added, dtype_changed = result
        adds = any(k not in members[0].manifest for k in child_manifest)
        for i, v in enumerate(members):
            score = float(distance[i]) * (1.0 - float(equal[i])) + COVERAGE_PENALTY * (1.0 - float(coverage[i]))
            scored.append(
                _Scored(
                    v,
                    order[v.id],
                    float(distance[i]),
                    float(equal[i]),
                    0.0,
                    float(coverage[i]),
                    score,
                    float(dtype_changed[i]),
                    float(zeros_added[i]),
                    adds,
                )
            )
    if not child_layout.size:
        scored = _score_by_identity(graph, child_manifest, skip, order)
    ident = _identical(child_manifest, graph, {s.version.id for s in scored})
    for s in scored:
        s.identical = ident.get(s.version.id, 0.0)
    scored.sort(key=lambda s: (round(s.score, 12), -s.identical, -s.coverage, -s.rank))
    elapsed = (time.perf_counter() - start) * 1000
    top = [s.payload() for s in scored[:5]]
    if not scored:
        return {
            "parent": None,
            "parent_id": None,
            "confidence": 1.0,
            "relation": None,
            "candidates": [],
            "reason": "no stored version has the same parameter names and shapes as this model",
            "compared": 0,
            "elapsed_ms": round(elapsed, 3),
        }
    best = scored[0]
    runner = scored[1] if len(scored) > 1 else None
    if best.score > max_distance:
        return {
            "parent": None,
            "parent_id": None,
            "relation": None,
            "candidates": top,
            "confidence": round(min(1.0, (best.score - max_distance) / max_distance), 3),
            "reason": (
                f"no stored version is close: the nearest, {best.version.name!r}, scores {best.score:.3g} "
                f"(relative distance {best.distance:.1%}), above the {max_distance:g} root threshold"
            ),
            "compared": len(scored),
            "elapsed_ms": round(elapsed, 3),
        }
    closeness = 1.0 - best.score / max_distance
    if runner is None:
        separation = 1.0
    elif best.score <= 0:
        separation = 1.0 if runner.score > 0 else 0.0
    else:
        separation = min(1.0, (runner.score - best.score) / best.score)
    relation, reason = _explain(best, runner)
    return {
        "parent": best.version.name,
        "parent_id": best.version.id,
        "relation": relation,
        "confidence": round(max(0.0, closeness * separation), 3),
        "reason": reason,
        "candidates": top,
        "compared": len(scored),
        "elapsed_ms": round(elapsed, 3),
    }


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
        out.append(_Scored(v, order[v.id], 1.0, 0.0, 0.0, comp.shape_overlap, 1.0, 0.0, 0.0, False))
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
