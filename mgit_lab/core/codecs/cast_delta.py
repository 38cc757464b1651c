"""``cast-delta``: a child that is its parent cast to another float dtype (fp16/bf16 of fp32).

The child is predicted as ``cast(parent)`` with round-to-nearest-even (PyTorch's rule,
bfloat16 NaN -> 0x7FC0) and only the elements where the prediction is wrong are stored,
as an ordered delta against the prediction: a plain cast costs a few dozen bytes.

Stream: ``u8 rule (1 = round to nearest even)`` then a :mod:`.deltastream` of the child
against the prediction.
"""

from __future__ import annotations

import numpy as np

from .abc import FLOAT_DTYPES, Buffer, TensorSpec
from .byteplanes import ZstdLevelCodec
from .deltastream import pack_delta, unpack_delta
from .floatbits import cast_float, logical_float

_RULE_RNE = 1


class CastDelta(ZstdLevelCodec):
    id = "cast-delta"
    description = "lossless delta: the parent cast to this float dtype, plus the elements that differ"
    needs_base = True

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        return (
            base_spec is not None
            and spec.dtype in FLOAT_DTYPES
            and base_spec.dtype in FLOAT_DTYPES
            and base_spec.dtype != spec.dtype
            and base_spec.size == spec.size
        )

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        target = logical_float(array.dtype)
        if base is None or target is None or logical_float(base.dtype) is None or base.size != array.size:
            raise ValueError("cast-delta needs a float child and a float base of the same size")
        predicted = cast_float(np.ascontiguousarray(base).reshape(-1), target)
        return bytes([_RULE_RNE]) + pack_delta(array, predicted, self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        if base is None or not data or data[0] != _RULE_RNE:
            raise ValueError("cast-delta stream needs its base and rounding rule 1")
        predicted = cast_float(np.ascontiguousarray(base).reshape(-1), spec.dtype)
        out, end = unpack_delta(memoryview(data)[1:], predicted)
        if end + 1 != len(data):
            raise ValueError("cast-delta stream has trailing bytes")
        return out.view(spec.storage_dtype).reshape(spec.shape)
