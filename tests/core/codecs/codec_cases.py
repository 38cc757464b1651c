"""Seeded test tensors for the codec checks (also used by tests/fixtures/codecs/make_fixtures.py).

``cases(dtype)`` yields ``(name, child, base)`` triples: the child in its storage dtype,
the base the delta codecs are offered (None for the whole-tensor cases).  They cover
0-d, empty, odd and 2-D shapes, special float values (NaN payloads, -0.0, infinities,
denormals), and the structures the structure-aware codecs look for (fine-tune, pruning,
low rank, dtype cast, sparse update).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mgit_lab.core.codecs.abc import STORAGE_DTYPES
from mgit_lab.core.codecs.floatbits import bf16_to_f32, f32_to_bf16

FLOATS = ("float32", "float16", "bfloat16", "float64")
DTYPES = (
    *FLOATS,
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
)
SHAPES = ((), (0,), (7,), (3, 5, 2), (37, 29))


def to_storage(values: np.ndarray, dtype: str) -> np.ndarray:
    """float64 values -> storage array of logical ``dtype`` (bfloat16 as RNE bit patterns)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == "bfloat16":
            return f32_to_bf16(values.astype(np.float32))
        return values.astype(STORAGE_DTYPES[dtype])


def as_float64(array: np.ndarray, dtype: str) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # signalling NaNs raise "invalid" when converted
        if dtype == "bfloat16":
            return bf16_to_f32(array).astype(np.float64)
        return array.astype(np.float64)


def _specials(dtype: str) -> np.ndarray:
    """NaNs with payloads and both signs, +-0.0, +-inf, denormals, as storage bit patterns."""
    if dtype == "float32":
        bits = [
            0x7FC00001,
            0xFFA00000,
            0x80000000,
            0x00000000,
            0x7F800000,
            0xFF800000,
            0x00000001,
            0x807FFFFF,
        ]
        return np.array(bits, np.uint32).view(np.float32)
    if dtype == "float64":
        bits = [
            0x7FF8000000000001,
            0xFFF4000000000000,
            0x8000000000000000,
            0,
            0x7FF0000000000000,
            1,
        ]
        return np.array(bits, np.uint64).view(np.float64)
    bits16 = {
        "float16": [0x7E01, 0xFD00, 0x8000, 0, 0x7C00, 0xFC00, 1, 0x83FF],
        "bfloat16": [0x7FC1, 0xFFA0, 0x8000, 0, 0x7F80, 0xFF80, 1, 0x807F],
    }[dtype]
    arr = np.array(bits16, np.uint16)
    return arr if dtype == "bfloat16" else arr.view(np.float16)


def random_array(rng: np.random.Generator, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """A seeded tensor of ``dtype`` and ``shape`` (storage dtype)."""
    size = int(np.prod(shape)) if shape else 1
    if dtype in FLOATS:
        out = to_storage(rng.standard_normal(size) * 0.05, dtype)
        if size >= 16:
            sp = _specials(dtype)
            out[: sp.size] = sp
        return out.reshape(shape)
    if dtype.startswith("complex"):
        values = rng.standard_normal(size) + 1j * rng.standard_normal(size)
        return values.astype(STORAGE_DTYPES[dtype]).reshape(shape)
    if dtype == "bool":
        return (rng.random(size) < 0.5).reshape(shape)
    info = np.iinfo(STORAGE_DTYPES[dtype])
    return rng.integers(info.min, info.max, size=size, endpoint=True, dtype=STORAGE_DTYPES[dtype]).reshape(shape)


def finetuned(rng: np.random.Generator, base: np.ndarray, dtype: str) -> np.ndarray:
    """``base`` plus a small update (floats), small integer steps (ints) or a few flips (bool)."""
    if dtype in FLOATS:
        with np.errstate(invalid="ignore", over="ignore"):
            values = as_float64(base, dtype) + rng.standard_normal(base.shape) * 1e-3
        out = to_storage(values, dtype)
        flat, bflat = out.reshape(-1), base.reshape(-1)
        if flat.size >= 16:
            flat[:8] = bflat[:8]  # keep the special values
        return out
    if dtype.startswith("complex"):
        return (base + rng.standard_normal(base.shape) * 1e-3).astype(base.dtype)
    if dtype == "bool":
        return base ^ (rng.random(base.shape) < 0.05)
    step = rng.integers(-3, 4, size=base.shape).astype(base.dtype)
    return base + step  # wraps, as integers do


def cases(dtype: str, seed: int = 0) -> Iterator[tuple[str, np.ndarray, np.ndarray | None]]:
    """``(name, child, base)`` for every shape and structure that fits ``dtype``."""
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        base = random_array(rng, dtype, shape)
        tag = "x".join(map(str, shape)) or "scalar"
        yield f"whole-{tag}", random_array(rng, dtype, shape), None
        yield f"finetune-{tag}", finetuned(rng, base, dtype), base
        yield f"same-{tag}", base.copy(), base
    long_base = random_array(rng, dtype, (140_000,))  # several blocks, sampled by the planes
    yield "finetune-long", finetuned(rng, long_base, dtype), long_base
    shape = (37, 29)
    base = random_array(rng, dtype, shape)
    sparse = base.copy().reshape(-1)
    sparse[rng.choice(sparse.size, 9, replace=False)] = random_array(rng, dtype, (9,))
    yield "sparse", sparse.reshape(shape), base
    if dtype not in FLOATS:
        return
    # columns whose deltas differ in size (features of a word embedding), special values kept
    tall = random_array(rng, dtype, (64, 16))
    with np.errstate(invalid="ignore", over="ignore"):
        moved = as_float64(tall, dtype) + rng.standard_normal(tall.shape) * np.logspace(-4, -3, 16)
    columns = to_storage(moved, dtype)
    columns.reshape(-1)[:8] = tall.reshape(-1)[:8]
    yield "finetune-columns", columns, tall
    values = as_float64(base, dtype)
    with np.errstate(invalid="ignore"):
        keep = np.abs(values) >= np.nanmedian(np.abs(values))
        yield "pruned", to_storage(np.where(keep, values, values * 0.0), dtype), base
    rank2 = rng.standard_normal((shape[0], 2)) @ rng.standard_normal((2, shape[1])) * 0.01
    lr_base = to_storage(rng.standard_normal(shape) * 0.05, dtype)
    yield "lowrank", to_storage(as_float64(lr_base, dtype) + rank2, dtype), lr_base
    for other in FLOATS:
        if other != dtype:
            wide = random_array(rng, other, shape)
            with np.errstate(invalid="ignore", over="ignore"):
                yield (
                    f"cast-from-{other}",
                    to_storage(as_float64(wide, other), dtype),
                    wide,
                )
