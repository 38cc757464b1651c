"""Evidence for parent inference: how close a new model is to stored candidates.

Two estimators of the same quantities (see :mod:`.inference` for how they are used):

- :func:`score_group`, vectorised over every version of one sketch layout, from the
  sampled weights only (each tensor's samples weighted ``numel / samples``);
- :func:`refine`, for a handful of near-tied candidates: exact sums over the tensors in
  which those candidates differ from each other (decoded from the store, within a byte
  budget), sketch estimates for the tensors they share.  Tensors the candidates share
  contribute equally to all of them, so the exact part is what separates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..codecs.abc import FLOAT_DTYPES
from ..lineage import ModelVersion, TensorRef
from .sketch import DTYPE_CODES, Layout, as_float32, cast_like, layout_of, sample_count

MIN_COVERAGE = 0.5
ROW_BLOCK = 64
EQUAL_COLUMNS = 4096


@dataclass
class Terms:
    """Weighted sums behind one candidate's score (weights make them full-model estimates)."""

    num: float = 0.0  # sum (child - cand)^2
    den: float = 0.0  # sum child^2
    nz: float = 0.0  # count child != 0
    eq: float = 0.0  # count child != 0 and child == cand rounded to the child's dtype
    zeros_cand: float = 0.0  # count cand == 0
    size: float = 0.0  # count

    def add(self, a: np.ndarray, b: np.ndarray, weight: float, code: int) -> None:
        nz = a != 0
        self.num += weight * float(np.square(b - a).sum())
        self.den += weight * float(np.square(a).sum())
        self.nz += weight * float(nz.sum())
        self.eq += weight * float((nz & (cast_like(b, np.full(b.shape[-1:], code)) == a)).sum())
        self.zeros_cand += weight * float((b == 0).sum())
        self.size += weight * a.size

    @property
    def distance(self) -> float:
        if self.den > 0:
            return float(np.sqrt(self.num / self.den))
        return 1.0 if self.num > 0 else 0.0

    @property
    def equal(self) -> float:
        return self.eq / self.nz if self.nz > 0 else 0.0


@dataclass
class GroupEvidence:
    """Per-candidate arrays for one layout group."""

    distance: np.ndarray
    equal: np.ndarray
    coverage: float  # share of the child's float parameters the group has (same name and shape)
    cand_coverage: float  # share of the candidate's float parameters the child has
    dtype_changed: float  # share of compared parameters whose dtype differs


def score_group(
    child_layout: Layout, child_vec: np.ndarray, group_layout: Layout, matrix: np.ndarray
) -> GroupEvidence | None:
    """Evidence for every version of one layout group (rows of ``matrix``) at once."""
    slot = group_layout.slot()
    ccols, gcols, scale, codes = [], [], [], []
    common = changed = 0
    for i, name in enumerate(child_layout.names):
        j = slot.get(name)
        if j is None or group_layout.shapes[j] != child_layout.shapes[i]:
            continue
        n = child_layout.numels[i]
        k = sample_count(n)
        common += n
        changed += n if group_layout.dtypes[j] != child_layout.dtypes[i] else 0
        ccols.append(np.arange(child_layout.offsets[i], child_layout.offsets[i] + k))
        gcols.append(np.arange(group_layout.offsets[j], group_layout.offsets[j] + k))
        scale.append(np.full(k, n / k, dtype=np.float32))
        codes.append(np.full(k, DTYPE_CODES.get(child_layout.dtypes[i], 0)))
    coverage = common / (sum(child_layout.numels) or 1)
    if coverage < MIN_COVERAGE or not ccols:
        return None
    cc, gc = np.concatenate(ccols), np.concatenate(gcols)
    s = np.concatenate(scale)
    a = child_vec[cc]
    identity = gc.size == matrix.shape[1] and np.array_equal(gc, np.arange(gc.size))
    nz = a != 0
    code = np.concatenate(codes)
    # bit-equality is a share: estimated on at most EQUAL_COLUMNS evenly spread columns
    step = max(1, a.size // EQUAL_COLUMNS)
    e_cols = np.arange(0, a.size, step)
    e_gcols = gc[e_cols]
    e_a, e_code = a[e_cols], code[e_cols]
    e_w = np.where(nz[e_cols], s[e_cols], 0).astype(np.float32)
    cast = bool(e_code.any())
    rows = len(matrix)
    num = np.empty(rows)
    eqw = np.empty(rows)
    for start in range(0, rows, ROW_BLOCK):  # blocks of rows stay in cache: no matrix-sized temporaries
        block = matrix[start : start + ROW_BLOCK]
        d = (block if identity else block[:, gc]) - a
        np.square(d, out=d)
        num[start : start + len(block)] = d @ s
        eb = block[:, e_gcols]
        eqw[start : start + len(block)] = ((cast_like(eb, e_code) if cast else eb) == e_a).astype(np.float32) @ e_w
    den = float(np.square(a.astype(np.float64)) @ s)
    distance = np.sqrt(num / den) if den > 0 else np.where(num > 0, 1.0, 0.0)
    nz_weight = float(e_w.sum())
    equal = eqw / nz_weight if nz_weight > 0 else np.zeros(rows)
    cand_total = sum(group_layout.numels) or 1
    return GroupEvidence(
        distance=np.asarray(distance, dtype=np.float64),
        equal=np.asarray(equal, dtype=np.float64),
        coverage=coverage,
        cand_coverage=common / cand_total,
        dtype_changed=changed / (common or 1),
    )


def zeros_added(child_layout: Layout, child_vec: np.ndarray, cand_layout: Layout, cand_vec: np.ndarray) -> float:
    """Share of the compared parameters zero in the child but not in the candidate (pruning)."""
    slot = cand_layout.slot()
    added = total = 0.0
    for i, name in enumerate(child_layout.names):
        j = slot.get(name)
        if j is None or cand_layout.shapes[j] != child_layout.shapes[i]:
            continue
        n = child_layout.numels[i]
        k = sample_count(n)
        a = child_vec[child_layout.offsets[i] : child_layout.offsets[i] + k]
        b = cand_vec[cand_layout.offsets[j] : cand_layout.offsets[j] + k]
        added += n / k * (float(np.count_nonzero(a == 0)) - float(np.count_nonzero(b == 0)))
        total += n
    return added / total if total else 0.0


def _floats(array: np.ndarray, dtype: str) -> np.ndarray:
    return as_float32(np.ascontiguousarray(array).reshape(-1), dtype)


def refine(
    candidates: list[ModelVersion],
    child_manifest: dict[str, TensorRef],
    child_state: dict[str, tuple[np.ndarray, str]],
    child_vec: np.ndarray,
    vector: Callable[[ModelVersion], np.ndarray],
    decode: Callable[[str], np.ndarray],
    budget_bytes: int,
) -> tuple[list[Terms], int]:
    """Exact-where-it-matters terms for a few candidates; returns them and the tensors decoded.

    Tensors whose object differs between the candidates are compared exactly (smallest
    first, while the decoded bytes stay within ``budget_bytes``); the rest from sketches.
    """
    child_layout = layout_of(child_manifest)
    names = [
        k
        for k in child_layout.names
        if all(k in c.manifest and c.manifest[k].shape == child_manifest[k].shape for c in candidates)
    ]
    differing = sorted(
        (k for k in names if len({c.manifest[k].oid for c in candidates}) > 1), key=lambda k: child_manifest[k].numel
    )
    exact: set[str] = set()
    spent = 0
    for k in differing:
        cost = child_manifest[k].numel * 4 * len({c.manifest[k].oid for c in candidates})
        if spent + cost > budget_bytes:
            break
        spent += cost
        exact.add(k)
    child_slot = child_layout.slot()
    out = []
    decoded: dict[str, np.ndarray] = {}
    child_full = {k: _floats(*child_state[k]) for k in exact}
    for cand in candidates:
        terms = Terms()
        cand_layout = layout_of(cand.manifest)
        cand_slot, vec = cand_layout.slot(), vector(cand)
        for k in child_layout.names:
            ref = cand.manifest.get(k)
            if ref is None or ref.shape != child_manifest[k].shape or ref.dtype not in FLOAT_DTYPES:
                continue
            code = DTYPE_CODES.get(child_manifest[k].dtype, 0)
            if k in exact:
                if ref.oid not in decoded:
                    decoded[ref.oid] = _floats(decode(ref.oid), ref.dtype)
                terms.add(child_full[k], decoded[ref.oid], 1.0, code)
            else:
                i, j = child_slot[k], cand_slot[k]
                n = child_layout.numels[i]
                kk = sample_count(n)
                a = child_vec[child_layout.offsets[i] : child_layout.offsets[i] + kk]
                b = vec[cand_layout.offsets[j] : cand_layout.offsets[j] + kk]
                terms.add(a, b, n / kk, code)
        out.append(terms)
    return out, len(exact)
