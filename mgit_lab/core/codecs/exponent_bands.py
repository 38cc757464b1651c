"""``exponent-bands``: lossless whole-tensor coding of matrices whose rows or columns differ in scale.

``float-planes`` codes the exponent byte plane of a tensor with one Huffman table per
zstd block, so it pays the entropy of the *mixture* of every row's exponents.  Trained
weight matrices often have rows (output channels) or columns (input features: the
lineage's word embedding) whose magnitudes differ; their exponents are then predictable
from the row or column they sit in.  This codec conditions on that:

1. The tensor is seen as a matrix ``(prod(shape[:-1]), shape[-1])``.  The mean exponent
   field of every row and of every column is measured (on a strided sample of about 64
   columns or rows); the axis whose means spread more (interquartile range) is the *band
   axis* (columns: the matrix is transposed first).
2. The lines (rows of the possibly transposed matrix) are put into ``k`` classes of equal
   population by the quantiles of their mean exponent (``k <= classes``, and every class
   holds at least ``min_band`` elements on average).
3. Lines are stably sorted by class; each class is a contiguous *band* coded on its own as
   a ``float-planes`` stream (own bit rotation, own Huffman tables, parallel blocks of
   whole lines: ``block // width`` lines each, so the decoder puts every decoded block's
   lines straight into their places).

The decoder rebuilds the order from the class map alone (a stable sort), so the bytes
never depend on the thread count.  Every bit pattern (NaN payloads, -0.0, infinities,
subnormals) is only moved, never changed.

Layout (little endian)::

    u8 version=1 | u8 transposed | u16 k | u32 lines | u32 width | u32 map length |
    class map (zstd of one u8 class per line) | u64 length * k | k float-planes streams

The codec needs whole tensors (``elementwise = False``); the store codes tensors it cuts
into chunks with ``float-planes``.  :func:`band_gain` is the chooser's cheap test.
"""

from __future__ import annotations

import struct
import threading

import numpy as np
import zstandard

from .abc import Buffer, Codec, CodecNotApplicable, TensorSpec
from .blockframe import concat, unpack_blocks
from .floatplanes import DEFAULT_BLOCK, FloatPlanes, words
from .floatplanes import _decode_block as decode_planes_block
from .parallel import pmap

_HEAD = struct.Struct("<BBHIII")
_VERSION = 1
#: (shift, mask) of the exponent field in the words of each storage dtype
_EXPONENT = {
    np.dtype("float16"): (10, 0x1F),
    np.dtype("uint16"): (7, 0xFF),  # bfloat16
    np.dtype("float32"): (23, 0xFF),
    np.dtype("float64"): (52, 0x7FF),
}
_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
#: about this many columns (rows) are sampled to measure the mean of every row (column);
#: 64 classes lines as well as 128 on our models (within 0.1%) at half the cost
_SAMPLE = 64


def _matrix(array: np.ndarray) -> np.ndarray:
    """The tensor as a 2-D matrix of its storage dtype (a view)."""
    flat = np.ascontiguousarray(array)
    return flat.reshape(-1, flat.shape[-1]) if flat.ndim >= 2 else flat.reshape(1, -1)


def _exponents(m: np.ndarray) -> np.ndarray:
    """Exponent fields of ``m`` (any strides: read in place, no copy of the words)."""
    shift, mask = _EXPONENT[m.dtype]
    e = m.view(_UINT[m.dtype.itemsize]) >> shift
    e &= mask
    return e


def _strided(n: int) -> slice:
    return slice(None, None, max(1, n // _SAMPLE))


def _samples(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exponents of every row at a strided sample of columns, and of every column at a
    strided sample of rows."""
    return _exponents(m[:, _strided(m.shape[1])]), _exponents(m[_strided(m.shape[0]), :])


def _classes(means: np.ndarray, k: int) -> np.ndarray:
    """Class (0..k-1) of every line: equal-population bins of its mean exponent."""
    if k <= 1:
        return np.zeros(means.size, np.uint8)
    edges = np.sort(means)[(np.arange(1, k) * means.size) // k]  # order statistics (np.quantile is slow)
    return np.searchsorted(edges, means, side="right").astype(np.uint8)


def _band_axis(m: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """(transposed, mean exponent of every line, sampled exponents of every line): the
    lines are the rows or the columns, whichever have the more spread means."""
    by_row, by_col = _samples(m)
    rows, cols = by_row.mean(axis=1, dtype=np.float32), by_col.mean(axis=0, dtype=np.float32)
    transposed = bool(_spread(cols) > _spread(rows))
    return (True, cols, by_col.T) if transposed else (False, rows, by_row)


def _spread(means: np.ndarray) -> float:
    """Interquartile range: a few lines holding NaN or inf do not decide the axis."""
    ordered = np.sort(means)
    return float(ordered[(3 * ordered.size) // 4] - ordered[ordered.size // 4])


def _class_count(lines: int, size: int, classes: int, min_band: int) -> int:
    return max(1, min(classes, lines, size // min_band))


def _xlogx(n: np.ndarray) -> float:
    n = n[n > 0].astype(np.float64)
    return float((n * np.log2(n)).sum())


#: the chooser's estimate reads a strided grid of at most this many rows by this many
#: columns (16K exponents whatever the tensor's size), after a first test on a grid of
#: a quarter of that (4K exponents)
_GRID = 128
#: lines whose mean exponents spread less than this (interquartile range, on the first
#: test's grid) cannot save the chooser's 0.15 bit (the most on our models below 1.5:
#: 0.11 bit at 1.1; uniform scales measure 0.2-0.6)
_GAIN_MIN_SPREAD = 0.75


def _every(n: int, count: int) -> slice:
    """At most ``count`` evenly strided indices of ``n``."""
    return slice(None, None, -(-n // count))


def gain_grid(m: np.ndarray, size: int = _GRID) -> np.ndarray:
    """Exponents of the chooser's sample of matrix ``m``: at most ``size`` strided rows by
    ``size`` strided columns (its rows sample the rows of ``m``, its columns the columns)."""
    return _exponents(m[_every(m.shape[0], size), _every(m.shape[1], size)])


def _line_means(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean exponent of every row and of every column of ``grid``."""
    rows = grid.sum(axis=1, dtype=np.uint32) / np.float32(grid.shape[1])
    return rows, grid.sum(axis=0, dtype=np.uint32) / np.float32(grid.shape[0])


def band_gain(array: np.ndarray, classes: int = 16, min_band: int = 1 << 16) -> float:
    """Bits per element the exponents would save when coded per band (a sample estimate).

    First test: when the mean exponents of the rows and of the columns of a 64 x 64 grid
    (:func:`gain_grid`) spread less than 0.75, 0.  Otherwise ``H(exponent) - H(exponent |
    class)`` on a 128 x 128 grid, lines being its rows or columns, whichever have the more
    spread means, in as many classes as the codec of this config would use (at most one
    per 8 sampled lines).  The sample does not grow with the tensor; 0 for tensors the
    codec does not take.
    """
    if array.dtype not in _EXPONENT or array.ndim < 2 or array.size < 2 * min_band:
        return 0.0  # (one band at most: nothing to gain)
    m = _matrix(array)
    rows, cols = _line_means(gain_grid(m, _GRID // 2))
    if not max(_spread(rows), _spread(cols)) >= _GAIN_MIN_SPREAD:
        return 0.0
    grid = gain_grid(m)
    rows, cols = _line_means(grid)
    means, sample = (cols, grid.T) if _spread(cols) > _spread(rows) else (rows, grid)
    k = min(_class_count(means.size, array.size, classes, min_band), means.size // 8)
    if k <= 1:
        return 0.0
    bins = int(sample.max()) + 1
    keys = _classes(means, k)[:, None].astype(np.uint32) * np.uint32(bins) + sample
    joint = np.bincount(keys.reshape(-1), minlength=k * bins).reshape(k, bins)
    # N H(E) = N log N - sum n_e log n_e;  N H(E | C) = sum n_c log n_c - sum n_ce log n_ce
    n = joint.sum()
    total = float(n * np.log2(n)) - _xlogx(joint.sum(axis=0))
    cond = _xlogx(joint.sum(axis=1)) - _xlogx(joint)
    return (total - cond) / float(n)


class ExponentBands(Codec):
    id = "exponent-bands"
    description = (
        "lossless: rows (or columns) grouped by exponent level, each band coded as float-planes; "
        "for matrices whose rows or columns differ in scale"
    )
    elementwise = False

    def __init__(self, level: int = 1, block: int = DEFAULT_BLOCK, classes: int = 16, min_band: int = 1 << 16) -> None:
        self.level, self.block = int(level), int(block)
        self.classes, self.min_band = int(classes), int(min_band)
        if self.block < 1 or not 1 <= self.classes <= 255 or self.min_band < 1:
            raise ValueError("block and min_band must be positive and classes within 1..255")

    def get_config(self) -> dict:
        return {
            "id": self.id,
            "level": self.level,
            "block": self.block,
            "classes": self.classes,
            "min_band": self.min_band,
        }

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        return spec.is_float and len(spec.shape) >= 2 and spec.size > 0

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytearray:
        if array.dtype not in _EXPONENT or array.ndim < 2 or array.size == 0:
            raise CodecNotApplicable("exponent-bands codes float matrices only")
        m = _matrix(array)
        transposed, means, _ = _band_axis(m)
        n_lines, width = m.shape[::-1] if transposed else m.shape
        planes = FloatPlanes(level=self.level, block=max(1, self.block // width) * width)  # whole lines per block
        # one rotation for every band, judged on the whole tensor (one of a block or less:
        # the usual rotation, as float-planes codes each of its small bands)
        plan = planes.plan(m, search=m.size > self.block)
        k = _class_count(n_lines, m.size, self.classes, self.min_band)
        cls = _classes(means, k)
        order = np.argsort(cls, kind="stable")
        lines = words(_lines_of(m, order) if transposed else m[order])
        streams: list[bytes | bytearray] = []
        start = 0
        for count in np.bincount(cls, minlength=k).tolist():
            streams.append(planes.encode_words(lines[start * width : (start + count) * width], plan) if count else b"")
            start += count
        class_map = zstandard.ZstdCompressor(level=self.level).compress(cls.tobytes())
        head = _HEAD.pack(_VERSION, transposed, k, n_lines, width, len(class_map))
        return concat([head, class_map, np.array([len(s) for s in streams], "<u8").tobytes(), *streams])

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        view = memoryview(data).cast("B")
        if len(view) < _HEAD.size:
            raise ValueError("exponent-bands stream is truncated")
        version, transposed, k, n_lines, width, map_len = _HEAD.unpack_from(view, 0)
        out = np.empty(spec.shape, spec.storage_dtype)
        matrix = words(out).reshape(-1, spec.shape[-1] if spec.shape else 1)
        shape = matrix.shape[::-1] if transposed else matrix.shape
        if version != _VERSION or shape != (n_lines, width) or k < 1 or transposed > 1 or not spec.is_float:
            raise ValueError(f"exponent-bands stream (version {version}, {n_lines}x{width}) does not fit {spec}")
        pos = _HEAD.size
        cls = np.frombuffer(
            zstandard.ZstdDecompressor().decompress(view[pos : pos + map_len], max_output_size=n_lines), np.uint8
        )
        pos += map_len
        lengths = np.frombuffer(view[pos : pos + 8 * k], "<u8").tolist()
        pos += 8 * k
        if cls.size != n_lines or len(lengths) != k or (cls.size and int(cls.max()) >= k):
            raise ValueError("exponent-bands class map is damaged")
        if pos + sum(lengths) != len(view):
            raise ValueError("exponent-bands stream is truncated or has trailing bytes")
        order = np.argsort(cls, kind="stable")
        jobs: list[tuple[memoryview, int, int]] = []  # (payload, first line, end line) in band order
        start = 0
        for count, length in zip(np.bincount(cls, minlength=k).tolist(), lengths, strict=True):
            n, blocks = unpack_blocks(view[pos : pos + length]) if length else (0, [])
            if n != count * width:
                raise ValueError("exponent-bands band does not hold its lines")
            for s, e, payload in blocks if count else []:
                if s % width or e % width:
                    raise ValueError("exponent-bands block does not hold whole lines")
                jobs.append((payload, start + s // width, start + e // width))
            pos += length
            start += count
        # transposed: the lines are the columns of the tensor's matrix; decoded into rows
        # first, then transposed in one copy (numpy's own, 1.9x faster than moving tiles)
        dest = np.empty(shape, matrix.dtype) if transposed else matrix
        pmap(lambda job: _fill(job[0], order[job[1] : job[2]], dest), jobs)
        if transposed:
            matrix[...] = dest.T
        return out


#: bytes of the matrix moved per step of a transpose (a tile that stays in cache)
_TILE_BYTES = 1 << 18


def _tiles(n: int, line_bytes: int) -> list[tuple[int, int]]:
    step = max(1, _TILE_BYTES // max(1, line_bytes))
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def _lines_of(m: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``m.T[order]``, C-contiguous: the columns of ``m`` as rows, in ``order``.

    Moved a tile of ``m``'s rows at a time (gathered in cache, then transposed), on the
    codec threads: 1.6x faster than a transpose, then a gather, on one thread."""
    out = np.empty((order.size, m.shape[0]), m.dtype)

    def move(tile: tuple[int, int]) -> None:
        out[:, tile[0] : tile[1]] = m[tile[0] : tile[1], order].T

    pmap(move, _tiles(m.shape[0], m.shape[1] * m.itemsize))
    return out


_local = threading.local()


def _fill(payload: memoryview, lines: np.ndarray, dest: np.ndarray) -> None:
    """Decode one float-planes block of whole lines into ``dest[lines]``."""
    n = lines.size * dest.shape[1]
    buf = getattr(_local, "buf", None)
    if buf is None or buf.dtype != dest.dtype or buf.size < n:
        buf = _local.buf = np.empty(n, dest.dtype)  # reused: no page faults per block
    decode_planes_block(payload, buf[:n])
    dest[lines] = buf[:n].reshape(lines.size, dest.shape[1])
