"""A child stored as its integer delta against a base, through split byte planes.

The shared stage of ``ordered-delta`` and of the residuals of the structure-aware codecs
(low rank, prune, cast): :func:`~.intdelta.delta_encode` fused block by block with
:class:`~.splitplanes.PlaneWriter`, so each element is read once and never held twice.
"""

from __future__ import annotations

import numpy as np
import zstandard

from .intdelta import BLOCK, delta_decode, delta_encode, int_view, uint_dtype
from .splitplanes import (
    DEFAULT_LEVEL,
    PlaneReader,
    PlaneWriter,
    plane_compressor,
    raw_low_planes,
    sample_ranges,
)


def magnitude_order(base: np.ndarray) -> np.ndarray:
    """A stable permutation grouping elements by the top 8 magnitude bits of ``base``.

    For floats these are the exponent bits: elements of one binade have deltas of a
    similar size in ulps, so their high delta bytes compress much better together.
    """
    p = int_view(base)
    u = p.view(uint_dtype(p.dtype.itemsize))
    key = ((u << 1) >> (8 * p.dtype.itemsize - 8)).astype(np.uint8)
    return np.argsort(key, kind="stable")


def low_planes(child: np.ndarray, base: np.ndarray, cctx: zstandard.ZstdCompressor) -> int:
    """How many low byte planes of the delta to keep raw, judged on a sample."""
    c, p = int_view(child), int_view(base)
    ranges = sample_ranges(c.size)
    sample = delta_encode(np.concatenate([c[s:e] for s, e in ranges]), np.concatenate([p[s:e] for s, e in ranges]))
    assert sample is not None
    return raw_low_planes(sample, cctx) if c.size else 0


def pack_delta(
    child: np.ndarray,
    base: np.ndarray,
    level: int = DEFAULT_LEVEL,
    *,
    group: bool = False,
    low: int | None = None,
) -> bytes | bytearray:
    """Split-plane stream of the zigzag delta of ``child`` against ``base`` (same dtype and size).

    With ``group`` the deltas are stored in :func:`magnitude_order` of the base (smaller
    for fine-tunes, slower: a sort when encoding and when decoding).  ``low`` (the number
    of low byte planes kept raw) skips judging it on a sample: the blocks of one tensor
    share it.
    """
    if np.dtype(child.dtype) != np.dtype(base.dtype) or child.size != base.size:
        raise ValueError("a delta needs child and base of equal size and dtype")
    c, p = int_view(child), int_view(base)
    if c.dtype != p.dtype or c.size != p.size:
        raise ValueError("a delta needs child and base of equal size and dtype")
    cctx = plane_compressor(level)
    n = c.size
    ranges = sample_ranges(n)
    if low is not None and not group:
        return b"".join(delta_parts(c, p, level, low))
    if group or len(ranges) == 1:
        z = delta_encode(c, p)
        assert z is not None
        if group:
            z = z[magnitude_order(p)]
        assert z is not None
        r = raw_low_planes(z, cctx) if n else 0
        writer = PlaneWriter(n, z.dtype, r, level)
        for s in range(0, n, BLOCK):
            writer.put(s, min(n, s + BLOCK), z[s : s + BLOCK])
        return writer.finish(cctx)
    sample = delta_encode(
        np.concatenate([c[s:e] for s, e in ranges]),
        np.concatenate([p[s:e] for s, e in ranges]),
    )
    assert sample is not None
    writer = PlaneWriter(n, sample.dtype, raw_low_planes(sample, cctx), level)
    delta_encode(c, p, sink=writer.put)
    return writer.finish(cctx)


def delta_parts(child: np.ndarray, base: np.ndarray, level: int, low: int) -> list[bytes | memoryview]:
    """:func:`pack_delta` with ``low`` given (no grouping), as the pieces of its stream (see
    :meth:`.splitplanes.PlaneWriter.finish_parts`): the blocks of ``ordered-delta`` are
    copied once, into their frame."""
    c, p = int_view(child), int_view(base)
    if c.dtype != p.dtype or c.size != p.size:
        raise ValueError("a delta needs child and base of equal size and dtype")
    writer = PlaneWriter(c.size, uint_dtype(c.dtype.itemsize), low, level)
    delta_encode(c, p, sink=writer.put)
    return writer.finish_parts(plane_compressor(level))


def unpack_delta(
    data: bytes | bytearray | memoryview,
    base: np.ndarray,
    *,
    group: bool = False,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Invert :func:`pack_delta`; returns (flat child in ``base``'s dtype, bytes consumed).

    ``out`` (flat, ``base``'s size and dtype) receives the child when given.
    """
    reader = PlaneReader(data)
    p = int_view(base)
    if reader.n != p.size or reader.dtype != uint_dtype(p.dtype.itemsize):
        raise ValueError(f"delta stream of {reader.n} x {reader.dtype} does not match its base")
    if group:
        z = np.empty(p.size, reader.dtype)
        z[magnitude_order(p)] = reader.read_all()
        out = delta_decode(z, p, out)
    else:
        out = delta_decode(reader.fill, p, out)
    return out.view(np.ascontiguousarray(base).dtype), reader.end
