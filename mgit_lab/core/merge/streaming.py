"""A merged state computed while it is stored: one parameter in memory at a time.

``Repository.add_arrays`` walks ``state.items()`` once, storing each tensor, and then needs
the version's sketch.  :class:`StreamedState` computes each merged tensor when that walk
reaches it, samples it into the sketch vector (allocated beforehand from the expected
output signatures) and lets it go, so the peak memory of a merge is the inputs and output
of its largest parameter plus the computation's temporaries, not a whole model.  Pass
``state.sketch`` as ``add_arrays(sketch=...)``: it is complete once the walk has ended,
which is before ``add_arrays`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from ..errors import MgitError
from ..inference.sketch import as_float32, layout_of, sample_positions
from ..lineage import TensorRef
from .base import Param, Signature


class StreamedState(Mapping[str, Param]):
    """The merged parameters of ``source`` (an iterator factory), streamed on ``items()``."""

    def __init__(self, expected: dict[str, Signature], source) -> None:
        self.expected = expected
        self._source = source
        self.layout = layout_of({k: TensorRef("", d, list(s)) for k, (d, s) in expected.items()})
        self._slots = {
            n: (numel, off)
            for n, numel, off in zip(self.layout.names, self.layout.numels, self.layout.offsets, strict=True)
        }
        self.sketch = np.zeros(self.layout.size, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.expected)

    def __iter__(self) -> Iterator[str]:
        return iter(self.expected)

    def __getitem__(self, key: str) -> Param:
        for name, param in self.items():
            if name == key:
                return param
        raise KeyError(key)

    def items(self) -> Iterator[tuple[str, Param]]:  # type: ignore[override]
        for name, (array, dtype) in self._source():
            if self.expected.get(name) != (dtype, tuple(array.shape)):
                raise MgitError(f"internal error: the merged {name!r} is {dtype}{list(array.shape)}, not as planned")
            slot = self._slots.get(name)
            if slot is not None:
                numel, offset = slot
                pos = sample_positions(name, numel)
                flat = np.ascontiguousarray(array).reshape(-1)
                self.sketch[offset : offset + pos.size] = as_float32(flat[pos], dtype)
            yield name, (array, dtype)
