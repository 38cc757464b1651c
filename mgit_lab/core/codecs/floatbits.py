"""Float conversions shared by the structure-aware codecs, defined bit for bit.

Every function here is elementwise and uses IEEE round-to-nearest-even, so it gives the
same bits on every machine (no BLAS, no fused multiply-add).  bfloat16 is held as
``uint16`` bit patterns (see :data:`~.abc.STORAGE_DTYPES`).
"""

from __future__ import annotations

import numpy as np

from .abc import STORAGE_DTYPES

_BF16_NAN = np.uint16(0x7FC0)


def logical_float(storage: np.dtype) -> str | None:
    """The float dtype name held in ``storage`` (``uint16`` -> bfloat16), None if not a float."""
    storage = np.dtype(storage)
    if storage == np.uint16:
        return "bfloat16"
    if storage.kind == "f":
        return storage.name
    return None


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns -> float32 (exact, NaN payloads kept)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns, round to nearest even; NaN -> 0x7FC0 (as PyTorch)."""
    v = np.asarray(values, dtype=np.float32)
    u = np.ascontiguousarray(v).view(np.uint32).reshape(v.shape)
    out = ((u + (np.uint32(0x7FFF) + ((u >> 16) & 1))) >> 16).astype(np.uint16)
    nan = (u & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000)
    if nan.any():
        out[nan] = _BF16_NAN
    return out


def to_float(array: np.ndarray, wide: str = "float64") -> np.ndarray:
    """Values of a float storage array as ``wide`` floats (exact for every narrower type)."""
    with np.errstate(invalid="ignore"):  # signalling NaNs raise "invalid" when converted
        if array.dtype == np.uint16:
            return bf16_to_f32(array).astype(wide)
        return array.astype(wide)


def from_float(values: np.ndarray, target: str) -> np.ndarray:
    """Round float values to the storage array of logical dtype ``target`` (RNE)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if target == "bfloat16":
            return f32_to_bf16(values.astype(np.float32))
        return values.astype(STORAGE_DTYPES[target])


def cast_float(array: np.ndarray, target: str) -> np.ndarray:
    """``array`` (a float storage array) cast to logical dtype ``target`` as PyTorch does."""
    source = logical_float(array.dtype)
    if source is None:
        raise TypeError(f"not a float storage dtype: {array.dtype}")
    if source == target:
        return array
    if source == "bfloat16":
        return from_float(bf16_to_f32(array), target)
    if target == "bfloat16":
        with np.errstate(over="ignore", invalid="ignore"):
            return f32_to_bf16(array.astype(np.float32))
    return from_float(array, target)
