"""Object ids: BLAKE3 of (logical dtype, shape, bytes), hex.

BLAKE3 runs at several GB/s on one core, so hashing never bounds ``add``.
"""

from __future__ import annotations

import blake3
import numpy as np

_HASH_STEP = 1 << 26  # bytes hashed per update call; views, never copies


def object_id(array: np.ndarray, dtype: str) -> str:
    """Content address of a tensor: equal dtype, shape and bits give an equal id."""
    h = blake3.blake3()
    h.update(f"{dtype}|{','.join(map(str, array.shape))}|".encode())
    flat = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    for start in range(0, flat.size, _HASH_STEP):
        h.update(flat[start : start + _HASH_STEP].data)
    return h.hexdigest()
