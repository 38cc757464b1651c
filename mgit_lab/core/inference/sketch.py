"""Weight sketches: a few sampled values per tensor, so versions compare without decoding.

A version's sketch is one float32 vector: for every floating-point tensor (sorted by name)
``sample_count(numel)`` values taken at positions fixed by the tensor's name and size.  Two
versions with a same-named, same-sized tensor therefore sample the same positions, and
comparing their sketches estimates how far apart the full tensors are.  Sketches are
written to ``.mgit/sketches/<version id>.f32`` when a version is added (an index, like
git's: rebuilt from the objects when missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import blake3
import numpy as np

from ..codecs.abc import FLOAT_DTYPES
from ..lineage import TensorRef

SKETCH_DIR = "sketches"
SKETCH_SUFFIX = ".f32"
MIN_SAMPLES = 32
MAX_SAMPLES = 256


def sample_count(numel: int) -> int:
    """How many values of a tensor of ``numel`` elements the sketch keeps (32..256)."""
    return int(min(numel, max(MIN_SAMPLES, min(MAX_SAMPLES, numel // 256))))


@lru_cache(maxsize=8192)
def sample_positions(name: str, numel: int) -> np.ndarray:
    """The flat positions sampled in tensor ``name`` of ``numel`` elements (sorted)."""
    k = sample_count(numel)
    if k >= numel:
        return np.arange(numel, dtype=np.int64)
    seed = int.from_bytes(blake3.blake3(f"{name}|{numel}".encode()).digest()[:8], "little")
    pos = np.random.default_rng(seed).choice(numel, size=k, replace=False)
    pos.sort()
    pos.flags.writeable = False
    return pos


@dataclass(frozen=True)
class Layout:
    """Where each tensor's samples sit in a version's sketch vector."""

    names: tuple[str, ...]
    numels: tuple[int, ...]
    dtypes: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    offsets: tuple[int, ...]
    size: int

    def slot(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}


def layout_key(manifest: dict[str, TensorRef]) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """The float tensors of a manifest as sorted ``(name, dtype, shape)``: what fixes a layout."""
    items = [(k, t.dtype, tuple(t.shape)) for k, t in manifest.items() if t.dtype in FLOAT_DTYPES]
    items.sort()
    return tuple(items)


@lru_cache(maxsize=4096)
def _layout(key: tuple[tuple[str, str, tuple[int, ...]], ...]) -> Layout:
    names, numels, dtypes, shapes, offsets = [], [], [], [], []
    pos = 0
    for name, dtype, shape in key:
        n = 1
        for d in shape:
            n *= d
        names.append(name)
        numels.append(n)
        dtypes.append(dtype)
        shapes.append(shape)
        offsets.append(pos)
        pos += sample_count(n)
    return Layout(tuple(names), tuple(numels), tuple(dtypes), tuple(shapes), tuple(offsets), pos)


def layout_for_key(key: tuple[tuple[str, str, tuple[int, ...]], ...]) -> Layout:
    """The layout of a :func:`layout_key` (cached)."""
    return _layout(key)


def layout_of(manifest: dict[str, TensorRef]) -> Layout:
    """The sketch layout of a manifest (cached by its float tensors' names, dtypes, shapes)."""
    return _layout(layout_key(manifest))


def as_float32(values: np.ndarray, dtype: str) -> np.ndarray:
    """Storage-dtype values of logical ``dtype`` as float32 (bfloat16 bit patterns widened)."""
    if dtype == "bfloat16":
        return (values.astype(np.uint32) << 16).view(np.float32)
    return values.astype(np.float32)


def sketch_arrays(state: dict[str, tuple[np.ndarray, str]], layout: Layout) -> np.ndarray:
    """The sketch vector of a state ``{name: (array in storage dtype, dtype)}``."""
    out = np.empty(layout.size, dtype=np.float32)
    for name, numel, offset in zip(layout.names, layout.numels, layout.offsets, strict=True):
        array, dtype = state[name]
        pos = sample_positions(name, numel)
        flat = np.ascontiguousarray(array).reshape(-1)
        out[offset : offset + pos.size] = as_float32(flat[pos], dtype)
    return out


def sketch_path(mgit_dir: Path, vid: str) -> Path:
    return Path(mgit_dir) / SKETCH_DIR / (vid + SKETCH_SUFFIX)


def read_sketch(mgit_dir: Path, vid: str, size: int) -> np.ndarray | None:
    """The stored sketch of ``vid``, or None when missing or of the wrong size."""
    try:
        data = np.fromfile(sketch_path(mgit_dir, vid), dtype="<f4")
    except (FileNotFoundError, OSError, ValueError):
        return None
    return data if data.size == size else None


def cast_like(values: np.ndarray, dtypes: np.ndarray) -> np.ndarray:
    """Round float ``values`` (columns) to each column's logical dtype, in ``values``' dtype.

    ``dtypes`` holds one code per column: 0 keep (float32/float64), 1 float16, 2 bfloat16.
    Used to ask "is the child a cast of this candidate" bit for bit.
    """
    out = values.copy()
    half = dtypes == 1
    if half.any():
        with np.errstate(over="ignore"):
            out[..., half] = values[..., half].astype(np.float16).astype(np.float64)
    bf = dtypes == 2
    if bf.any():
        bits = values[..., bf].astype(np.float32).view(np.uint32).astype(np.uint64)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        out[..., bf] = rounded.astype(np.uint32).view(np.float32).astype(np.float64)
    return out


DTYPE_CODES = {"float16": 1, "bfloat16": 2}
