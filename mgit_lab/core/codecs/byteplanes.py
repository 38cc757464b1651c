"""Byte-plane grouping with per-plane zstd: the building block of the lossless codecs.

Floating-point bytes compress badly as a stream because sign/exponent bytes (very
repetitive) alternate with mantissa bytes (nearly random).  Grouping byte *k* of every
element into plane *k* lets zstd model each plane on its own, and planes that do not
compress are stored raw, which is also what keeps encoding fast (ZipNN's observation).

Stream layout: ``u8 version | u8 itemsize | u64 n_elements`` then per plane
``u8 mode (0 raw, 1 zstd, 2 all-zero) | u64 length | payload``.
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from .abc import Codec

_HEADER = struct.Struct("<BBQ")
_PLANE = struct.Struct("<BQ")
_VERSION = 1
_RAW, _ZSTD, _ZERO = 0, 1, 2
#: a plane whose zstd output is above this share of its size is stored raw.
_KEEP_RAW_ABOVE = 0.97
DEFAULT_LEVEL = 1


def _as_bytes_matrix(array: np.ndarray) -> np.ndarray:
    flat = np.ascontiguousarray(array).reshape(-1)
    return flat.view(np.uint8).reshape(flat.size, flat.dtype.itemsize)


def pack_planes(array: np.ndarray, level: int = DEFAULT_LEVEL) -> bytes:
    """Encode an array's bytes as zstd-compressed byte planes."""
    matrix = _as_bytes_matrix(array)
    n, itemsize = matrix.shape
    parts = [_HEADER.pack(_VERSION, itemsize, n)]
    cctx = zstandard.ZstdCompressor(level=level)
    for k in range(itemsize):
        plane = np.ascontiguousarray(matrix[:, k]) if itemsize > 1 else matrix[:, 0]
        if n and not plane.any():
            parts.append(_PLANE.pack(_ZERO, 0))
            continue
        raw = plane.tobytes()
        packed = cctx.compress(raw) if n else b""
        if len(packed) < _KEEP_RAW_ABOVE * len(raw):
            parts.append(_PLANE.pack(_ZSTD, len(packed)))
            parts.append(packed)
        else:
            parts.append(_PLANE.pack(_RAW, len(raw)))
            parts.append(raw)
    return b"".join(parts)


def unpack_planes(data: bytes | bytearray | memoryview, dtype: np.dtype) -> np.ndarray:
    """Decode :func:`pack_planes` output into a flat array of ``dtype``."""
    view = memoryview(data)
    version, itemsize, n = _HEADER.unpack_from(view, 0)
    if version != _VERSION or itemsize != dtype.itemsize:
        raise ValueError(f"byte-plane stream v{version}/itemsize {itemsize} does not match {dtype}")
    out = np.empty((n, itemsize), dtype=np.uint8) if itemsize > 1 else None
    flat_out = np.empty(n * itemsize, dtype=np.uint8)
    pos = _HEADER.size
    dctx = zstandard.ZstdDecompressor()
    for k in range(itemsize):
        mode, length = _PLANE.unpack_from(view, pos)
        pos += _PLANE.size
        payload = view[pos : pos + length]
        pos += length
        if mode == _ZERO:
            plane = np.zeros(n, dtype=np.uint8)
        elif mode == _RAW:
            plane = np.frombuffer(payload, dtype=np.uint8)
        elif mode == _ZSTD:
            plane = np.frombuffer(dctx.decompress(payload, max_output_size=n), dtype=np.uint8)
        else:
            raise ValueError(f"unknown byte-plane mode {mode}")
        if plane.size != n:
            raise ValueError("byte-plane stream is truncated")
        if out is None:
            flat_out[:] = plane
        else:
            out[:, k] = plane
    if out is not None:
        flat_out = out.reshape(-1)
    return flat_out.view(dtype)


class ZstdLevelCodec(Codec):
    """Base of the codecs whose one setting is the zstd level of their streams."""

    def __init__(self, level: int = DEFAULT_LEVEL) -> None:
        self.level = int(level)

    def get_config(self) -> dict:
        return {"id": self.id, "level": self.level}
