"""Dtypes of a merge: the documented casting rule, and stored parameters <-> torch tensors.

The rule (one place, shown in the README and the plan):

- **computation** happens in the requested dtype (``float32`` by default, or ``float64``),
  widened to ``float64`` when an input is ``float64`` (nothing is computed below its
  inputs' precision) and for integer parameters;
- **output** is in the merged versions' dtype.  When they differ (an fp16 fine-tune merged
  with an fp32 one), it is the widest of their floating dtypes, ``float64 > float32 >
  float16, bfloat16``, and ``float32`` for a mix of ``float16`` and ``bfloat16`` (neither
  holds the other).  The ancestor's dtype never decides the output: it is only read;
- floating and integer parameters, bool and complex ones do not mix: the planner reports
  them as ``dtype_conflict`` (take one side with an override).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from ..io.tensors import array_to_tensor, tensor_to_array
from .base import Param

FLOATS = ("float16", "bfloat16", "float32", "float64")
COMPUTE_DTYPES = ("float32", "float64")
_RANK = {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 3}
_TORCH = {"float32": torch.float32, "float64": torch.float64}


def family(dtype: str) -> str:
    """``float``, ``int``, ``bool`` or ``complex``: dtypes of one family can be cast into each other."""
    if dtype in FLOATS:
        return "float"
    if dtype.startswith(("int", "uint")):
        return "int"
    return "complex" if dtype.startswith("complex") else "bool"


def output_dtype(dtypes: Iterable[str]) -> str:
    """The dtype of a merged parameter from its models' dtypes (see the module docstring)."""
    names = list(dict.fromkeys(dtypes))
    if len(names) == 1:
        return names[0]
    if all(n in FLOATS for n in names):
        top = max(_RANK[n] for n in names)
        widest = [n for n in names if _RANK[n] == top]
        return widest[0] if len(widest) == 1 else "float32"
    return max(names, key=lambda n: np.dtype(n).itemsize)  # integers of several widths


def compute_dtype(requested: str, dtypes: Iterable[str]) -> torch.dtype:
    """The torch dtype the arithmetic runs in (see the module docstring)."""
    if any(d == "float64" or family(d) == "int" for d in dtypes):
        return torch.float64
    return _TORCH[requested]


def to_torch(p: Param, dtype: torch.dtype) -> torch.Tensor:
    """A stored parameter as a torch tensor of ``dtype`` (bfloat16 decoded exactly).

    It shares memory with the array when that already holds ``dtype``: strategies never
    modify their inputs (``TensorStrategy.compute``'s contract), and sharing saves a copy
    of every input of the largest tensor.
    """
    array, name = p
    return array_to_tensor(np.ascontiguousarray(array), name).to(dtype)


def from_torch(values: torch.Tensor, dtype: str) -> Param:
    """``values`` in storage form of ``dtype``: floats rounded to nearest even, integers rounded and clipped."""
    if family(dtype) == "int":
        info = np.iinfo(np.dtype(dtype))
        as_f64 = values.to(torch.float64).numpy()
        return np.clip(np.rint(as_f64), info.min, info.max).astype(dtype), dtype
    array, _ = tensor_to_array(values.to(_torch_of(dtype)).contiguous())
    return array, dtype


def _torch_of(dtype: str) -> torch.dtype:
    return {
        "float16": torch.float16,
        "bfloat16": torch.bfloat16,
        "float32": torch.float32,
        "float64": torch.float64,
    }[dtype]
