"""Which stored object a new tensor becomes a delta of: skip-deltas keep chains shallow.

The caller names the *parent's* object ``P``.  Storing every child as a delta of its
parent makes the g-th successive fine-tune of a full object ("generation g") a chain of
g deltas, and checkout replays every one of them.  Instead, as Subversion's skip-deltas
do, a tensor of generation ``g`` is stored as a delta of the object of generation
``g & (g - 1)`` (``g`` with its lowest set bit cleared) on ``P``'s chain of bases::

    generation   1  2  3  4  5  6  7  8  9  10 ... 15  16
    delta of     0  0  2  0  4  4  6  0  8  8  ... 14  0
    hops         1  1  2  1  2  2  3  1  2  2  ...  4  1     (popcount(g): <= log2(g) + 1)

That object is always on ``P``'s chain (clearing the low bits of ``g - 1`` one at a time
passes through ``g & (g - 1)``), so the base is found by walking ``P``'s bases; deltas still
name base *objects*, never versions.  A skip base lies ``g - (g & (g - 1))`` generations back
(1, 2, 4, 8, ...), so its delta is larger than the delta of the parent: measured on the
benchmark's chain of 10 full fine-tunes (fp32), +3-5% at 2 generations, +8-10% at 4, +16% at 8.
Where the lineage does not drift smoothly (a pruned parent, a child that reverts a
change), the skip base can be much worse: the writer then estimates both deltas on a
sample (:func:`delta_bytes`, the bit lengths of zigzag integer deltas) and keeps the skip
base only when it costs at most :data:`MARGIN_PER_DOUBLING` of the tensor's raw bytes more
per doubling of the distance (a hop costs decode time in proportion to the raw bytes, so
the bound is relative to them: a full fine-tune's deltas grow by ~3% of raw per doubling,
a pruned parent's skip by far more); otherwise the parent is the base (one hop more).

``max_depth`` still bounds the hops: past it the tensor is stored whole and starts a new
chain (generation 0).  Objects written before generations were recorded have linear
chains, where the generation equals the depth (see :func:`.object_info.object_info`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..codecs.intdelta import delta_encode
from ..codecs.splitplanes import sample_ranges
from .object_info import ObjectInfo

#: the skip base is taken when its estimated delta is at most this share of the tensor's
#: raw bytes larger than the parent's, per doubling of its distance
MARGIN_PER_DOUBLING = 0.08


class InfoReads(Protocol):
    def info(self, oid: str) -> ObjectInfo: ...


@dataclass(frozen=True)
class BaseChoice:
    """The delta base chosen for a new object (``None``: store it whole) and its generation."""

    base: ObjectInfo | None
    generation: int


def skip_target(generation: int) -> int:
    """The generation a tensor of ``generation`` (>= 1) is a delta of."""
    return generation & (generation - 1)


def skip_candidate(reads: InfoReads, parent: ObjectInfo) -> ObjectInfo:
    """The object on ``parent``'s chain whose generation is the child's skip target.

    The walk stops at an object of another dtype or size (a cast, a reshape): deltas
    across those are the parent's business, not a shortcut's.
    """
    target = skip_target(parent.generation + 1)
    cur = parent
    while cur.generation > target and cur.base:
        nxt = reads.info(cur.base)
        if nxt.spec.dtype != parent.spec.dtype or nxt.spec.size != parent.spec.size:
            break
        cur = nxt
    return cur


def candidates(reads: InfoReads, parent: ObjectInfo, max_depth: int) -> list[ObjectInfo]:
    """Bases worth trying for a child of ``parent``, shallowest first (none: store it whole)."""
    skip = skip_candidate(reads, parent)
    out = [skip] if skip.oid == parent.oid else [skip, parent]
    return [o for o in out if o.depth + 1 <= max_depth]


def _sample(flat: np.ndarray) -> np.ndarray:
    ranges = sample_ranges(flat.size)
    if len(ranges) == 1:
        return flat
    return np.concatenate([flat[s:e] for s, e in ranges])


def delta_bytes(child: np.ndarray, base: np.ndarray) -> float:
    """Estimated coded size of ``child`` as a delta of ``base`` (equal dtype and size), from
    the bit lengths of the zigzag integer deltas of a sample, scaled to the whole tensor."""
    c, b = _sample(child.reshape(-1)), _sample(base.reshape(-1))
    if c.size == 0:
        return 0.0
    z = delta_encode(c, b)
    assert z is not None
    bits = np.log2(z.astype(np.float64) + 1.0).sum()
    return float(bits) / 8.0 * (child.size / c.size)


def skip_is_worth_it(child: np.ndarray, skip: np.ndarray, parent: np.ndarray, distance: int) -> bool:
    """Whether a delta of ``child`` against ``skip`` (``distance`` generations back) costs at
    most the margin more than one against ``parent`` (estimated on a sample)."""
    allowed = MARGIN_PER_DOUBLING * child.nbytes * math.log2(max(distance, 1)) + 64
    return delta_bytes(child, skip) - delta_bytes(child, parent) <= allowed
