"""The columns layout of ``binade-delta``: a tall matrix's high delta parts column by column.

A word embedding's columns are features whose deltas differ in size; its rows (tokens)
are many.  Stored column by column, each 128 KiB zstd block of a byte plane covers a few
columns and gets tables that fit them (what sorting lines into bands would give, with
a transposition instead of a sort).  Used when the high and low parts of a delta are the
two halves of its word (fp32 with ``r = 2``, bf16 with ``r = 1``, fp64 with ``r = 4``):
the low halves stay raw in element order.

Layout (little endian)::

    u8 version=1 | u8 width | u8 r | u8 threshold | u8 shift | u8 0 | u16 0 |
    u64 rows | u64 columns | u64 main length | u64 extra length |
    rows * columns low halves (raw, element order) |
    main:  block frame (blocks of ``block`` elements, column-major) of split-plane streams
           of the high halves
    extra: block frame over the elements in row-major order (blocks of whole rows, about
           ``block`` elements), each the split-plane stream (uint8) of the bits shifted out
           of its small parents' deltas (see :mod:`.binade_shift`); empty when shift is 0
"""

from __future__ import annotations

import struct

import numpy as np

from .abc import Buffer
from .binade_classes import Plan, small_parents
from .binade_shift import ShiftedBits, scratch, shift_out
from .blockframe import block_ranges, pack_blocks, unpack_blocks
from .intdelta import BLOCK, delta_decode, delta_encode, uint_dtype
from .parallel import pmap
from .splitplanes import PlaneReader, pack_split

_HEAD = struct.Struct("<BBBBBBHQQQQ")
_VERSION = 1
#: rows transposed at a time when encoding (in cache: 2-3x faster than whole columns)
_TILE = 128
#: elements assembled at a time when decoding (the deltas stay in cache between passes)
_SUB = 1 << 17


def fits(plan: Plan, width: int) -> bool:
    """Whether the columns layout can store deltas of ``width`` bytes with this plan."""
    return 2 * plan.r == width


def encode_columns(c: np.ndarray, p: np.ndarray, pl: Plan, matrix: tuple[int, int], block: int) -> bytes:
    """The stream of child ``c`` against parent ``p`` (flat signed-integer views)."""
    rows, cols = matrix
    n, width, r = c.size, c.dtype.itemsize, pl.r
    half = uint_dtype(r)
    pu = p.view(uint_dtype(width))
    low, stored = np.empty(n, half), np.empty(n, half)
    by_column = stored.reshape(cols, rows)  # the high halves, column by column

    def split(s: int, e: int) -> bytes:
        """Rows s // cols to e // cols: low halves in place, high halves into their columns."""
        moved: list[np.ndarray] = []
        for a in range(s, e, tile):
            b = min(e, a + tile)
            z = delta_encode(c[a:b], p[a:b])
            assert z is not None
            if pl.shift:
                where = np.flatnonzero(small_parents(pu[a:b], pl.threshold))
                moved.append(shift_out(z, where, r, pl.shift))
            halves = z.view(half)
            low[a:b] = halves[0::2]
            by_column[:, a // cols : b // cols] = halves[1::2].reshape(-1, cols).T
        return pack_split(np.concatenate(moved) if moved else np.empty(0, np.uint8)) if pl.shift else b""

    tile = _TILE * cols
    row_block = max(1, block // tile) * tile
    extra: bytes | bytearray = b""
    if pl.shift:
        extra = pack_blocks(n, row_block, split)
    else:
        pmap(lambda rng: split(*rng), block_ranges(n, row_block))
    main = pack_blocks(n, block, lambda s, e: pack_split(stored[s:e]))
    head = _HEAD.pack(_VERSION, width, r, pl.threshold, pl.shift, 0, 0, rows, cols, len(main), len(extra))
    return b"".join([head, low.data.cast("B"), main, extra])


def decode_columns(data: Buffer, p: np.ndarray, o: np.ndarray) -> None:
    """Decode a columns-layout stream into ``o`` (flat signed-integer view, ``p``'s size).

    Raises
    ------
    ValueError
        When the stream is damaged or does not fit the parent.
    """
    view = memoryview(data).cast("B")
    if len(view) < _HEAD.size:
        raise ValueError("binade-delta stream is truncated")
    version, width, r, threshold, shift, _, _, rows, cols, main_len, extra_len = _HEAD.unpack_from(view, 0)
    n = p.size
    if (
        version != _VERSION
        or width != p.dtype.itemsize
        or r not in (1, 2, 4)
        or 2 * r != width
        or rows * cols != n
        or cols == 0
        or shift > 8 * r
        or (extra_len > 0) != (shift > 0)
    ):
        raise ValueError(f"binade-delta columns stream ({rows} x {cols} of {width} bytes) does not fit its base")
    pos = _HEAD.size + n * r
    if pos + main_len + extra_len != len(view):
        raise ValueError("binade-delta stream is truncated or has trailing bytes")
    low = np.frombuffer(view[_HEAD.size : pos], uint_dtype(r))
    low = low if low.flags.aligned else low.copy()
    main, extra = view[pos : pos + main_len], view[pos + main_len :]
    half, u = low.dtype, uint_dtype(width)
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
            reader.fill(a, min(e - s, a + BLOCK), stored[s + a : s + min(e - s, a + BLOCK)])

    pmap(planes, blocks)
    by_column = stored.reshape(cols, rows)
    pu = p.view(u)
    if shift:
        count, row_blocks = unpack_blocks(extra)
        if count != n:
            raise ValueError("binade-delta shifted bits do not match the tensor")
        items: list[tuple[int, int, memoryview | None]] = [(s, e, bits) for s, e, bits in row_blocks]
    else:
        items = [(s, e, None) for s, e in block_ranges(n, max(1, (1 << 20) // cols) * cols)]
    sub = max(1, _SUB // cols) * cols

    def one(item: tuple[int, int, memoryview | None]) -> None:
        s, e, bits = item
        if s % cols or e % cols:
            raise ValueError("binade-delta block does not hold whole rows")
        shifted = None if bits is None else ShiftedBits(PlaneReader(bits).read_all(), pu[s:], threshold, r, shift)
        for a in range(s, e, sub):
            b = min(e, a + sub)
            z = scratch(b - a, u)
            halves = z.view(half)
            halves[0::2] = low[a:b]
            halves[1::2].reshape(-1, cols)[...] = by_column[:, a // cols : b // cols].T
            if shifted is not None:
                shifted.apply(a - s, b - s, z)
            delta_decode(z, p[a:b], o[a:b])
        if shifted is not None:
            shifted.finish()

    pmap(one, items)
