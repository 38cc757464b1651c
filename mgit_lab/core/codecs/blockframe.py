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
import sys
from collections.abc import Callable, Sequence

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
    ``PyByteArray_FromStringAndSize(NULL, n)``: no zero-fill; every byte is written after),
    in huge pages where Linux allows (see :func:`_advise_huge_pages`)."""
    make = _bytearray_constructor()
    if make is None:
        return bytearray(n)
    out: bytearray = make(None, n)
    _advise_huge_pages(out)
    return out


_HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14


def _advise_huge_pages(buf: bytearray) -> None:
    """Ask Linux for transparent huge pages under the 2 MiB-aligned part of a large ``buf``
    (what numpy does for its own arrays of 4 MiB and more): its first writes then fault
    once per 2 MiB, not per 4 KiB; those faults were most of the time spent copying the
    payloads into a frame.  A no-op elsewhere or when refused."""
    if len(buf) < 2 * _HUGE_PAGE:
        return
    madvise = _madvise()
    if madvise is None:
        return
    anchor = ctypes.c_char.from_buffer(buf)
    addr = ctypes.addressof(anchor)
    start = -(-addr // _HUGE_PAGE) * _HUGE_PAGE
    end = (addr + len(buf)) // _HUGE_PAGE * _HUGE_PAGE
    if end > start:
        madvise(start, end - start, _MADV_HUGEPAGE)  # advice only: a refusal changes nothing
    del anchor


@functools.cache
def _madvise() -> Callable[[int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None).madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


@functools.cache
def _bytearray_constructor() -> Callable[[None, int], bytearray] | None:
    try:
        fn = ctypes.pythonapi.PyByteArray_FromStringAndSize
    except AttributeError:  # not CPython
        return None
    fn.restype = ctypes.py_object
    fn.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    return fn


#: what a block encoder returns: its payload, or the pieces that make it up in order
#: (copied once, straight into the frame, rather than joined first)
Piece = bytes | bytearray | memoryview
Payload = Piece | Sequence[Piece]


def pack_blocks(n: int, block: int, encode: Callable[[int, int], Payload]) -> bytearray:
    """Frame ``encode(start, stop)`` of every block (run on the codec thread pool)."""
    if block < 1:
        raise ValueError("block size must be positive")
    ranges = block_ranges(n, block)
    parts: list[Sequence[Piece]] = [
        [p] if isinstance(p, bytes | bytearray | memoryview) else p for p in pmap(lambda r: encode(*r), ranges)
    ]
    lengths = np.array([sum(memoryview(q).nbytes for q in p) for p in parts], dtype="<u8")
    # one allocation of the exact size, not zero-filled, the payloads copied in on the pool
    # (numpy copies release the GIL, and the pages are first touched there): zeroing and
    # growing a bytearray part by part was a fifth of an encode, all of it serial
    head = _HEADER.pack(_VERSION, n, block, len(parts))
    return concat([head, lengths.tobytes(), *(q for p in parts for q in p)])


#: pieces of at most this many bytes are copied by the calling thread (a pool task for a
#: few bytes of block header costs more than the copy)
_INLINE = 1 << 16


def concat(pieces: Sequence[Piece]) -> bytearray:
    """``b"".join(pieces)`` as a bytearray allocated once (not zero-filled, huge pages),
    the large pieces copied in on the codec pool."""
    sizes = [memoryview(q).nbytes for q in pieces]
    out = _uninitialized(sum(sizes))
    dest = np.frombuffer(out, dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist() if sizes else []

    def place(i: int) -> None:
        dest[starts[i] : starts[i] + sizes[i]] = np.frombuffer(pieces[i], dtype=np.uint8)

    large = [i for i, size in enumerate(sizes) if size > _INLINE]
    for i, size in enumerate(sizes):
        if 0 < size <= _INLINE:
            place(i)
    pmap(place, large)
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
