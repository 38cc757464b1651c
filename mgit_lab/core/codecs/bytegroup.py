"""``zstd-bytegroup``: lossless whole-tensor compression (byte planes + zstd, as ZipNN)."""

from __future__ import annotations

import numpy as np

from .abc import Buffer, Codec, TensorSpec
from .byteplanes import DEFAULT_LEVEL, pack_planes, unpack_planes


class ByteGroupZstd(Codec):
    id = "zstd-bytegroup"
    description = "lossless: byte planes grouped, each compressed with zstd"

    def __init__(self, level: int = DEFAULT_LEVEL) -> None:
        self.level = int(level)

    def get_config(self) -> dict:
        return {"id": self.id, "level": self.level}

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        return pack_planes(array, self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        return unpack_planes(data, spec.storage_dtype).reshape(spec.shape)
