"""Entropy floors of fine-tune deltas (used by ``benchmarks/storage.py``).

How small could a lossless delta get with the layout ``ordered-delta`` uses (zigzag
integer differences of the bit patterns, cut into byte planes)?  Two empirical floors,
in fractions of the raw child:

- *order-0 planes*: every byte plane coded with its own symbol frequencies (what any
  per-plane entropy coder, zstd's Huffman stage included, can reach at best);
- *given the parent's exponent*: the high planes coded with one frequency table per
  exponent of the parent's element (a delta's size in ulps depends on the binade of the
  value it moves; the decoder knows the parent), the low planes as above.  Reaching it
  needs a context-modelling entropy coder, or a sort of each tensor by the parent's
  exponents (``codec_effort="small"``, about 6 ns per element for the sort alone).

Both are measured on the benchmark's own tensors; the table header says which planes
count as high.
"""

from __future__ import annotations

import numpy as np

from mgit_lab.core.codecs.intdelta import delta_encode

State = dict[str, tuple[np.ndarray, str]]


def _bits(symbols: np.ndarray, context: np.ndarray | None = None) -> float:
    """Empirical entropy in bits of ``symbols`` in total (given ``context`` when passed)."""
    s = symbols.astype(np.int64)
    if context is None:
        p = np.bincount(s) / s.size
        p = p[p > 0]
        return float(-(p * np.log2(p)).sum() * s.size)
    ctx = context.astype(np.int64)  # small non-negative integers (exponents)
    joint = np.bincount(ctx * (int(s.max()) + 1) + s) / s.size
    marginal = np.bincount(ctx) / s.size
    joint, marginal = joint[joint > 0], marginal[marginal > 0]
    return float((-(joint * np.log2(joint)).sum() + (marginal * np.log2(marginal)).sum()) * s.size)


def _exponent(bits: np.ndarray) -> np.ndarray:
    """The exponent field of float bit patterns (fp32 or bf16 held as uint16)."""
    if bits.dtype.itemsize == 4:
        return (bits.view(np.uint32) >> 23) & 0xFF
    return (bits.view(np.uint16) >> 7) & 0xFF


def delta_floors(child: State, parent: State) -> tuple[float, float]:
    """(order-0 planes, given the parent's exponent) of ``child`` against ``parent``,
    fractions of the child's raw bytes (unchanged tensors count as free)."""
    raw = plain = conditioned = 0.0
    for name, (array, _) in child.items():
        raw += array.nbytes * 8
        base = parent.get(name, (None, None))[0]
        if base is None or base.shape != array.shape or base.dtype != array.dtype:
            plain += array.nbytes * 8
            conditioned += array.nbytes * 8
            continue
        z = delta_encode(array.reshape(-1), base.reshape(-1))
        assert z is not None
        if not z.any():
            continue
        width = z.dtype.itemsize
        planes = [(z >> (8 * k)) & 0xFF for k in range(width)]
        plain += sum(_bits(p) for p in planes)
        low = width // 2  # fp32: two low planes; bf16: one
        high = z >> (8 * low)
        conditioned += sum(_bits(p) for p in planes[:low]) + _bits(high, _exponent(base.reshape(-1)))
    return plain / raw, conditioned / raw


def floor_table(pairs: dict[str, tuple[State, State, float]]) -> None:
    """Print both floors beside what the store wrote, per child."""
    print("entropy floors of the deltas (byte planes of zigzag ordered differences; high planes:")
    print("fp32 top 2 bytes, bf16 top byte), fractions of the raw child:")
    print(f"  {'child':10s} {'stored':>8s} {'order-0':>8s} {'given parent exponent':>22s}")
    for name, (child, parent, stored) in pairs.items():
        plain, conditioned = delta_floors(child, parent)
        print(f"  {name:10s} {stored:8.4f} {plain:8.4f} {conditioned:22.4f}")
