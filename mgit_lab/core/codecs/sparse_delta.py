"""``sparse-delta``: few changed elements, stored as delta-coded positions plus their deltas.

For updates that touch a small part of a tensor (embedding rows of the tokens seen, a
patched slice).  Positions are the gaps between changed indices through split byte
planes; the changed values are ordered deltas against the parent's values.

Stream: positions (:func:`~.splitplanes.pack_positions`) then a :mod:`.deltastream` of
the changed elements against the parent's elements at those positions.
"""

from __future__ import annotations

import numpy as np

from .abc import Buffer, TensorSpec
from .byteplanes import ZstdLevelCodec
from .deltastream import pack_delta, unpack_delta
from .intdelta import int_view
from .splitplanes import pack_positions, unpack_positions


class SparseDelta(ZstdLevelCodec):
    id = "sparse-delta"
    description = "lossless delta: positions of the changed elements plus their deltas"
    needs_base = True

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        if base is None:
            raise ValueError("sparse-delta needs a base")
        c = int_view(array)
        p = int_view(base)
        if c.shape != p.shape or c.dtype != p.dtype:
            raise ValueError("sparse-delta needs child and base of equal size and dtype")
        pos = np.flatnonzero(c != p)
        return pack_positions(pos, c.size) + pack_delta(c[pos], p[pos], self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None:
            raise ValueError("sparse-delta needs a base")
        p = int_view(base)
        pos, used = unpack_positions(data, p.size)
        changed, end = unpack_delta(memoryview(data)[used:], p[pos])
        if used + end != len(data):
            raise ValueError("sparse-delta stream has trailing bytes")
        out = p.copy()
        out[pos] = changed
        return out.view(spec.storage_dtype).reshape(spec.shape)
