"""``lowrank-delta``: a child that is its parent plus a low-rank update (merged LoRA, SVD edit).

``child - parent`` (exact in float64) is factorised as ``US @ V`` of a small rank found
with a randomized range finder, the factors are stored as float32, and the child is
rebuilt as::

    recon = round_to_dtype(float64(parent) + outer(US[:, 0], V[0]) + ... + outer(US[:, r-1], V[r-1]))

with elementwise numpy operations in that fixed order (each product of two float32 values
is exact in float64), never a matrix product: BLAS may sum in another order on another
machine, this is bit-identical everywhere.  The few ulps where ``recon`` misses the child
(the rounding of the merge itself) are stored as an ordered delta, mostly zeros.

Only whole 2-D float tensors (``elementwise = False``).

Stream: ``u8 version=1 | u32 rank | u32 rows | u32 cols | u64 factors length |
byte-plane zstd of US (rows x rank) then V (rank x cols), float32`` then a
:mod:`.deltastream` of the child against ``recon``.
"""

from __future__ import annotations

import struct

import numpy as np

from .abc import FLOAT_DTYPES, Buffer, Codec, CodecNotApplicable, TensorSpec
from .byteplanes import pack_planes, unpack_planes
from .deltastream import pack_delta, unpack_delta
from .floatbits import from_float, logical_float, to_float
from .splitplanes import DEFAULT_LEVEL

_HEAD = struct.Struct("<BIIIQ")
_VERSION = 1
_OVERSAMPLE = 8
_ROW_BLOCK = 64
#: accept a rank whose leftover energy is within this factor of the rounding noise.
_NOISE_FACTOR = 4.0


def reconstruct(base: np.ndarray, us: np.ndarray, v: np.ndarray, dtype: str) -> np.ndarray:
    """``base + us @ v`` rounded to ``dtype``, elementwise in a fixed order (see module doc)."""
    rows, cols = base.shape
    out = np.empty((rows, cols), dtype=base.dtype)
    us64 = us.astype(np.float64)
    v64 = v.astype(np.float64)
    for r0 in range(0, rows, _ROW_BLOCK):
        r1 = min(rows, r0 + _ROW_BLOCK)
        acc = to_float(base[r0:r1])
        with np.errstate(invalid="ignore", over="ignore"):
            for k in range(us64.shape[1]):
                acc += np.multiply.outer(us64[r0:r1, k], v64[k])
        out[r0:r1] = from_float(acc, dtype)
    return out


def _noise_energy(child64: np.ndarray, dtype: str) -> float:
    """Energy of a rounding error of half an ulp of the child's dtype, spread uniformly."""
    narrow = {
        "float64": np.float64,
        "float32": np.float32,
        "float16": np.float16,
        "bfloat16": np.float32,
    }[dtype]
    with np.errstate(over="ignore", invalid="ignore"):
        ulp = np.spacing(np.abs(child64).astype(narrow)).astype(np.float64)
    if dtype == "bfloat16":
        ulp *= 2.0**16
    ulp = ulp[np.isfinite(ulp)]
    return float(np.sum(ulp * ulp) / 12.0)


def looks_low_rank(child: np.ndarray, base: np.ndarray, max_rank: int) -> bool:
    """Cheap test on a spread submatrix: could ``child - base`` have rank <= ``max_rank``?"""
    if child.ndim != 2 or min(child.shape) <= max_rank * 2:
        return False
    k = min(min(child.shape), 2 * max_rank + 16)
    # evenly spread rows and columns (deterministic; a low-rank update is low rank in any)
    rows = np.linspace(0, child.shape[0] - 1, k).astype(np.int64)
    cols = np.linspace(0, child.shape[1] - 1, k).astype(np.int64)
    dtype = logical_float(child.dtype)
    if dtype is None:
        return False
    c = to_float(child[np.ix_(rows, cols)])
    with np.errstate(invalid="ignore", over="ignore"):
        d = c - to_float(base[np.ix_(rows, cols)])
    d[~np.isfinite(d)] = 0.0
    if not d.any():
        return False
    s = np.linalg.svd(d, compute_uv=False)
    tail = float(np.sum(s[max_rank:] ** 2))
    return tail <= _NOISE_FACTOR * _noise_energy(c, dtype)


def factorize(delta: np.ndarray, max_rank: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """float32 factors ``(us, v)`` of the smallest rank whose leftover energy is near ``noise``.

    Raises
    ------
    CodecNotApplicable
        When no rank up to ``max_rank`` explains ``delta``.
    """
    rows, cols = delta.shape
    k = min(rows, cols, max_rank + _OVERSAMPLE)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(delta @ rng.standard_normal((cols, k)))
    b = q.T @ delta
    ub, s, vt = np.linalg.svd(b, full_matrices=False)
    total = float(np.sum(delta * delta))
    if total == 0.0:
        raise CodecNotApplicable("the tensor did not change")
    left = total - np.cumsum(s * s)
    fits = np.flatnonzero(left[:max_rank] <= _NOISE_FACTOR * noise)
    if fits.size == 0:
        raise CodecNotApplicable(f"the update is not of rank <= {max_rank}")
    r = int(fits[0]) + 1
    us = ((q @ ub[:, :r]) * s[:r]).astype(np.float32)
    return us, vt[:r].astype(np.float32)


class LowRankDelta(Codec):
    id = "lowrank-delta"
    description = "lossless delta: a low-rank update (float32 factors) plus the rounding residual"
    needs_base = True
    elementwise = False

    def __init__(self, max_rank: int = 64, level: int = DEFAULT_LEVEL) -> None:
        self.max_rank = int(max_rank)
        self.level = int(level)

    def get_config(self) -> dict:
        return {"id": self.id, "max_rank": self.max_rank, "level": self.level}

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        return super().accepts(spec, base_spec) and spec.dtype in FLOAT_DTYPES and len(spec.shape) == 2

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        dtype = logical_float(array.dtype)
        if base is None or dtype is None or array.ndim != 2 or base.shape != array.shape:
            raise CodecNotApplicable("lowrank-delta needs a 2-D float child and a base of the same shape")
        child64 = to_float(array)
        with np.errstate(invalid="ignore", over="ignore"):
            delta = child64 - to_float(base)
        delta[~np.isfinite(delta)] = 0.0  # NaN/inf elements are left to the residual
        rows, cols = array.shape
        useful = min(self.max_rank, rows * cols // (2 * (rows + cols)))  # factors under half the tensor
        if useful < 1:
            raise CodecNotApplicable("the tensor is too small for a low-rank factorisation to pay")
        us, v = factorize(delta, useful, _noise_energy(child64, dtype))
        recon = reconstruct(base, us, v, dtype)
        factors = pack_planes(np.concatenate([us.reshape(-1), v.reshape(-1)]), self.level)
        head = _HEAD.pack(_VERSION, us.shape[1], array.shape[0], array.shape[1], len(factors))
        return head + factors + pack_delta(array, recon, self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None:
            raise ValueError("lowrank-delta needs a base")
        version, rank, rows, cols, flen = _HEAD.unpack_from(data, 0)
        if version != _VERSION or (rows, cols) != tuple(spec.shape):
            raise ValueError(f"lowrank-delta stream v{version} of {rows}x{cols} does not match {spec.shape}")
        pos = _HEAD.size
        factors = unpack_planes(memoryview(data)[pos : pos + flen], np.dtype(np.float32))
        if factors.size != rank * (rows + cols):
            raise ValueError("lowrank-delta factors are damaged")
        us = factors[: rows * rank].reshape(rows, rank)
        v = factors[rows * rank :].reshape(rank, cols)
        recon = reconstruct(np.asarray(base).reshape(rows, cols), us, v, spec.dtype)
        pos += flen
        out, end = unpack_delta(memoryview(data)[pos:], recon)
        if pos + end != len(data):
            raise ValueError("lowrank-delta stream has trailing bytes")
        return out.view(spec.storage_dtype).reshape(spec.shape)
