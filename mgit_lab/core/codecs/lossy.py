"""``lossy-delta`` / ``lossy-quant``: error-bounded uniform quantisation, entropy coded.

Used only when a caller passes an error bound (``put(..., lossy_bound=b)``); the bound
is part of the codec's config, so every stored chunk records it.  For each element::

    q     = round((child - base) / (2 b))                    (float64, then integers)
    recon = round_to_dtype(base + q * (2 b))                 (in float32, or float64)
    |recon - child| <= b   checked element-wise; where rounding broke it (or the value is
                           not finite) the child's exact bits are stored instead.

``lossy-delta`` quantises against the base it is given, which the store passes as the
*decoded* parent: along a chain of lossy generations every one is within ``b`` of what
was put, the error does not accumulate.  ``lossy-quant`` is the same against zero (no
parent).  ``q`` is zigzag-coded through split byte planes (small integers compress to a
few bits each, runs of zeros to nothing).

Stream: ``u8 version=1 | f64 bound | u64 q length | q stream | exception positions
(:func:`~.splitplanes.pack_positions`) | raw bits of the exceptions, byte planes + zstd``.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from .abc import FLOAT_DTYPES, Buffer, Codec, TensorSpec
from .byteplanes import pack_planes, unpack_planes
from .floatbits import from_float, logical_float, to_float
from .intdelta import int_view, unzigzag, zigzag
from .splitplanes import (
    pack_positions,
    pack_split,
    unpack_positions,
    unpack_split,
)

_HEAD = struct.Struct("<BdQ")
_VERSION = 1
_QMAX = 2**31 - 1


def _recon(base: np.ndarray | None, q: np.ndarray, step: float, dtype: str) -> np.ndarray:
    """``base + q * step`` in the storage float type (float32 for the 16-bit types)."""
    wide = np.float64 if dtype == "float64" else np.float32
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.multiply(q, step, dtype=wide)
        if base is not None:
            values = to_float(base.reshape(-1), np.dtype(wide).name) + values
        return from_float(values, dtype)


class LossyDelta(Codec):
    id = "lossy-delta"
    description = "lossy delta: uniform quantisation of child - parent within a declared absolute error bound"
    lossless = False
    needs_base = True

    def __init__(self, error_bound: float, level: int = 3) -> None:
        bound = float(error_bound)
        if not (bound > 0 and math.isfinite(bound)):
            raise ValueError(f"the error bound must be a positive number, got {error_bound!r}")
        self.error_bound = bound
        self.level = int(level)

    def get_config(self) -> dict[str, Any]:
        return {"id": self.id, "error_bound": self.error_bound, "level": self.level}

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        return spec.dtype in FLOAT_DTYPES and (not self.needs_base or super().accepts(spec, base_spec))

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        dtype = logical_float(array.dtype)
        if dtype is None:
            raise ValueError(f"{self.id} encodes float tensors only, got {array.dtype}")
        if self.needs_base and (base is None or base.dtype != array.dtype or base.size != array.size):
            raise ValueError(f"{self.id} needs a base of the same dtype and size")
        base = base if self.needs_base else None
        child = to_float(np.ascontiguousarray(array).reshape(-1))
        step = 2.0 * self.error_bound
        with np.errstate(over="ignore", invalid="ignore"):
            ref = to_float(base.reshape(-1)) if base is not None else 0.0
            qf = np.rint((child - ref) / step)
        ok = np.isfinite(qf) & (np.abs(qf) <= _QMAX)
        q = np.where(ok, qf, 0.0).astype(np.int32)
        recon = to_float(_recon(base, q, step, dtype))
        with np.errstate(invalid="ignore"):
            bad = ~(np.abs(recon - child) <= self.error_bound)
        q[bad] = 0
        pos = np.flatnonzero(bad)
        qs = pack_split(zigzag(q), self.level)
        exact = int_view(np.ascontiguousarray(array).reshape(-1))[pos]
        parts = [
            _HEAD.pack(_VERSION, self.error_bound, len(qs)),
            qs,
            pack_positions(pos, child.size),
            pack_planes(exact, self.level),
        ]
        return b"".join(parts)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        version, bound, qlen = _HEAD.unpack_from(data, 0)
        if version != _VERSION:
            raise ValueError(f"unknown {self.id} stream version {version}")
        if self.needs_base and base is None:
            raise ValueError(f"{self.id} needs a base")
        view = memoryview(data)
        pos = _HEAD.size
        z, used = unpack_split(view[pos : pos + qlen])
        if used != qlen or z.size != spec.size or z.dtype != np.uint32:
            raise ValueError(f"{self.id} stream is damaged")
        pos += qlen
        out = _recon(
            base if self.needs_base else None,
            unzigzag(z, np.dtype(np.int32)),
            2.0 * bound,
            spec.dtype,
        )
        where, used = unpack_positions(view[pos:], spec.size)
        pos += used
        ints = int_view(out)
        exact = unpack_planes(view[pos:], ints.dtype)
        if exact.size != where.size:
            raise ValueError(f"{self.id} exceptions are damaged")
        ints[where] = exact
        return out.reshape(spec.shape)


class LossyQuant(LossyDelta):
    id = "lossy-quant"
    description = "lossy: uniform quantisation of the values within a declared absolute error bound (no parent)"
    needs_base = False
