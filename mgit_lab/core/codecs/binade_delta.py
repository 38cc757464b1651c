"""``binade-delta``: lossless fine-tune delta that uses the parent's exponents and columns.

``ordered-delta`` codes the zigzag integer deltas (:mod:`.intdelta`) as byte planes with
one set of tables.  But a delta's size in ulps depends on the binade (exponent) of the
parent's element: a fine-tune moves weights by about the same amount in value, which is
many ulps where the parent is small and few where it is large, so the high planes mix
small and large deltas and pay for not knowing which is which.  The decoder knows the
parent; this codec uses it, at the price of a few passes over the data:

1. The low ``r`` bytes of every delta (nearly random) stay raw, as in ``ordered-delta``.
2. The high part (the bytes above them) of the deltas of the *small parents* (key, the top
   8 bits of the parent's magnitude, below a threshold) is shifted right by ``shift``
   bits, so that it looks like the others to the entropy coder; the bits shifted out are
   stored on their own, for those elements only (at most a fifth of them).
3. *Rows* layout: the shifted deltas are an ``ordered-delta`` block stream (split byte
   planes, :mod:`.splitplanes`).  *Columns* layout, for a tall matrix whose columns differ
   in delta size (a word embedding: columns are features, rows tokens): the high parts
   are stored column by column, so that zstd's per-block tables follow the columns, and
   the low bytes raw after them (only when the high and low parts are the two halves of
   a word: fp32 with r = 2, bf16 with r = 1, fp64 with r = 4).

Threshold, shift, ``r`` and the layout are judged once per tensor on a sample
(:mod:`.binade_classes`), and the blocks are fixed by the config and the shape, so the
bytes never depend on the thread count.  Every bit pattern (NaN payloads, -0.0,
infinities, subnormals) round-trips: the delta is a bijection for every parent, and the
shift is undone exactly.

Layout (little endian)::

    u8 version=1 | u8 width | u8 r | u8 columns layout | u8 threshold | u8 shift | u16 0 |
    u64 n | u64 columns (of the matrix; 0 in the rows layout) | u64 main length | u64 extra length |
    main:  block frame of split-plane streams: rows, the shifted deltas (blocks of ``block``
           elements); columns, the high parts column by column (blocks of ``block`` elements)
    extra: block frame over the elements in row-major order (rows: the main's blocks;
           columns: whole rows, about ``block`` elements), each the split-plane stream
           (uint8) of the bits shifted out of its small parents' deltas; empty when shift is 0
    columns layout only: zero bytes up to a multiple of 8 | n * r low bytes
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable

import numpy as np

from .abc import Buffer, Codec, TensorSpec
from .binade_classes import MIN_SIZE, TALL_ROWS, Plan, choose_shift, high_dtype, small_parents, tall_columns
from .blockframe import block_ranges, pack_blocks, unpack_blocks
from .intdelta import BLOCK, delta_decode, delta_encode, int_view, uint_dtype
from .parallel import pmap
from .splitplanes import PlaneReader, PlaneWriter, pack_split, plane_compressor, raw_low_planes, sample_ranges

_HEAD = struct.Struct("<BBBBBBHQQ")
_VERSION = 1
#: elements per independently coded block (the parallel unit)
DEFAULT_BLOCK = 1 << 20
#: elements decoded at a time (the deltas stay in cache between the passes)
_SUB = 1 << 17
#: rows of a tall matrix sampled to judge its layout
_GRID_ROWS = 256


_local = threading.local()


def _scratch(n: int, dtype: np.dtype) -> np.ndarray:
    """A per-thread buffer of ``n`` elements (reused: no page faults per block)."""
    buf = getattr(_local, "buf", None)
    if buf is None or buf.nbytes < n * dtype.itemsize:
        buf = _local.buf = np.empty(max(n * dtype.itemsize, 8), np.uint8)
    return buf[: n * dtype.itemsize].view(dtype)


def _matrix_of(array: np.ndarray, n: int) -> tuple[int, int] | None:
    """(rows, columns) of the tensor seen as a matrix of its ``n`` words; None for vectors,
    scalars and complex tensors (two words per element)."""
    shape = np.shape(array)
    if len(shape) < 2 or n == 0 or shape[-1] == 0 or n != np.size(array):
        return None
    return n // shape[-1], shape[-1]


def plan(
    c: np.ndarray,
    p: np.ndarray,
    matrix: tuple[int, int] | None,
    min_size: int = MIN_SIZE,
    tall_rows: int = TALL_ROWS,
) -> Plan:
    """The tensor's :class:`~.binade_classes.Plan` (``c``, ``p``: flat signed-integer views):
    no shift below ``min_size`` elements, the columns layout from ``tall_rows`` rows."""
    ranges = sample_ranges(c.size)
    ps = np.concatenate([p[s:e] for s, e in ranges])
    z = delta_encode(np.concatenate([c[s:e] for s, e in ranges]), ps)
    assert z is not None
    width = z.dtype.itemsize
    r = raw_low_planes(z, plane_compressor()) if z.size else 0
    if width < 2 or c.size < min_size:
        return Plan(r)
    high = (z >> z.dtype.type(8 * r)).astype(high_dtype(width, r)) if r else z
    threshold, shift, _ = choose_shift(high, ps.view(uint_dtype(width)))
    transposed = False
    if matrix is not None and 2 * r == width:
        rows, cols = matrix
        step = max(1, rows // _GRID_ROWS)
        grid = delta_encode(c.reshape(rows, cols)[::step].reshape(-1), p.reshape(rows, cols)[::step].reshape(-1))
        assert grid is not None
        transposed = rows >= tall_rows and tall_columns(grid.reshape(-1, cols))
    return Plan(r, threshold, shift, transposed)


def _high_half(z: np.ndarray, r: int) -> np.ndarray | None:
    """The high halves of the words of ``z`` as a strided view, when the high part is one."""
    if 2 * r != z.dtype.itemsize:
        return None
    return z.view(uint_dtype(r))[1::2]


def _shift_out(z: np.ndarray, where: np.ndarray, r: int, shift: int) -> np.ndarray:
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


def _shift_in(z: np.ndarray, where: np.ndarray, moved: np.ndarray, r: int, shift: int) -> None:
    """Invert :func:`_shift_out` (in place)."""
    half = _high_half(z, r)
    if half is not None:
        half[where] = (half[where] << half.dtype.type(shift)) | moved
        return
    t = z.dtype.type
    v = z[where]
    high = ((v >> t(8 * r)) << t(shift)) | moved
    z[where] = (high << t(8 * r)) | (v & t((1 << (8 * r)) - 1))


class BinadeDelta(Codec):
    id = "binade-delta"
    description = (
        "lossless delta: ordered-integer difference with the parent, small parents' deltas shifted "
        "to match the others, tall matrices by column, split byte planes, parallel blocks"
    )
    needs_base = True

    def __init__(self, block: int = DEFAULT_BLOCK, min_size: int = MIN_SIZE, tall_rows: int = TALL_ROWS) -> None:
        self.block, self.min_size, self.tall_rows = int(block), int(min_size), int(tall_rows)
        if self.block < 1 or self.min_size < 1 or self.tall_rows < 2:
            raise ValueError("block and min_size must be positive, tall_rows at least 2")

    def get_config(self) -> dict:
        return {"id": self.id, "block": self.block, "min_size": self.min_size, "tall_rows": self.tall_rows}

    def plan(self, array: np.ndarray, base: np.ndarray) -> Plan:
        """What :meth:`encode` would do with this child and base (judged on a sample)."""
        c, p = int_view(array), int_view(base)
        if c.size == 0:
            return Plan(0)
        return plan(c, p, _matrix_of(array, c.size), self.min_size, self.tall_rows)

    def encode(self, array: np.ndarray, base: np.ndarray | None = None, planned: Plan | None = None) -> bytearray:
        """Encode ``array`` against ``base``; ``planned`` (from :meth:`plan` on the same
        pair) saves judging the sample again."""
        if base is None:
            raise ValueError("binade-delta needs a base")
        if np.dtype(array.dtype) != np.dtype(base.dtype) or array.size != base.size:
            raise ValueError("a delta needs child and base of equal size and dtype")
        c, p = int_view(array), int_view(base)
        n = c.size
        matrix = _matrix_of(array, n)
        pl = planned if planned is not None else self.plan(array, base)
        if pl.transposed and matrix is not None:
            main, extra, low, columns = self._encode_columns(c, p, pl, matrix)
        else:
            (main, extra), low, columns = self._encode_rows(c, p, pl), None, 0
        out = bytearray(
            _HEAD.pack(_VERSION, c.dtype.itemsize, pl.r, int(columns > 0), pl.threshold, pl.shift, 0, n, columns)
            + struct.pack("<QQ", len(main), len(extra))
        )
        out += main
        out += extra
        if low is not None:
            out += bytes(-len(out) % 8)
            out += low.data.cast("B")
        return out

    def _encode_rows(self, c: np.ndarray, p: np.ndarray, pl: Plan) -> tuple[bytearray, bytes | bytearray]:
        """(main, extra) frames of the rows layout."""
        n, width = c.size, c.dtype.itemsize
        u = uint_dtype(width)
        pu = p.view(u)
        moved: dict[int, bytes] = {}

        def one(s: int, e: int) -> bytes:
            z = delta_encode(c[s:e], p[s:e])
            assert z is not None
            if pl.shift:
                where = np.flatnonzero(small_parents(pu[s:e], pl.threshold))
                moved[s] = pack_split(_shift_out(z, where, pl.r, pl.shift))
            writer = PlaneWriter(e - s, u, pl.r)
            for a in range(0, e - s, BLOCK):
                b = min(e - s, a + BLOCK)
                writer.put(a, b, z[a:b])
            return writer.finish()

        main = pack_blocks(n, self.block, one)
        extra = pack_blocks(n, self.block, lambda s, e: moved.pop(s)) if pl.shift else b""
        return main, extra

    def _encode_columns(
        self, c: np.ndarray, p: np.ndarray, pl: Plan, matrix: tuple[int, int]
    ) -> tuple[bytearray, bytes | bytearray, np.ndarray, int]:
        """(main, extra, low bytes, columns) of the columns layout (high and low: word halves)."""
        rows, cols = matrix
        n, width, r = c.size, c.dtype.itemsize, pl.r
        u, half = uint_dtype(width), uint_dtype(r)
        pu = p.view(u)
        high, low = np.empty(n, half), np.empty(n, half)

        def split(s: int, e: int) -> bytes:
            z = delta_encode(c[s:e], p[s:e])
            assert z is not None
            packed = b""
            if pl.shift:
                where = np.flatnonzero(small_parents(pu[s:e], pl.threshold))
                packed = pack_split(_shift_out(z, where, r, pl.shift))
            halves = z.view(half)
            low[s:e] = halves[0::2]
            high[s:e] = halves[1::2]
            return packed

        row_block = max(1, self.block // cols) * cols
        if pl.shift:
            extra: bytes | bytearray = pack_blocks(n, row_block, split)
        else:
            pmap(lambda rng: split(*rng), block_ranges(n, row_block))
            extra = b""
        stored = np.empty(n, half)
        by_column, by_row = stored.reshape(cols, rows), high.reshape(rows, cols)
        step = max(1, self.block // rows)
        pmap(lambda a: by_column.__setitem__(slice(a, a + step), by_row[:, a : a + step].T), range(0, cols, step))
        main = pack_blocks(n, self.block, lambda s, e: pack_split(stored[s:e]))
        return main, extra, low, cols

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None:
            raise ValueError("binade-delta needs a base")
        view = memoryview(data).cast("B")
        if len(view) < _HEAD.size + 16:
            raise ValueError("binade-delta stream is truncated")
        version, width, r, by_columns, threshold, shift, _, n, cols = _HEAD.unpack_from(view, 0)
        main_len, extra_len = struct.unpack_from("<QQ", view, _HEAD.size)
        out = np.empty(spec.shape, spec.storage_dtype)
        o, p = int_view(out), int_view(base)
        if (
            version != _VERSION
            or n != o.size
            or p.size != n
            or width != p.dtype.itemsize
            or r not in (0, 1, 2, 4)
            or (r and r >= width)
            or shift > 8 * (width - r)
            or by_columns > 1
            or (by_columns and (2 * r != width or cols == 0 or n % cols))
        ):
            raise ValueError(f"binade-delta stream (version {version}, {n} x {width} bytes) does not fit {spec}")
        pos = _HEAD.size + 16
        if pos + main_len + extra_len > len(view):
            raise ValueError("binade-delta stream is truncated")
        main = view[pos : pos + main_len]
        extra = view[pos + main_len : pos + main_len + extra_len]
        pos += main_len + extra_len
        if not shift and extra_len:
            raise ValueError("binade-delta stream is damaged (shifted bits without a shift)")
        pu = p.view(uint_dtype(width))

        def fix(s: int, payload: memoryview | None) -> _Shifted | None:
            if payload is None:
                return None
            return _Shifted(PlaneReader(payload).read_all(), pu[s:], threshold, r, shift)

        if by_columns:
            pos += -pos % 8
            if pos + n * r != len(view):
                raise ValueError("binade-delta stream is truncated or has trailing bytes")
            low = np.frombuffer(view[pos:], uint_dtype(r))
            self._decode_columns(main, extra, low if low.flags.aligned else low.copy(), p, o, cols, fix)
        else:
            if pos != len(view):
                raise ValueError("binade-delta stream has trailing bytes")
            self._decode_rows(main, extra, p, o, shift, fix)
        return out

    @staticmethod
    def _decode_rows(
        main: memoryview, extra: memoryview, p: np.ndarray, o: np.ndarray, shift: int, fix: Callable
    ) -> None:
        n, blocks = unpack_blocks(main)
        moved = _extra_blocks(extra, blocks, n, p.size) if shift else [None] * len(blocks)
        u = uint_dtype(p.dtype.itemsize)

        def one(item: tuple[tuple[int, int, memoryview], memoryview | None]) -> None:
            (s, e, payload), bits = item
            reader = PlaneReader(payload)
            if reader.n != e - s or reader.dtype != u or reader.end != len(payload):
                raise ValueError("binade-delta block is damaged")
            shifted = fix(s, bits)
            for a in range(0, e - s, _SUB):
                b = min(e - s, a + _SUB)
                z = _scratch(b - a, u)
                for x in range(a, b, BLOCK):
                    reader.fill(x, min(b, x + BLOCK), z[x - a : x - a + BLOCK])
                if shifted is not None:
                    shifted.apply(a, b, z)
                delta_decode(z, p[s + a : s + b], o[s + a : s + b])
            if shifted is not None:
                shifted.finish()

        pmap(one, list(zip(blocks, moved, strict=True)))

    @staticmethod
    def _decode_columns(
        main: memoryview, extra: memoryview, low: np.ndarray, p: np.ndarray, o: np.ndarray, cols: int, fix: Callable
    ) -> None:
        n = p.size
        rows = n // cols
        half = low.dtype
        stored = np.empty(n, half)
        count, blocks = unpack_blocks(main)
        if count != n:
            raise ValueError("binade-delta high parts do not match the tensor")

        def planes(blk: tuple[int, int, memoryview]) -> None:
            s, e, payload = blk
            reader = PlaneReader(payload)
            if reader.n != e - s or reader.dtype != half or reader.end != len(payload):
                raise ValueError("binade-delta block of high parts is damaged")
            for a in range(0, e - s, BLOCK):
                b = min(e - s, a + BLOCK)
                reader.fill(a, b, stored[s + a : s + b])

        pmap(planes, blocks)
        by_column = stored.reshape(cols, rows)
        if len(extra):
            count, row_blocks = unpack_blocks(extra)
            if count != n:
                raise ValueError("binade-delta shifted bits do not match the tensor")
            items = [(s, e, bits) for s, e, bits in row_blocks]
        else:
            step = max(1, DEFAULT_BLOCK // cols) * cols
            items = [(s, e, None) for s, e in block_ranges(n, step)]
        u = uint_dtype(p.dtype.itemsize)

        sub = max(1, _SUB // cols) * cols

        def one(item: tuple[int, int, memoryview | None]) -> None:
            s, e, bits = item
            if s % cols or e % cols:
                raise ValueError("binade-delta block does not hold whole rows")
            shifted = fix(s, bits)
            for a in range(s, e, sub):
                b = min(e, a + sub)
                z = _scratch(b - a, u)
                halves = z.view(half)
                halves[0::2] = low[a:b]
                halves[1::2].reshape(-1, cols)[...] = by_column[:, a // cols : b // cols].T
                if shifted is not None:
                    shifted.apply(a - s, b - s, z)
                delta_decode(z, p[a:b], o[a:b])
            if shifted is not None:
                shifted.finish()

        pmap(one, items)


class _Shifted:
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
        _shift_in(z, where, moved, self.r, self.shift)
        self.used += where.size

    def finish(self) -> None:
        if self.used != self.moved.size:
            raise ValueError("binade-delta shifted bits do not match the parent's exponents")


def _extra_blocks(extra: memoryview, blocks: list, n: int, size: int) -> list[memoryview]:
    """The shifted-bits payload of every main block (same boundaries)."""
    count, moved = unpack_blocks(extra)
    if count != n or n != size or [(s, e) for s, e, _ in moved] != [(s, e) for s, e, _ in blocks]:
        raise ValueError("binade-delta shifted bits do not match the tensor")
    return [bits for _, _, bits in moved]
