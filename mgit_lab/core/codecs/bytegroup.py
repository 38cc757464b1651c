"""``zstd-bytegroup``: lossless whole-tensor compression (byte planes + zstd, as ZipNN)."""

from __future__ import annotations

import numpy as np

from .abc import Buffer, TensorSpec
from .byteplanes import ZstdLevelCodec, pack_planes, unpack_planes


class ByteGroupZstd(ZstdLevelCodec):
    id = "zstd-bytegroup"
    description = "lossless: byte planes grouped, each compressed with zstd"

    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes:
        return pack_planes(array, self.level)

    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        return unpack_planes(data, spec.storage_dtype).reshape(spec.shape)
