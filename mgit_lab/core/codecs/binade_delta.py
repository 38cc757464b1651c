"""``binade-delta``: lossless fine-tune delta that uses the parent's exponents (and columns).

``ordered-delta`` codes the zigzag integer deltas (:mod:`.intdelta`) as byte planes with
one set of tables.  But a delta's size in ulps depends on the binade (exponent) of the
parent's element: a fine-tune moves weights by about the same amount in value, which is
many ulps where the parent is small and few where it is large, so the high planes mix
small and large deltas and pay for not knowing which is which.  The decoder knows the
parent; this codec uses it, with a few cheap passes over the data:

1. The low ``r`` bytes of every delta (nearly random) stay raw, as in ``ordered-delta``.
2. The high part (the bytes above them) of the deltas of the *small parents* (key, the top
   8 bits of the parent's magnitude, below a threshold; at most a fifth of the elements)
   is shifted right by ``shift`` bits, so that it looks like the others to the entropy
   coder; the bits shifted out are stored on their own (:mod:`.binade_shift`).  By default
   only words of 4 bytes or more (fp32, fp64) are shifted: the fix-up's cost per element
   is too much for the bytes of bf16 and fp16 (``min_width``).
3. With ``columns`` (chosen for a tall matrix whose columns differ in delta size: a word
   embedding) the high parts are stored column by column and the low halves raw
   (:mod:`.binade_columns`); otherwise each block is an ``ordered-delta`` split-plane
   stream of the shifted deltas.

Threshold, shift and ``r`` are judged once per tensor on a sample (:func:`plan`,
:mod:`.binade_classes`), and blocks have a fixed size, so the bytes never depend on the
thread count.  Every bit pattern (NaN payloads, -0.0, infinities, subnormals)
round-trips: the delta is a bijection for every parent and the shift is undone exactly.

Rows layout (the default): a block frame (:mod:`.blockframe`, blocks of ``block``
elements) whose every block is (little endian)::

    u8 version=1 | u8 r | u8 threshold | u8 shift | u32 0 | u64 main length |
    main: split-plane stream of the block's shifted deltas (``r`` low planes raw) |
    extra: split-plane stream (uint8) of the bits shifted out of its small parents
           (absent when shift is 0)
"""

from __future__ import annotations

import struct

import numpy as np

from .abc import Buffer, Codec, CodecNotApplicable, TensorSpec
from .binade_classes import (
    MIN_SIZE,
    MIN_WIDTH,
    TALL_ROWS,
    Plan,
    choose_shift,
    high_dtype,
    small_parents,
    tall_columns,
)
from .binade_columns import decode_columns, encode_columns, fits
from .binade_shift import ShiftedBits, scratch, shift_out
from .blockframe import pack_blocks, unpack_blocks
from .intdelta import BLOCK, delta_decode, delta_encode, int_view, uint_dtype
from .parallel import pmap
from .splitplanes import PlaneReader, PlaneWriter, pack_split, plane_compressor, raw_low_planes, sample_ranges

_BLOCK_HEAD = struct.Struct("<BBBBIQ")
_VERSION = 1
#: elements per independently coded block (the parallel unit)
DEFAULT_BLOCK = 1 << 20
#: elements decoded at a time (the deltas stay in cache between the passes)
_SUB = 1 << 17
#: rows of a tall matrix sampled to judge its columns
_GRID_ROWS = 256


def matrix_of(array: np.ndarray, n: int) -> tuple[int, int] | None:
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
    min_width: int = MIN_WIDTH,
) -> Plan:
    """The :class:`~.binade_classes.Plan` of child ``c`` against parent ``p`` (flat
    signed-integer views): no shift below ``min_size`` elements or ``min_width`` bytes per
    word (:data:`~.binade_classes.MIN_WIDTH`); ``transposed`` (the
    columns layout pays) for matrices of at least ``tall_rows`` rows, and then no shift
    (the layout can hold one, but both together decode at about 0.6x ``ordered-delta``'s
    speed, under 1,300 MB/s per core; each alone at 0.65-0.75x)."""
    ranges = sample_ranges(c.size)
    ps = np.concatenate([p[s:e] for s, e in ranges])
    z = delta_encode(np.concatenate([c[s:e] for s, e in ranges]), ps)
    assert z is not None
    width = z.dtype.itemsize
    r = raw_low_planes(z, plane_compressor()) if z.size else 0
    if width < 2 or c.size < min_size:
        return Plan(r)
    threshold = shift = 0
    if width >= min_width:
        high = (z >> z.dtype.type(8 * r)).astype(high_dtype(width, r)) if r else z
        threshold, shift, _ = choose_shift(high, ps.view(uint_dtype(width)))
    transposed = False
    if matrix is not None and matrix[0] >= tall_rows and fits(Plan(r), width):
        rows, cols = matrix
        step = max(1, rows // _GRID_ROWS)
        grid = delta_encode(c.reshape(rows, cols)[::step].reshape(-1), p.reshape(rows, cols)[::step].reshape(-1))
        assert grid is not None
        transposed = tall_columns(grid.reshape(-1, cols))
    if transposed:  # no shift on top of the columns: decoding would fall to ~0.6x ordered-delta's speed
        return Plan(r, transposed=True)
    return Plan(r, threshold, shift)


class BinadeDelta(Codec):
    id = "binade-delta"
    description = (
        "lossless delta: ordered-integer difference with the parent, small parents' deltas shifted "
        "to match the others, split byte planes (tall matrices by column), parallel blocks"
    )
    needs_base = True

    def __init__(
        self,
        block: int = DEFAULT_BLOCK,
        min_size: int = MIN_SIZE,
        tall_rows: int = TALL_ROWS,
        columns: bool = False,
        min_width: int = MIN_WIDTH,
    ) -> None:
        self.block, self.min_size, self.tall_rows = int(block), int(min_size), int(tall_rows)
        self.columns, self.min_width = bool(columns), int(min_width)
        if self.block < 1 or self.min_size < 1 or self.tall_rows < 2 or self.min_width < 1:
            raise ValueError("block, min_size and min_width must be positive, tall_rows at least 2")

    def get_config(self) -> dict:
        config = {
            "id": self.id,
            "block": self.block,
            "min_size": self.min_size,
            "tall_rows": self.tall_rows,
            "min_width": self.min_width,
        }
        if self.columns:
            config["columns"] = True
        return config

    def plan(self, array: np.ndarray, base: np.ndarray) -> Plan:
        """What this codec's sample judges for this child and base (``transposed``: the
        columns layout would pay; :meth:`encode` uses it only with ``columns``)."""
        c, p = int_view(array), int_view(base)
        if c.size == 0:
            return Plan(0)
        return plan(c, p, matrix_of(array, c.size), self.min_size, self.tall_rows, self.min_width)

    def encode(
        self, array: np.ndarray, base: np.ndarray | None = None, planned: Plan | None = None
    ) -> bytes | bytearray:
        """Encode ``array`` against ``base``; ``planned`` (from :meth:`plan` on the same
        pair) saves judging the sample again.

        Raises
        ------
        CodecNotApplicable
            With ``columns``, for a tensor that is not a matrix whose deltas split into halves.
        """
        if base is None:
            raise ValueError("binade-delta needs a base")
        if np.dtype(array.dtype) != np.dtype(base.dtype) or array.size != base.size:
            raise ValueError("a delta needs child and base of equal size and dtype")
        c, p = int_view(array), int_view(base)
        pl = planned if planned is not None else self.plan(array, base)
        if self.columns:
            matrix = matrix_of(array, c.size)
            if matrix is None or not fits(pl, c.dtype.itemsize):
                raise CodecNotApplicable("binade-delta by columns needs a matrix whose deltas split into halves")
            return encode_columns(c, p, pl, matrix, self.block)
        return self._encode_rows(c, p, pl)

    def _encode_rows(self, c: np.ndarray, p: np.ndarray, pl: Plan) -> bytearray:
        u = uint_dtype(c.dtype.itemsize)
        pu = p.view(u)

        def one(s: int, e: int) -> bytes:
            writer = PlaneWriter(e - s, u, pl.r)
            shifted: list[np.ndarray] = []

            def sink(a: int, b: int, z: np.ndarray) -> None:  # cache-sized pieces of the block
                if pl.shift:
                    where = np.flatnonzero(small_parents(pu[s + a : s + b], pl.threshold))
                    shifted.append(shift_out(z, where, pl.r, pl.shift))
                writer.put(a, b, z)

            delta_encode(c[s:e], p[s:e], sink=sink)
            main = writer.finish()
            parts = [_BLOCK_HEAD.pack(_VERSION, pl.r, pl.threshold, pl.shift, 0, len(main)), main]
            if pl.shift:
                parts.append(pack_split(np.concatenate(shifted) if shifted else np.empty(0, np.uint8)))
            return b"".join(parts)

        return pack_blocks(c.size, self.block, one)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None:
            raise ValueError("binade-delta needs a base")
        out = np.empty(spec.shape, spec.storage_dtype)
        o, p = int_view(out), int_view(base)
        if p.size != o.size:
            raise ValueError(f"binade-delta base of {p.size} elements does not match {spec}")
        if self.columns:
            decode_columns(data, p, o)
            return out
        n, blocks = unpack_blocks(data)
        if n != o.size:
            raise ValueError(f"binade-delta stream of {n} elements does not match {spec}")
        pmap(lambda blk: _decode_block(blk[2], p[blk[0] : blk[1]], o[blk[0] : blk[1]]), blocks)
        return out


def _decode_block(payload: memoryview, p: np.ndarray, o: np.ndarray) -> None:
    """Decode one rows-layout block into ``o`` (the block's flat signed-integer view)."""
    if len(payload) < _BLOCK_HEAD.size:
        raise ValueError("binade-delta block is truncated")
    version, r, threshold, shift, _, main_len = _BLOCK_HEAD.unpack_from(payload, 0)
    width, m = p.dtype.itemsize, p.size
    u = uint_dtype(width)
    if version != _VERSION or r not in (0, 1, 2, 4) or (r and r >= width) or shift > 8 * (width - r):
        raise ValueError(f"binade-delta block (version {version}, r {r}, shift {shift}) does not fit its base")
    pos = _BLOCK_HEAD.size
    reader = PlaneReader(payload[pos : pos + main_len])
    if reader.n != m or reader.dtype != u or reader.end != main_len:
        raise ValueError("binade-delta block is damaged")
    pos += main_len
    shifted = None
    if shift:
        bits = PlaneReader(payload[pos:])
        pos += bits.end
        shifted = ShiftedBits(bits.read_all(), p.view(u), threshold, r, shift)
    if pos != len(payload):
        raise ValueError("binade-delta block has trailing bytes")
    for a in range(0, m, _SUB):
        b = min(m, a + _SUB)
        z = scratch(b - a, u)
        for x in range(a, b, BLOCK):
            reader.fill(x, min(b, x + BLOCK), z[x - a : min(b, x + BLOCK) - a])
        if shifted is not None:
            shifted.apply(a, b, z)
        delta_decode(z, p[a:b], o[a:b])
    if shifted is not None:
        shifted.finish()
