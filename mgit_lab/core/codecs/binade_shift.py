"""The shift of ``binade-delta``: small parents' high delta bytes moved right, and back.

Where the parent's key is below the plan's threshold (see :mod:`.binade_classes`), the high
part of the delta (the bytes above the ``r`` raw low ones) is shifted right by ``shift``
bits; the bits shifted out are kept, in element order, as one uint8 per such element.
Decoding finds the same elements from the parent (two integer operations and a
``flatnonzero`` per element) and puts the bits back.
"""

from __future__ import annotations

import threading

import numpy as np

from .binade_classes import small_parents
from .intdelta import uint_dtype

_local = threading.local()


def scratch(n: int, dtype: np.dtype) -> np.ndarray:
    """A per-thread buffer of ``n`` elements, reused (no page faults per block)."""
    buf = getattr(_local, "buf", None)
    if buf is None or buf.nbytes < n * dtype.itemsize:
        buf = _local.buf = np.empty(max(n * dtype.itemsize, 8), np.uint8)
    return buf[: n * dtype.itemsize].view(dtype)


def _high_half(z: np.ndarray, r: int) -> np.ndarray | None:
    """The high halves of the words of ``z`` as a strided view, when the high part is one."""
    if 2 * r != z.dtype.itemsize:
        return None
    return z.view(uint_dtype(r))[1::2]


def shift_out(z: np.ndarray, where: np.ndarray, r: int, shift: int) -> np.ndarray:
    """Shift the high parts of ``z[where]`` right by ``shift`` bits (in place); returns the
    bits shifted out (uint8)."""
    half = _high_half(z, r)
    if half is not None:
        high = half[where]
        half[where] = high >> half.dtype.type(shift)
        return (high & half.dtype.type((1 << shift) - 1)).astype(np.uint8)
    t = z.dtype.type
    v = z[where]
    high = v >> t(8 * r)
    z[where] = ((high >> t(shift)) << t(8 * r)) | (v & t((1 << (8 * r)) - 1))
    return (high & t((1 << shift) - 1)).astype(np.uint8)


def shift_in(z: np.ndarray, where: np.ndarray, moved: np.ndarray, r: int, shift: int) -> None:
    """Invert :func:`shift_out` (in place)."""
    half = _high_half(z, r)
    if half is not None:
        half[where] = (half[where] << half.dtype.type(shift)) | moved
        return
    t = z.dtype.type
    v = z[where]
    high = ((v >> t(8 * r)) << t(shift)) | moved
    z[where] = (high << t(8 * r)) | (v & t((1 << (8 * r)) - 1))


class ShiftedBits:
    """The bits shifted out of one block's small parents, put back range by range."""

    def __init__(self, moved: np.ndarray, parent_bits: np.ndarray, threshold: int, r: int, shift: int) -> None:
        if moved.dtype != np.uint8:
            raise ValueError("binade-delta shifted bits are damaged")
        self.moved, self.parent_bits = moved, parent_bits
        self.threshold, self.r, self.shift = threshold, r, shift
        self.used = 0

    def apply(self, a: int, b: int, z: np.ndarray) -> None:
        """Undo the shift in ``z``, the deltas of the block's elements ``a:b``."""
        where = np.flatnonzero(small_parents(self.parent_bits[a:b], self.threshold))
        moved = self.moved[self.used : self.used + where.size]
        if moved.size != where.size:
            raise ValueError("binade-delta shifted bits do not match the parent's exponents")
        shift_in(z, where, moved, self.r, self.shift)
        self.used += where.size

    def finish(self) -> None:
        if self.used != self.moved.size:
            raise ValueError("binade-delta shifted bits do not match the parent's exponents")
