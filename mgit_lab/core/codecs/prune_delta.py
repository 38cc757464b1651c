"""``prune-delta``: a child that is its parent times a 0/1 mask (magnitude pruning).

The mask is *predicted* from the parent: ``keep = |parent| >= t`` with one stored
threshold ``t`` (the smallest magnitude the child kept), so magnitude pruning at any
sparsity costs a few bytes.  Pruned elements are +0.0 or, when the pruning multiplied by
zero, a zero with the parent's sign; the stream records which.  When the prediction is
poor (random or structured pruning) an explicit packed bitmask is stored instead.  Any
element the prediction gets wrong (ties at the threshold, values that are neither the
parent's nor zero) is corrected by an ordered delta against the prediction.

Stream: ``u8 version=1 | u8 mask mode (0 threshold, 1 bitmask) | u8 zero sign (0 +0.0,
1 parent's sign) | u64 threshold magnitude bits or bitmask length [| zstd(packbits)]``
then a :mod:`.deltastream` of the child against the prediction.
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from .abc import FLOAT_DTYPES, Buffer, TensorSpec
from .byteplanes import ZstdLevelCodec
from .deltastream import pack_delta, unpack_delta
from .intdelta import uint_dtype

_HEAD = struct.Struct("<BBBQ")
_VERSION = 1
_THRESHOLD, _BITMASK = 0, 1
#: try the explicit bitmask when more than this share of elements is mispredicted
_POOR_PREDICTION = 1 / 256


def _bits(array: np.ndarray) -> np.ndarray:
    flat = np.ascontiguousarray(array).reshape(-1)
    return flat.view(uint_dtype(flat.dtype.itemsize))


def _prediction(p: np.ndarray, keep: np.ndarray, signed_zero: bool) -> np.ndarray:
    sign = p.dtype.type(1 << (8 * p.dtype.itemsize - 1))
    zero = (p & sign) if signed_zero else np.zeros_like(p)
    return np.where(keep, p, zero)


class PruneDelta(ZstdLevelCodec):
    id = "prune-delta"
    description = "lossless delta: the parent with pruned elements zeroed (mask predicted from magnitudes)"
    needs_base = True

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        return super().accepts(spec, base_spec) and spec.dtype in FLOAT_DTYPES

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        if base is None:
            raise ValueError("prune-delta needs a base")
        c, p = _bits(array), _bits(base)
        if c.shape != p.shape or c.dtype != p.dtype:
            raise ValueError("prune-delta needs child and base of equal size and dtype")
        magmask = p.dtype.type((1 << (8 * p.dtype.itemsize - 1)) - 1)
        pmag = p & magmask
        kept = (c == p) & (pmag != 0)
        zeroed = ((c & magmask) == 0) & (pmag != 0)
        sign = p.dtype.type(1 << (8 * p.dtype.itemsize - 1))
        signed_zero = np.count_nonzero(zeroed & (c == (p & sign))) > np.count_nonzero(zeroed & (c == 0))
        threshold = int(pmag[kept].min()) if kept.any() else int(magmask) + 1
        keep = pmag >= threshold
        pred = _prediction(p, keep, bool(signed_zero))
        head = _HEAD.pack(_VERSION, _THRESHOLD, int(signed_zero), threshold)
        best = head + pack_delta(c, pred, self.level)
        if np.count_nonzero(pred != c) > _POOR_PREDICTION * c.size:
            mask = zstandard.ZstdCompressor(level=self.level).compress(np.packbits(kept | (c == p)).data)
            pred = _prediction(p, kept | (c == p), bool(signed_zero))
            alt = _HEAD.pack(_VERSION, _BITMASK, int(signed_zero), len(mask)) + mask + pack_delta(c, pred, self.level)
            if len(alt) < len(best):
                best = alt
        return best

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None:
            raise ValueError("prune-delta needs a base")
        version, mode, signed_zero, value = _HEAD.unpack_from(data, 0)
        if version != _VERSION or mode not in (_THRESHOLD, _BITMASK):
            raise ValueError(f"unknown prune-delta stream version {version} / mode {mode}")
        p = _bits(base)
        pos = _HEAD.size
        if mode == _THRESHOLD:
            magmask = p.dtype.type((1 << (8 * p.dtype.itemsize - 1)) - 1)
            keep = (p & magmask) >= value if value <= int(magmask) else np.zeros(p.size, bool)
        else:
            packed = zstandard.ZstdDecompressor().decompress(
                memoryview(data)[pos : pos + value], max_output_size=(p.size + 7) // 8
            )
            if len(packed) != (p.size + 7) // 8:
                raise ValueError("prune-delta bitmask has the wrong length")
            keep = np.unpackbits(np.frombuffer(packed, np.uint8), count=p.size).astype(bool)
            pos += value
        pred = _prediction(p, keep, bool(signed_zero))
        out, end = unpack_delta(memoryview(data)[pos:], pred)
        if pos + end != len(data):
            raise ValueError("prune-delta stream has trailing bytes")
        return out.view(spec.storage_dtype).reshape(spec.shape)
