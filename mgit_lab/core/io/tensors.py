"""Conversions between torch tensors and the store's numpy arrays, bit-exact for every dtype."""

from __future__ import annotations

import numpy as np
import torch

from ..codecs.abc import STORAGE_DTYPES
from ..errors import InvalidInput

_TORCH_TO_NAME = {
    torch.float64: "float64",
    torch.float32: "float32",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
    torch.complex64: "complex64",
    torch.complex128: "complex128",
}
_NAME_TO_TORCH = {v: k for k, v in _TORCH_TO_NAME.items()}


def tensor_to_array(tensor: torch.Tensor) -> tuple[np.ndarray, str]:
    """``(array in storage dtype, logical dtype name)`` of a tensor; no copy when possible."""
    name = _TORCH_TO_NAME.get(tensor.dtype)
    if name is None:
        raise InvalidInput(
            f"tensors of dtype {tensor.dtype} cannot be stored yet",
            hint=f"convert them to one of: {', '.join(_TORCH_TO_NAME.values())}",
        )
    t = tensor.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    t = t.contiguous()
    if name == "bfloat16":
        return t.view(torch.int16).numpy().view(np.uint16), name
    return t.numpy(), name


def array_to_tensor(array: np.ndarray, dtype: str) -> torch.Tensor:
    """The torch tensor of ``array`` (storage dtype) with logical ``dtype``."""
    if array.dtype != STORAGE_DTYPES[dtype]:
        raise InvalidInput(
            f"array of {array.dtype} is not the storage dtype of {dtype}",
            hint=f"hold {dtype} as {STORAGE_DTYPES[dtype]}",
        )
    if not array.flags.writeable:
        array = array.copy()
    if dtype == "bfloat16":
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


def torch_dtype(name: str) -> torch.dtype:
    return _NAME_TO_TORCH[name]
