"""A stream cut into independently coded blocks of elements (for threads and bounded memory).

Layout (little endian)::

    u8 version=1 | u64 n | u32 block | u32 count | u64 length * count | payloads

Block ``i`` holds elements ``i * block`` up to ``min(n, (i + 1) * block)``.  The block
size is chosen by the codec's config, never by the thread count, so the bytes are the
same whatever :func:`~.parallel.threads` is.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np

from .parallel import pmap

_HEADER = struct.Struct("<BQII")
_VERSION = 1


def block_ranges(n: int, block: int) -> list[tuple[int, int]]:
    """(start, stop) of every block of a stream of ``n`` elements (one empty block when n is 0)."""
    if n == 0:
        return [(0, 0)]
    return [(s, min(n, s + block)) for s in range(0, n, block)]


def pack_blocks(n: int, block: int, encode: Callable[[int, int], bytes | bytearray]) -> bytearray:
    """Frame ``encode(start, stop)`` of every block (run on the codec thread pool)."""
    if block < 1:
        raise ValueError("block size must be positive")
    ranges = block_ranges(n, block)
    parts = pmap(lambda r: encode(*r), ranges)
    out = bytearray(_HEADER.pack(_VERSION, n, block, len(parts)))
    out += np.array([len(p) for p in parts], dtype="<u8").tobytes()
    for p in parts:
        out += p
    return out


def unpack_blocks(data: bytes | bytearray | memoryview) -> tuple[int, list[tuple[int, int, memoryview]]]:
    """(n, [(start, stop, payload)]) of a framed stream.

    Raises
    ------
    ValueError
        When the frame is truncated, damaged or has trailing bytes.
    """
    view = memoryview(data).cast("B")
    if len(view) < _HEADER.size:
        raise ValueError("block stream is truncated")
    version, n, block, count = _HEADER.unpack_from(view, 0)
    if version != _VERSION or block < 1:
        raise ValueError(f"not a block stream (version {version}, block {block})")
    ranges = block_ranges(n, block)
    if count != len(ranges):
        raise ValueError("block stream is damaged (block count does not match its size)")
    pos = _HEADER.size + 8 * count
    if pos > len(view):
        raise ValueError("block stream is truncated")
    lengths = np.frombuffer(view[_HEADER.size : pos], dtype="<u8")
    out = []
    for (s, e), length in zip(ranges, lengths.tolist(), strict=True):
        if pos + length > len(view):
            raise ValueError("block stream is truncated")
        out.append((s, e, view[pos : pos + length]))
        pos += length
    if pos != len(view):
        raise ValueError("block stream has trailing bytes")
    return n, out
