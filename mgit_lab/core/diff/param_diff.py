"""Per-tensor change statistics: what git-theta users ask of a diff.

For each pair of tensors: changed or not (content hashes), the L2 norm of the update
``||b - a||``, the relative change ``||b - a|| / ||a||``, the fraction of elements whose
bits changed, and, for 2-D float tensors, the numerical rank of the update.  The rank is
exact for small matrices (short side <= 64) and otherwise comes from a random sketch
``(b - a) @ G`` with ``RANK_PROBE`` columns: below the probe size it is the rank (with
overwhelming probability); at the probe size the rank is only known to be at least that
(``rank_exact`` false), and the sketch stops reading rows as soon as it saturates, so a
full-rank update (an ordinary fine-tune) costs one chunk.  Everything streams in chunks,
so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: columns of the random sketch used to estimate update ranks.
RANK_PROBE = 32
#: short side up to which the rank comes from a full SVD.
EXACT_RANK_MAX = 64
#: elements per chunk when streaming over a tensor.
CHUNK = 1 << 20

_FLOATS = {"float16", "float32", "float64", "bfloat16"}
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}

ArrayLoader = Callable[[str], np.ndarray]


@dataclass
class ParamDiff:
    """The comparison of one tensor of model 1 with its counterpart in model 2."""

    a: str | None
    b: str | None
    status: str  # "same" | "changed" | "removed" | "added"
    shape_a: list[int] | None = None
    shape_b: list[int] | None = None
    dtype_a: str | None = None
    dtype_b: str | None = None
    l2: float | None = None
    relative: float | None = None
    fraction_changed: float | None = None
    rank: int | None = None
    rank_exact: bool | None = None

    @property
    def numel(self) -> int:
        shape = self.shape_b if self.shape_b is not None else self.shape_a
        n = 1
        for d in shape or []:
            n *= d
        return n


def _as_float(chunk: np.ndarray, dtype: str) -> np.ndarray:
    """A chunk in a float dtype numpy computes in (bfloat16's uint16 bits widened)."""
    if dtype == "bfloat16":
        return (chunk.astype(np.uint32) << 16).view(np.float32)
    if dtype in ("float32", "float64"):
        return chunk
    if dtype == "bool":
        return chunk.astype(np.float32)
    return chunk.astype(np.float64 if chunk.dtype.itemsize >= 4 else np.float32)


def _bits(chunk: np.ndarray) -> np.ndarray:
    return chunk.view(_UINT[chunk.dtype.itemsize]) if chunk.dtype.itemsize in _UINT else chunk


def update_stats(a: np.ndarray, b: np.ndarray, dtype: str, *, rank: bool = True) -> dict:
    """L2, relative change, fraction changed and update rank of two same-shape arrays.

    ``a`` and ``b`` are in the store's storage dtype for logical ``dtype``.
    """
    fa, fb = a.reshape(-1), b.reshape(-1)
    sq_d = sq_a = 0.0
    changed = 0
    for start in range(0, fa.size, CHUNK):
        ca, cb = fa[start : start + CHUNK], fb[start : start + CHUNK]
        changed += int(np.count_nonzero(_bits(ca) != _bits(cb)))
        if dtype == "bool":
            continue
        xa, xb = _as_float(ca, dtype), _as_float(cb, dtype)
        d = xb - xa
        sq_d += float(np.dot(d, d))
        sq_a += float(np.dot(xa, xa))
    out: dict = {"fraction_changed": changed / fa.size if fa.size else 0.0}
    if dtype != "bool":
        l2 = float(np.sqrt(sq_d))
        out["l2"] = l2
        out["relative"] = l2 / float(np.sqrt(sq_a)) if sq_a > 0 else None
    if rank and dtype in _FLOATS and a.ndim == 2 and changed:
        out["rank"], out["rank_exact"] = update_rank(a, b, dtype)
    return out


def _rank_from_gram(gram: np.ndarray, longest: int) -> int:
    """Numerical rank from the eigenvalues of ``M^T M`` (squared singular values of M)."""
    ev = np.linalg.eigvalsh(gram)
    top = float(ev[-1]) if ev.size else 0.0
    if top <= 0:
        return 0
    tol = (longest * float(np.finfo(np.float32).eps)) ** 2 * top
    return int(np.count_nonzero(ev > tol))


def update_rank(a: np.ndarray, b: np.ndarray, dtype: str) -> tuple[int, bool]:
    """``(rank, exact)`` of ``b - a`` for 2-D arrays (see the module docstring).

    Singular values come from the eigenvalues of a small Gram matrix (at most
    ``EXACT_RANK_MAX`` or ``RANK_PROBE`` square) in float64, never from an SVD of the
    tensor itself.
    """
    m, n = a.shape
    if min(m, n) <= EXACT_RANK_MAX:
        d = _as_float(b, dtype).astype(np.float64) - _as_float(a, dtype).astype(np.float64)
        gram = d.T @ d if n <= m else d @ d.T
        return _rank_from_gram(gram, max(m, n)), True
    gen = np.random.default_rng(0)
    probe = gen.standard_normal((n, RANK_PROBE)).astype(np.float32)
    max_rows = max(1, CHUNK // n)
    rows = min(2 * RANK_PROBE, max_rows)  # small first chunks: a saturated probe stops early
    gram = np.zeros((RANK_PROBE, RANK_PROBE))
    r = 0
    while r < m:
        xb = _as_float(b[r : r + rows], dtype).astype(np.float32, copy=False)
        xa = _as_float(a[r : r + rows], dtype).astype(np.float32, copy=False)
        y = ((xb - xa) @ probe).astype(np.float64)
        gram += y.T @ y
        r, rows = r + rows, min(2 * rows, max_rows)
        if _rank_from_gram(gram, max(m, n)) == RANK_PROBE:
            # more rows can only add rank: the probe is saturated, stop reading
            return RANK_PROBE, False
    rank = _rank_from_gram(gram, max(m, n))
    return rank, rank < RANK_PROBE


def compare_tensor(
    a_key: str,
    b_key: str,
    a_info,
    b_info,
    load_a: ArrayLoader | None,
    load_b: ArrayLoader | None,
    *,
    stats: bool = True,
) -> ParamDiff:
    """The :class:`ParamDiff` of two tensors (``*_info``: objects with shape, dtype, hash)."""
    diff = ParamDiff(
        a_key,
        b_key,
        "same",
        list(a_info.shape),
        list(b_info.shape),
        a_info.dtype,
        b_info.dtype,
    )
    if list(a_info.shape) != list(b_info.shape) or a_info.dtype != b_info.dtype:
        diff.status = "changed"
        return diff
    if a_info.hash == b_info.hash:
        if a_info.hash is not None:
            diff.l2 = diff.relative = diff.fraction_changed = 0.0
        return diff
    diff.status = "changed"
    if not stats or load_a is None or load_b is None or a_info.hash is None or b_info.hash is None:
        return diff
    values = update_stats(load_a(a_key), load_b(b_key), a_info.dtype)
    diff.l2 = values.get("l2")
    diff.relative = values.get("relative")
    diff.fraction_changed = values["fraction_changed"]
    diff.rank = values.get("rank")
    diff.rank_exact = values.get("rank_exact")
    return diff
