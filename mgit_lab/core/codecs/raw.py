"""``raw``: the bytes as they are (the baseline every codec must beat)."""

from __future__ import annotations

import numpy as np

from .abc import Buffer, Codec, TensorSpec


class RawCodec(Codec):
    id = "raw"
    description = "uncompressed bytes"

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        return np.ascontiguousarray(array).tobytes()

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        return np.frombuffer(data, dtype=spec.storage_dtype).reshape(spec.shape).copy()
