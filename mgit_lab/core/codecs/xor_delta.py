"""``xor-delta``: lossless delta, XOR of the bit patterns against the base, then byte planes.

Exact by construction (unlike ``child - parent`` in floating point, which loses bits and
turns -0.0 into +0.0).  Unchanged elements XOR to zero, and the high (sign/exponent)
planes of small updates are nearly all zero.
"""

from __future__ import annotations

import numpy as np

from .abc import Buffer, TensorSpec
from .byteplanes import ZstdLevelCodec, pack_planes, unpack_planes

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64, 16: np.uint64}


def bits(array: np.ndarray) -> np.ndarray:
    """The array's bit patterns as unsigned integers (complex: two words per element)."""
    flat = np.ascontiguousarray(array).reshape(-1)
    size = flat.dtype.itemsize
    return flat.view(_UINT[size] if size <= 8 else np.uint64)


class XorDelta(ZstdLevelCodec):
    id = "xor-delta"
    description = "lossless delta: XOR with the parent's bits, byte planes, zstd"
    needs_base = True

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        assert base is not None
        return pack_planes(np.bitwise_xor(bits(array), bits(base)), self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        assert base is not None
        b = bits(base)
        x = unpack_planes(data, b.dtype)
        np.bitwise_xor(x, b, out=x)
        return x.view(spec.storage_dtype).reshape(spec.shape)
