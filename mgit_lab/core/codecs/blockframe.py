"""A stream cut into independently coded blocks of elements (for threads and bounded memory).

Layout (little endian)::

    u8 version=1 | u64 n | u32 block | u32 count | u64 length * count | payloads

Block ``i`` holds elements ``i * block`` up to ``min(n, (i + 1) * block)``.  The block
size is chosen by the codec's config, never by the thread count, so the bytes are the
same whatever :func:`~.parallel.threads` is.
"""

from __future__ import annotations

import ctypes
import functools
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


def _uninitialized(n: int) -> bytearray:
    """A bytearray of ``n`` bytes whose contents are not set (CPython's
    ``PyByteArray_FromStringAndSize(NULL, n)``: no zero-fill; every byte is written after)."""
    make = _bytearray_constructor()
    if make is None:
        return bytearray(n)
    out: bytearray = make(None, n)
    return out


@functools.cache
def _bytearray_constructor() -> Callable[[None, int], bytearray] | None:
    try:
        fn = ctypes.pythonapi.PyByteArray_FromStringAndSize
    except AttributeError:  # not CPython
        return None
    fn.restype = ctypes.py_object
    fn.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    return fn


def pack_blocks(n: int, block: int, encode: Callable[[int, int], bytes | bytearray]) -> bytearray:
    """Frame ``encode(start, stop)`` of every block (run on the codec thread pool)."""
    if block < 1:
        raise ValueError("block size must be positive")
    ranges = block_ranges(n, block)
    parts = pmap(lambda r: encode(*r), ranges)
    lengths = np.array([len(p) for p in parts], dtype="<u8")
    head = _HEADER.size + lengths.nbytes
    # one allocation of the exact size, not zero-filled, the payloads copied in on the pool
    # (numpy copies release the GIL, and the pages are first touched there): zeroing and
    # growing a bytearray part by part was a fifth of an encode, all of it serial
    out = _uninitialized(head + int(lengths.sum()))
    out[: _HEADER.size] = _HEADER.pack(_VERSION, n, block, len(parts))
    out[_HEADER.size : head] = lengths.tobytes()
    if len(parts) == 1:
        out[head:] = parts[0]
        return out
    dest = np.frombuffer(out, dtype=np.uint8)
    starts = [head]
    for p in parts[:-1]:
        starts.append(starts[-1] + len(p))

    def place(i: int) -> None:
        dest[starts[i] : starts[i] + len(parts[i])] = np.frombuffer(parts[i], dtype=np.uint8)
        parts[i] = b""  # freed on the pool too

    pmap(place, range(len(parts)))
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
