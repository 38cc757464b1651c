"""Split byte planes: the entropy stage of the delta codecs.

An array of unsigned integers (usually zigzag deltas) is cut into byte planes.  The low
planes of a delta are nearly random and stay *together*, uncompressed, as the low ``r``
bytes of each element (one truncating cast, no byte shuffling); every higher plane is
stored on its own as all-zero, zstd, sparse (positions of its non-zero bytes plus their
values, for planes that are almost all zero) or raw, whichever is smallest (a sparse
plane is packed with zstd too only when a sample says zstd may be smaller).  Which low
planes are random is judged on a sample, so encoding touches each element a few times.
zstd runs with parameters tuned for such planes (:func:`plane_compressor`); a sparse
plane is decoded block by block from its positions, never as a whole zero plane.

Stream layout (little endian)::

    u8 version=1 | u8 itemsize | u8 r | u64 n
    per plane k = r .. itemsize-1:  u8 mode | u64 length | payload
    low part:                       zero bytes up to a multiple of 8 from the stream
                                    start, then n * r bytes (when r > 0)

Modes: 0 raw, 1 zstd, 2 all zero, 3 sparse (``u64 count | u64 gaps length | gaps as a
split-plane stream of uint32/uint64 (index - previous index - 1) | zstd of the values``).

:class:`PlaneWriter` and :class:`PlaneReader` work block by block so that a codec can
fuse its own transform with the plane split and keep the data in cache.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable

import numpy as np
import zstandard

from .intdelta import BLOCK, slice_elems, uint_dtype

_HEADER = struct.Struct("<BBBQ")
_PLANE = struct.Struct("<BQ")
_SPARSE = struct.Struct("<QQ")
_COUNT = struct.Struct("<Q")
_VERSION = 1
_RAW, _ZSTD, _ZERO, _SPARSE_MODE = 0, 1, 2, 3
DEFAULT_LEVEL = 1
#: a plane is stored raw when zstd does not get it below this share of its size.
_KEEP_RAW_ABOVE = 0.97
_SAMPLE_BLOCKS = 16
#: a sparse plane is also tried with zstd when zstd's sampled estimate is below this
#: share of the sparse size
_ZSTD_MARGIN = 1.25
_SAMPLE_BLOCK = 4096

BlockSource = Callable[[int, int], np.ndarray]

#: zstd settings for the default level: a 128 KiB window and the smallest match finder.
#: The planes are mostly small symbols whose only redundancy is their skew, so fewer
#: (mostly spurious) matches leave more to the Huffman stage: 3-15% smaller planes of
#: low-entropy deltas and 15-50% faster encoding than plain level 1; decoding is unchanged.
_PLANE_PARAMS = {"window_log": 17, "hash_log": 6, "min_match": 7}


_local = threading.local()


def plane_compressor(level: int = DEFAULT_LEVEL) -> zstandard.ZstdCompressor:
    """The zstd compressor of the planes (tuned parameters at the default level).

    One per thread and level, reused: a compressor is not safe to share between threads.
    """
    cache = getattr(_local, "compressors", None)
    if cache is None:
        cache = _local.compressors = {}
    cctx = cache.get(level)
    if cctx is None:
        if level != DEFAULT_LEVEL:
            cctx = zstandard.ZstdCompressor(level=level)
        else:
            params = zstandard.ZstdCompressionParameters.from_level(level, **_PLANE_PARAMS)
            cctx = zstandard.ZstdCompressor(compression_params=params)
        cache[level] = cctx
    return cctx


def sample_ranges(n: int) -> list[tuple[int, int]]:
    """Element ranges that make up the sample used to judge a stream (all of a small one)."""
    if n <= _SAMPLE_BLOCKS * _SAMPLE_BLOCK * 2:
        return [(0, n)]
    last = n - _SAMPLE_BLOCK  # evenly spread starts from 0 to the last block (integer math: cheap)
    starts = [i * last // (_SAMPLE_BLOCKS - 1) for i in range(_SAMPLE_BLOCKS)]
    return [(s, s + _SAMPLE_BLOCK) for s in starts]


def raw_low_planes(sample: np.ndarray, cctx: zstandard.ZstdCompressor) -> int:
    """How many low byte planes to keep raw (a power of two), judged on ``sample``."""
    width = sample.dtype.itemsize
    random_low = 0
    for k in range(width - 1):  # the top plane is never kept in the low part
        plane = (sample >> (8 * k)).astype(np.uint8)
        if len(cctx.compress(plane.tobytes())) < _KEEP_RAW_ABOVE * plane.size:
            break
        random_low += 1
    r = 0
    while (2 * r or 1) <= random_low:
        r = 2 * r or 1
    return r


def nonzero_positions(plane: np.ndarray) -> np.ndarray:
    """Indices of the non-zero bytes of a uint8 array (int64, ascending)."""
    return np.flatnonzero(plane != 0)  # a bool mask: numpy's fastest nonzero scan


class PlaneWriter:
    """Collects a stream block by block: ``put(start, stop, z_block)`` in order, then ``finish()``."""

    def __init__(self, n: int, dtype: np.dtype, r: int, level: int = DEFAULT_LEVEL) -> None:
        self.n, self.dtype, self.r, self.level = n, np.dtype(dtype), r, level
        width = self.dtype.itemsize
        self.low = np.empty(n, uint_dtype(r)) if r else None
        self.planes = [np.empty(n, np.uint8) for _ in range(r, width)]
        self._buf = np.empty(min(n, slice_elems(width)), self.dtype)  # the slices of delta_encode

    def put(self, s: int, e: int, z: np.ndarray) -> None:
        if self.low is not None:
            self.low[s:e] = z
        if self.planes:
            t, src = self._buf[: e - s], z
            for i, plane in enumerate(self.planes):
                if i or self.r:  # plane i: the low byte of z >> (8 * (r + i))
                    np.right_shift(src, 8 if i else 8 * self.r, out=t)
                    src = t
                plane[s:e] = src

    def finish(self, cctx: zstandard.ZstdCompressor | None = None, allow_sparse: bool = True) -> bytes:
        return b"".join(self.finish_parts(cctx, allow_sparse))

    def finish_parts(
        self, cctx: zstandard.ZstdCompressor | None = None, allow_sparse: bool = True
    ) -> list[bytes | memoryview]:
        """The stream :meth:`finish` returns, as the pieces it joins (a caller that copies
        them into a larger frame saves a copy of the stream)."""
        cctx = cctx or plane_compressor(self.level)
        parts: list[bytes | memoryview] = [_HEADER.pack(_VERSION, self.dtype.itemsize, self.r, self.n)]
        for plane in self.planes:
            parts.extend(_pack_plane(plane, cctx, allow_sparse))
        if self.low is not None:
            used = sum(len(p) for p in parts)
            parts.append(bytes(-used % 8))  # the low part starts 8-aligned
            parts.append(self.low.data.cast("B"))
        return parts


def pack_positions(pos: np.ndarray, n: int, cctx: zstandard.ZstdCompressor | None = None) -> bytes:
    """Sorted element indices below ``n`` as a stream of gaps (``u64 count`` + split planes)."""
    gaps = np.diff(np.asarray(pos, dtype=np.int64), prepend=-1) - 1
    stream = pack_split(
        gaps.astype(np.uint32 if n < 2**32 else np.uint64),
        cctx=cctx,
        allow_sparse=False,
    )
    return _COUNT.pack(len(gaps)) + stream


def unpack_positions(data: bytes | bytearray | memoryview, n: int) -> tuple[np.ndarray, int]:
    """Invert :func:`pack_positions`; returns (int64 indices, bytes consumed).

    Raises
    ------
    ValueError
        When the stream is damaged or points past ``n``.
    """
    view = memoryview(data)
    (count,) = _COUNT.unpack_from(view, 0)
    reader = PlaneReader(view[_COUNT.size :])
    if reader.n != count:
        raise ValueError("position stream is damaged")
    pos = np.cumsum(reader.read_all().astype(np.int64) + 1) - 1
    if count and (pos[-1] >= n or pos[0] < 0):
        raise ValueError("position stream points past the end of the tensor")
    return pos, _COUNT.size + reader.end


def _pack_sparse(plane: np.ndarray, nnz: int, cctx: zstandard.ZstdCompressor) -> bytes:
    pos = nonzero_positions(plane)
    n = plane.size
    gaps = np.diff(pos, prepend=-1) - 1
    gap_stream = pack_split(
        gaps.astype(np.uint32 if n < 2**32 else np.uint64),
        cctx=cctx,
        allow_sparse=False,
    )
    return b"".join([_SPARSE.pack(nnz, len(gap_stream)), gap_stream, cctx.compress(plane[pos])])


def _zstd_may_win(plane: np.ndarray, than: int, cctx: zstandard.ZstdCompressor) -> bool:
    """Whether zstd could beat ``than`` bytes on ``plane``, judged on a sample (large planes)."""
    ranges = sample_ranges(plane.size)
    if len(ranges) == 1:
        return True
    sample = np.concatenate([plane[s:e] for s, e in ranges])
    estimate = len(cctx.compress(sample.data)) * plane.size / sample.size
    return estimate < _ZSTD_MARGIN * than


def _pack_plane(plane: np.ndarray, cctx: zstandard.ZstdCompressor, allow_sparse: bool) -> list[bytes | memoryview]:
    n = plane.size
    nnz = int(np.count_nonzero(plane))
    if nnz == 0:
        return [_PLANE.pack(_ZERO, 0)]
    best_mode, best = _ZSTD, b""
    if allow_sparse and nnz * 16 < n:
        best_mode, best = _SPARSE_MODE, _pack_sparse(plane, nnz, cctx)
        # a sparse plane is nearly always smaller than zstd's: compress it whole only
        # when a sample says zstd may win (the full pass is most of a sparse plane's time)
        if _zstd_may_win(plane, len(best), cctx):
            packed = cctx.compress(plane.data)
            if len(packed) < len(best):
                best_mode, best = _ZSTD, packed
    else:
        best = cctx.compress(plane.data)
    if len(best) >= _KEEP_RAW_ABOVE * n:
        return [_PLANE.pack(_RAW, n), plane.data]
    return [_PLANE.pack(best_mode, len(best)), best]


def pack_split(
    z: np.ndarray,
    level: int = DEFAULT_LEVEL,
    *,
    cctx: zstandard.ZstdCompressor | None = None,
    allow_sparse: bool = True,
) -> bytes:
    """Encode a flat unsigned-integer array as a split-plane stream."""
    z = np.ascontiguousarray(z).reshape(-1)
    if z.dtype.kind != "u":
        raise TypeError(f"pack_split needs unsigned integers, got {z.dtype}")
    cctx = cctx or plane_compressor(level)
    n = z.size
    sample = np.concatenate([z[s:e] for s, e in sample_ranges(n)]) if n else z
    writer = PlaneWriter(n, z.dtype, raw_low_planes(sample, cctx) if n else 0, level)
    for s in range(0, n, BLOCK):
        e = min(n, s + BLOCK)
        writer.put(s, e, z[s:e])
    return writer.finish(cctx, allow_sparse)


def _unpack_plane(
    mode: int, payload: memoryview, n: int, dctx: zstandard.ZstdDecompressor
) -> np.ndarray | tuple[np.ndarray, np.ndarray] | None:
    """A decoded plane: None (all zero), its bytes, or (positions, values) of a sparse one."""
    if mode == _ZERO:
        return None
    if mode == _RAW:
        plane = np.frombuffer(payload, np.uint8)
    elif mode == _ZSTD:
        plane = np.frombuffer(dctx.decompress(payload, max_output_size=n), np.uint8)
    elif mode == _SPARSE_MODE:
        count, gap_len = _SPARSE.unpack_from(payload, 0)
        gaps = PlaneReader(payload[_SPARSE.size : _SPARSE.size + gap_len]).read_all()
        values = np.frombuffer(
            dctx.decompress(payload[_SPARSE.size + gap_len :], max_output_size=count),
            np.uint8,
        )
        if gaps.size != count or values.size != count:
            raise ValueError("sparse byte plane is damaged")
        pos = np.cumsum(gaps.astype(np.int64) + 1) - 1
        if count and pos[-1] >= n:
            raise ValueError("sparse byte plane points past the end")
        return pos, values
    else:
        raise ValueError(f"unknown byte-plane mode {mode}")
    if plane.size != n:
        raise ValueError("byte plane is truncated")
    return plane


class PlaneReader:
    """Decodes a split-plane stream; ``fill(start, stop, out)`` assembles one block."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        if len(view) < _HEADER.size:
            raise ValueError("split-plane stream is truncated")
        version, width, r, n = _HEADER.unpack_from(view, 0)
        if version != _VERSION or width not in (1, 2, 4, 8) or r not in (0, 1, 2, 4) or (r and r >= width):
            raise ValueError(f"not a split-plane stream (version {version}, width {width}, r {r})")
        self.n, self.r = n, r
        self.dtype = uint_dtype(width)
        pos = _HEADER.size
        dctx = zstandard.ZstdDecompressor()
        live = []
        sparse = []
        for k in range(r, width):
            mode, length = _PLANE.unpack_from(view, pos)
            pos += _PLANE.size
            if pos + length > len(view):
                raise ValueError("split-plane stream is truncated")
            plane = _unpack_plane(mode, view[pos : pos + length], n, dctx)
            pos += length
            if isinstance(plane, tuple):
                sparse.append((k, *plane))
            elif plane is not None:
                live.append((8 * k, plane))
        self.live = live
        #: (byte index, positions, values) of the sparse planes, written into each block
        self.sparse = sparse
        self.low = None
        if r:
            pos += -pos % 8  # padding: the low part starts 8-aligned
            low_len = n * r
            if pos + low_len > len(view):
                raise ValueError("split-plane stream is truncated")
            self.low = np.frombuffer(view[pos : pos + low_len], uint_dtype(r))
            if not self.low.flags.aligned:  # a stream nested at an odd offset: copy once
                self.low = self.low.copy()
            pos += low_len
        #: bytes of ``data`` this stream used
        self.end = pos

    def fill(self, s: int, e: int, out: np.ndarray) -> np.ndarray:
        """Write elements ``s:e`` into ``out`` (unsigned, ``e - s`` long) and return it."""
        live = self.live
        if self.low is not None:
            out[...] = self.low[s:e]  # zero-extends: the high bytes start at 0
        elif live and live[0][0] == 0:
            out[...] = live[0][1][s:e]  # the lowest plane, zero-extended (no strided write)
            live = live[1:]
        else:
            out[...] = 0
        if live:
            width = self.dtype.itemsize
            out_bytes = out.view(np.uint8)  # little endian: byte k of element i at i*width+k
            for shift, plane in live:
                k = shift // 8
                out_bytes[k::width] = plane[s:e]
        for k, pos, values in self.sparse:
            i, j = np.searchsorted(pos, (s, e))
            if j > i:
                out.view(np.uint8)[(pos[i:j] - s) * self.dtype.itemsize + k] = values[i:j]
        return out

    def read_all(self) -> np.ndarray:
        """The whole array."""
        out = np.empty(self.n, self.dtype)
        for s in range(0, self.n, BLOCK):
            e = min(self.n, s + BLOCK)
            self.fill(s, e, out[s:e])
        return out


def unpack_split(data: bytes | bytearray | memoryview) -> tuple[np.ndarray, int]:
    """Decode a split-plane stream; returns (flat unsigned array, bytes consumed)."""
    reader = PlaneReader(data)
    return reader.read_all(), reader.end
