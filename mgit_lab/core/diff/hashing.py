"""Content hashes of torch tensors, equal to the object ids of the tensor store.

The store names an object by BLAKE3 of ``"<dtype>|<shape>|"`` and the tensor's bytes
(:func:`mgit_lab.core.store.hashing.object_id`); a test keeps the two in step.  Here
BLAKE3 may use several threads, which does not change the digest.
"""

from __future__ import annotations

import blake3
import numpy as np
import torch

from ..io.tensors import tensor_to_array


def array_hash(array: np.ndarray, dtype: str) -> str:
    """The store's object id of ``array`` (storage dtype) with logical ``dtype``."""
    h = blake3.blake3(max_threads=blake3.blake3.AUTO)
    h.update(f"{dtype}|{','.join(map(str, array.shape))}|".encode())
    flat = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    h.update(flat.data)
    return h.hexdigest()


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
            digest = self._seen[key] = array_hash(array, dtype)
        return digest
