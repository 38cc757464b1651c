"""The plan of a ``binade-delta`` stream, judged on a sample of the tensor.

A delta's size in ulps depends on the binade (exponent) of the parent's element it moves:
a fine-tune moves weights by about the same amount in value, which is many ulps where the
parent is small and few where it is large.  ``binade-delta`` shifts the high part of the
deltas of the parents below a key threshold right by a few bits, so that they look like
the others to the entropy coder, and stores the bits shifted out on their own; the key is
the top 8 bits of the parent's magnitude (the exponent for fp32, bf16, fp64).  It also
stores the high parts of tall matrices column by column when their columns differ in
delta size (zstd's tables then follow the columns).

Everything is decided here, on a sample, once per tensor: the bytes then never depend on
the block schedule.  The costs are order-0 entropies of the byte planes (what zstd's
Huffman stage pays, near enough), from histograms whose size does not grow with the
tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .intdelta import uint_dtype

#: the largest shift (bits) of the high part of the small parents' deltas
MAX_SHIFT = 6
#: a shift must save at least this many bits per element of the sample (its tables, and
#: the per-element work of decoding it, must pay)
MIN_GAIN = 0.05
#: the small parents may be at most this share of the elements (their fix-up is the
#: decoder's extra per-element work)
MAX_SHARE = 0.2
#: the shift's decoding costs about 0.6 ns per element whatever its width: words of fewer
#: bytes (bf16, fp16) pay it over too few bytes (a bf16 fine-tune: 3% smaller, but decoded
#: at 1,000 MB/s per core where ``ordered-delta`` does 1,500), so they are not shifted
MIN_WIDTH = 4
#: tensors with fewer elements are coded without a shifted class (the plan would cost more)
MIN_SIZE = 1 << 16
#: columns of a matrix with at least this many rows are coded in their own order (zstd's
#: tables, per 128 KiB of a plane, then cover a few columns each) when ...
TALL_ROWS = 1 << 14
#: ... the interquartile range of their mean delta length (bits) is at least this
TALL_SPREAD = 0.5
#: at most this many sampled elements build the histograms
_SAMPLE = 1 << 14
#: keys outside this window (up to 8 above the sample's median key) are clipped, for the histograms
_WINDOW = 32


@dataclass(frozen=True)
class Plan:
    """``r`` raw low bytes; deltas of parents with a key below ``threshold`` have their
    high part shifted right by ``shift`` bits (no shifted class when ``shift`` is 0);
    ``transposed``: the high parts are stored column by column."""

    r: int
    threshold: int = 0
    shift: int = 0
    transposed: bool = False


def key_shift(width: int) -> int:
    """``key = (bits & magnitude mask) >> key_shift(width)``: the top 8 magnitude bits."""
    return 8 * width - 9


def magnitude_mask(width: int) -> int:
    return (1 << (8 * width - 1)) - 1


def small_parents(parent_bits: np.ndarray, threshold: int) -> np.ndarray:
    """Mask of the elements whose parent's key is below ``threshold`` (unsigned bits)."""
    width = parent_bits.dtype.itemsize
    t = parent_bits.dtype.type
    return (parent_bits & t(magnitude_mask(width))) < t(threshold << key_shift(width))


def bit_lengths(values: np.ndarray) -> np.ndarray:
    """Bit length of every unsigned value (0 for 0), from its float exponent; exact below
    2**24 (the float32 path), within one bit above (the float64 path: only used to plan)."""
    if values.dtype.itemsize <= 2:
        f = values.astype(np.float32)
        e = (f.view(np.uint32) >> 23).astype(np.int64)
        return np.where(values > 0, e - 126, 0)
    f = values.astype(np.float64)
    e = (f.view(np.uint64) >> 52).astype(np.int64)
    return np.where(values > 0, e - 1022, 0)


def _entropy_bits(hist: np.ndarray) -> np.ndarray:
    """N * H of histograms ``hist[..., bin]`` (float64), over the last axis."""
    n = hist.sum(axis=-1, keepdims=True)
    safe = np.where(hist > 0, hist, 1.0)
    return np.where(hist > 0, hist * np.log2(np.where(n > 0, n, 1.0) / safe), 0.0).sum(axis=-1)


def choose_shift(high: np.ndarray, parent_bits: np.ndarray) -> tuple[int, int, float]:
    """(threshold, shift, bits saved per element) for a sample of high parts and their
    parents' unsigned bits; (0, 0, 0.0) when no shift saves :data:`MIN_GAIN`.

    The cost model codes each high part as its bit length (entropy of the lengths of all
    elements, the small parents' shifted) plus the bits below its leading one, and the
    shifted-out bits at ``shift`` bits each: a histogram of (key, length) of the sample,
    so the search costs the same whatever the tensor's size.
    """
    width = parent_bits.dtype.itemsize
    if width < 2 or high.size == 0:
        return 0, 0, 0.0
    if high.size > _SAMPLE:
        step = -(-high.size // _SAMPLE)
        high, parent_bits = high[::step], parent_bits[::step]
    key = ((parent_bits & parent_bits.dtype.type(magnitude_mask(width))) >> key_shift(width)).astype(np.int64)
    low_key = max(0, int(np.median(key)) - (_WINDOW - 8))  # lower keys share the first slot
    slot = np.clip(key - low_key, 0, _WINDOW - 1)
    bins = 8 * high.dtype.itemsize + 2
    length = bit_lengths(high)
    hist = np.bincount(slot * bins + length, minlength=_WINDOW * bins).reshape(_WINDOW, bins).astype(np.float64)
    below = np.concatenate([np.zeros((1, bins)), np.cumsum(hist, axis=0)])  # [edge, length]
    total = below[-1]
    n = float(high.size)
    ramp = np.maximum(np.arange(bins) - 1, 0).astype(np.float64)  # bits below the leading one
    plain = float(_entropy_bits(total)) + float(total @ ramp)
    shifts = np.arange(1, MAX_SHIFT + 1)
    # lengths of the small parents' high parts shifted right by s: max(length - s, 0)
    moved = np.zeros((MAX_SHIFT, _WINDOW + 1, bins))
    for i, s in enumerate(shifts):
        moved[i, :, 0] = below[:, : s + 1].sum(axis=1)
        moved[i, :, 1 : bins - s] = below[:, s + 1 :]
    mix = moved + (total - below)[None]
    share = below.sum(axis=1)  # elements below each edge
    cost = _entropy_bits(mix) + mix @ ramp + shifts[:, None] * share[None, :]
    allowed = (share >= 0.005 * n) & (share <= MAX_SHARE * n)
    allowed[0] = False
    cost[:, ~allowed] = np.inf
    best = np.unravel_index(int(np.argmin(cost)), cost.shape)
    i, edge = int(best[0]), int(best[1])
    gain = (plain - float(cost[i, edge])) / n
    threshold = edge + low_key
    if not np.isfinite(gain) or gain < MIN_GAIN or threshold > 255:
        return 0, 0, 0.0
    return threshold, int(shifts[i]), gain


def tall_columns(grid: np.ndarray) -> bool:
    """Whether a tall matrix is stored column by column, judged on ``grid``, the deltas
    (unsigned) of a strided sample of its rows: when its columns' mean delta lengths differ."""
    cols = grid.shape[1] if grid.ndim == 2 else 0
    if cols < 2 or grid.shape[0] == 0:
        return False
    length = np.log2(grid.astype(np.float64) + 1.0).mean(axis=0)
    ordered = np.sort(length)
    spread = float(ordered[(3 * cols) // 4] - ordered[cols // 4])
    return spread >= TALL_SPREAD


def high_dtype(width: int, r: int) -> np.dtype:
    """The unsigned dtype of the high parts (the bytes above the ``r`` raw ones)."""
    rest = width - r
    return uint_dtype(rest) if rest in (1, 2, 4, 8) else uint_dtype(width)
