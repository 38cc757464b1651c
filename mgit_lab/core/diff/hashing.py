"""Content hashes of torch tensors: the tensor store's object ids, so stored versions
need no re-hashing (BLAKE3 may use several threads here, which does not change a digest).
"""

from __future__ import annotations

import torch

from ..io.tensors import tensor_to_array
from ..store.hashing import object_id


class TensorHasher:
    """Hashes tensors, once per distinct storage view (tied weights are hashed once)."""

    def __init__(self) -> None:
        self._seen: dict[tuple, str] = {}

    def __call__(self, tensor: torch.Tensor) -> str | None:
        if tensor.device.type == "meta":
            return None
        key = (
            tensor.data_ptr(),
            tensor.dtype,
            tuple(tensor.shape),
            tuple(tensor.stride()),
            tensor.storage_offset(),
        )
        digest = self._seen.get(key)
        if digest is None:
            array, dtype = tensor_to_array(tensor)
            digest = self._seen[key] = object_id(array, dtype, threads=True)
        return digest
