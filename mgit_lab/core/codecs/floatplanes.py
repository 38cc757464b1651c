"""``float-planes``: lossless whole-tensor coding, exponent-aligned byte planes, in blocks.

The default codec of a tensor without a parent.  Each element's bits are rotated left
by ``k`` (chosen per tensor on a sample, 2-4 for floats, 0 for integers) before the byte planes are cut, so that
one plane holds the exponent together with the top mantissa bits and another the sign
beside the mantissa: for bf16 with ``k = 3`` the high plane is
``exponent[5:0] mantissa[6:5]`` (the exponent's two top bits are almost constant in
weights and move to the low plane, whose Huffman code then drops them).  Each plane is
coded with zstd (Huffman-coded literals: close to the entropy of exponents) or kept raw
when zstd does not shrink it (random mantissa bytes), and all-zero planes cost nothing.

Elements are coded in independent blocks (:mod:`.blockframe`, ``block`` elements each)
on the codec thread pool; the bytes never depend on the thread count.

Block payload: ``u8 k | u8 width`` then per plane ``u8 mode (0 raw, 1 zstd, 2 zero) |
u32 length | payload``.  Elements are the unsigned words of the storage dtype (complex
numbers: their two float components).
"""

from __future__ import annotations

import struct
import threading

import numpy as np
import zstandard

from .abc import Buffer, Codec, TensorSpec
from .blockframe import pack_blocks, unpack_blocks
from .parallel import pmap
from .splitplanes import sample_ranges

_HEAD = struct.Struct("<BB")
_PLANE = struct.Struct("<BI")
_RAW, _ZSTD, _ZERO = 0, 1, 2
#: a plane is kept raw when zstd does not bring it below this share of its size
_KEEP_RAW_ABOVE = 0.97
DEFAULT_BLOCK = 1 << 20
#: rotations tried on float words (the exponent's top bits move to the low plane); the
#: words of integers and booleans are not rotated
_ROTATIONS = (2, 3, 4)
#: the rotation of small float tensors (no search): the best one on most weights
_SMALL_ROTATION = 3
_SLICE = 1 << 15
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
#: how a tensor's blocks are coded: the rotation, and per byte plane whether zstd is tried
Plan = tuple[int, list[bool]]


def words(array: np.ndarray) -> np.ndarray:
    """The flat unsigned words an array is coded as (complex: one word per component)."""
    flat = np.ascontiguousarray(array).reshape(-1)
    width = flat.dtype.itemsize // 2 if flat.dtype.kind == "c" else flat.dtype.itemsize
    return flat.view(_UINT[width])


def _rotl(u: np.ndarray, k: int) -> np.ndarray:
    if k == 0:
        return u
    w = 8 * u.dtype.itemsize
    out = np.left_shift(u, k)
    out |= u >> (w - k)
    return out


_local = threading.local()


def _contexts(level: int) -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    """This thread's zstd contexts (they are not thread-safe; making them costs time)."""
    got = getattr(_local, "contexts", None)
    if got is None or got[0] != level:
        got = _local.contexts = (level, zstandard.ZstdCompressor(level=level), zstandard.ZstdDecompressor())
    return got[1], got[2]


def _choose(u: np.ndarray, cctx: zstandard.ZstdCompressor, is_float: bool) -> Plan:
    """(rotation, which planes are worth zstd) judged on a sample of ``u``."""
    sample = np.concatenate([u[s:e] for s, e in sample_ranges(u.size)]) if u.size else u
    rotations = _ROTATIONS if is_float and u.dtype.itemsize > 1 else (0,)
    best: tuple[int, int, list[bool]] | None = None
    for k in rotations:
        total, packs = 0, []
        for plane in _cut_planes(sample, k):
            size = len(cctx.compress(plane.data)) if plane.size else 0
            packs.append(size < _KEEP_RAW_ABOVE * plane.size or not plane.any())
            total += min(size, plane.size)
        if best is None or total < best[0]:
            best = (total, k, packs)
    assert best is not None
    return best[1], best[2]


def _cut_planes(u: np.ndarray, k: int) -> list[np.ndarray]:
    """The byte planes of ``rotl(u, k)`` (plane ``j``: byte ``j`` of each little-endian word),
    by shifts and truncating casts: contiguous numpy loops, several times faster than
    strided byte copies."""
    width = u.dtype.itemsize
    if width == 1:
        return [_rotl(u, k).view(np.uint8)]
    r = _rotl(u, k)
    t = np.empty_like(r)
    planes = [r.astype(np.uint8)]
    for j in range(1, width):
        np.right_shift(r, 8 * j, out=t)
        planes.append(t.astype(np.uint8))
    return planes


def _encode_block(u: np.ndarray, k: int, packs: list[bool], level: int) -> list[bytes | memoryview]:
    """The payload of one block, as its pieces (:func:`.blockframe.pack_blocks` copies them)."""
    cctx = _contexts(level)[0]
    parts: list[bytes | memoryview] = [_HEAD.pack(k, u.dtype.itemsize)]
    for plane, pack in zip(_cut_planes(u, k), packs, strict=True):
        n = plane.size
        if pack:
            if n and not plane.any():
                parts.append(_PLANE.pack(_ZERO, 0))
                continue
            packed = cctx.compress(plane.data)
            if len(packed) < _KEEP_RAW_ABOVE * n:
                parts += [_PLANE.pack(_ZSTD, len(packed)), packed]
                continue
        parts += [_PLANE.pack(_RAW, n), plane.data]
    return parts


def _decode_block(payload: memoryview, out: np.ndarray) -> None:
    """Fill ``out`` (unsigned words of one block) from its payload."""
    n = out.size
    k, width = _HEAD.unpack_from(payload, 0)
    if width != out.dtype.itemsize or k >= 8 * width:
        raise ValueError(f"float-planes block of width {width} (rotation {k}) does not match {out.dtype}")
    pos = _HEAD.size
    dctx = _contexts(1)[1]
    b = out.view(np.uint8).reshape(-1, width)
    planes: list[np.ndarray | None] = []
    for _ in range(width):
        mode, length = _PLANE.unpack_from(payload, pos)
        pos += _PLANE.size
        if pos + length > len(payload):
            raise ValueError("float-planes block is truncated")
        body = payload[pos : pos + length]
        pos += length
        if mode == _ZERO:
            planes.append(None)
            continue
        if mode == _RAW:
            plane = np.frombuffer(body, np.uint8)
        elif mode == _ZSTD:
            plane = np.frombuffer(dctx.decompress(body, max_output_size=n), np.uint8)
        else:
            raise ValueError(f"unknown float-planes plane mode {mode}")
        if plane.size != n:
            raise ValueError("float-planes plane has the wrong length")
        planes.append(plane)
    if pos != len(payload):
        raise ValueError("float-planes block has trailing bytes")
    if width == 2:  # 16-bit words: shifts beat strided byte writes
        _join16(planes, k, out)
        return
    for j, got in enumerate(planes):
        b[:, j] = 0 if got is None else got
    if k:  # rotate back in cache-sized slices (one small temporary)
        low = np.empty(min(n, _SLICE), out.dtype)
        for s in range(0, n, _SLICE):
            part, t = out[s : s + _SLICE], low[: min(_SLICE, n - s)]
            np.right_shift(part, k, out=t)
            np.left_shift(part, 8 * width - k, out=part)
            part |= t


def _join16(planes: list[np.ndarray | None], k: int, out: np.ndarray) -> None:
    """``out = rotr(hi << 8 | lo, k)`` of two byte planes, slice by slice."""
    lo, hi = planes
    n = out.size
    t = np.empty(min(n, _SLICE), np.uint16)
    u = np.empty(min(n, _SLICE), np.uint16)
    for s in range(0, n, _SLICE):
        e = min(n, s + _SLICE)
        v, w, o = t[: e - s], u[: e - s], out[s:e]
        if hi is None:
            v[...] = 0
        else:
            np.left_shift(hi[s:e], 8, out=v, dtype=np.uint16)
        if lo is not None:
            v |= lo[s:e]
        if k:
            np.right_shift(v, k, out=o)
            np.left_shift(v, 16 - k, out=w)
            o |= w
        else:
            o[...] = v


def _is_float(array: np.ndarray) -> bool:
    return array.dtype.kind in "fc" or array.dtype == np.uint16  # uint16 holds bfloat16


class FloatPlanes(Codec):
    id = "float-planes"
    description = "lossless: exponent-aligned byte planes (bits rotated per tensor), zstd or raw, in parallel blocks"

    def __init__(self, level: int = 1, block: int = DEFAULT_BLOCK) -> None:
        self.level = int(level)
        self.block = int(block)
        if self.block < 1:
            raise ValueError("block must be positive")

    def get_config(self) -> dict:
        return {"id": self.id, "level": self.level, "block": self.block}

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytearray:
        u = words(array)
        return self.encode_words(u, self._plan(u, _is_float(array)))

    def plan(self, array: np.ndarray, search: bool = True) -> Plan:
        """(rotation, which planes are worth zstd) for ``array``, judged on a sample of it
        (small tensors, or ``search=False``: the usual rotation, no search)."""
        return self._plan(words(array), _is_float(array), search)

    def _plan(self, u: np.ndarray, is_float: bool, search: bool = True) -> Plan:
        if not search or (u.size <= self.block and len(sample_ranges(u.size)) == 1):
            return (_SMALL_ROTATION if is_float and u.dtype.itemsize > 1 else 0), [True] * u.dtype.itemsize
        return _choose(u, _contexts(self.level)[0], is_float)

    def encode_words(self, u: np.ndarray, plan: Plan) -> bytearray:
        """The stream of the flat words ``u`` coded with ``plan`` (from :meth:`plan`, possibly
        of a larger tensor ``u`` is part of: ``exponent-bands`` plans once for all its bands)."""
        k, packs = plan
        return pack_blocks(u.size, self.block, lambda s, e: _encode_block(u[s:e], k, packs, self.level))

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        out = np.empty(spec.shape, spec.storage_dtype)
        u = words(out)
        n, blocks = unpack_blocks(data)
        if n != u.size:
            raise ValueError(f"float-planes stream holds {n} words, the tensor has {u.size}")
        pmap(lambda blk: _decode_block(blk[2], u[blk[0] : blk[1]]), blocks)
        return out
