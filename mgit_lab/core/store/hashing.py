"""Object ids: BLAKE3 of (logical dtype, shape, bytes), hex.

BLAKE3 runs at several GB/s on one core, so hashing never bounds ``add``.
"""

from __future__ import annotations

import blake3
import numpy as np

from ..codecs import parallel

_HASH_STEP = 1 << 26  # bytes hashed per update call; views, never copies


#: tensors from this size up are hashed on the store's threads (smaller ones gain nothing)
THREADED_HASH_BYTES = 16 << 20


def hash_threads(nbytes: int) -> int:
    """Threads to hash ``nbytes`` with: the codec thread count (:mod:`..codecs.parallel`) for
    large tensors, else 1."""
    return parallel.threads() if nbytes >= THREADED_HASH_BYTES else 1


class ObjectHasher:
    """Incremental :func:`object_id`: feed the tensor's flat chunks in order."""

    def __init__(self, dtype: str, shape: tuple[int, ...], *, threads: bool | int = False) -> None:
        n = blake3.blake3.AUTO if threads is True else int(threads)
        self._h = blake3.blake3(max_threads=n) if n == blake3.blake3.AUTO or n > 1 else blake3.blake3()
        self._h.update(f"{dtype}|{','.join(map(str, shape))}|".encode())

    def update(self, part: np.ndarray) -> None:
        flat = np.ascontiguousarray(part).reshape(-1).view(np.uint8)
        for start in range(0, flat.size, _HASH_STEP):
            self._h.update(flat[start : start + _HASH_STEP].data)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def object_id(array: np.ndarray, dtype: str, *, threads: bool | int = False) -> str:
    """Content address of a tensor: equal dtype, shape and bits give an equal id.

    ``threads=True`` lets BLAKE3 use every core (same digest) for callers that hash
    whole models outside a store transaction, such as the diff; an integer is a thread
    count (the store passes :func:`hash_threads`).
    """
    h = ObjectHasher(dtype, tuple(array.shape), threads=threads)
    h.update(array)
    return h.hexdigest()
