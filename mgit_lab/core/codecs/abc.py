"""The codec contract.

A codec turns one tensor (a numpy array) into bytes and back, optionally as a delta
against a *base* tensor (the parent's version of the same parameter).

Contract
--------
- ``encode(array, base=None) -> bytes`` (any bytes-like object: a ``bytearray`` saves a
  copy of large streams) and ``decode(data, base, spec) -> ndarray`` (``data`` may be
  any bytes-like object too).
  ``spec`` (a :class:`TensorSpec`) carries the logical dtype and shape; the store keeps
  them beside every object, so codec streams need not repeat them.
- Arrays arrive in their *storage* dtype: every logical dtype maps to one numpy dtype
  (``bfloat16`` is stored as ``uint16`` bit patterns, see :data:`STORAGE_DTYPES`).
- A codec with ``needs_base = True`` must be given a base of the same logical dtype family
  it declares in :meth:`accepts`; the store only offers bases whose shape and dtype the
  codec accepted.  By default that is the child's own dtype and shape; a codec whose
  base may differ (``cast-delta``: an fp32 parent of an fp16 child, same size) overrides
  :meth:`accepts`.  The base is always the parent *as decoded* from the store.
- ``lossless = True`` codecs must reproduce the exact bits (NaN payloads, -0.0 included).
  Lossy codecs set ``lossless = False`` and expose ``error_bound`` in their config; decode
  must then satisfy ``|decode(encode(x)) - x| <= error_bound`` element-wise.
- ``elementwise = True`` means the codec may be applied to flat chunks of a tensor
  independently (the store chunks tensors larger than its chunk size); structure-aware
  codecs (low rank) set it to False and only see whole tensors.
- ``get_config()`` returns JSON-only values and includes ``"id"``;
  ``from_config(get_config())`` rebuilds an equal codec.
- Codecs are stateless between calls and safe to use from several threads.
- A codec may raise :class:`CodecNotApplicable` from ``encode`` when the data does not
  fit its model (e.g. a "cast" codec on a child that is not a cast of the base); the
  automatic chooser then tries the next candidate.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

#: logical dtype name -> numpy dtype the array is held in.
STORAGE_DTYPES: dict[str, np.dtype] = {
    "float64": np.dtype("float64"),
    "float32": np.dtype("float32"),
    "float16": np.dtype("float16"),
    "bfloat16": np.dtype("uint16"),
    "int64": np.dtype("int64"),
    "int32": np.dtype("int32"),
    "int16": np.dtype("int16"),
    "int8": np.dtype("int8"),
    "uint8": np.dtype("uint8"),
    "bool": np.dtype("bool"),
    "complex64": np.dtype("complex64"),
    "complex128": np.dtype("complex128"),
}

#: what ``decode`` accepts: any bytes-like object (a pack read, a memoryview slice).
Buffer = bytes | bytearray | memoryview

FLOAT_DTYPES = frozenset({"float64", "float32", "float16", "bfloat16"})


@dataclass(frozen=True)
class TensorSpec:
    """Logical dtype and shape of a stored tensor."""

    dtype: str
    shape: tuple[int, ...]

    @property
    def storage_dtype(self) -> np.dtype:
        return STORAGE_DTYPES[self.dtype]

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.size * self.storage_dtype.itemsize

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES


class CodecNotApplicable(Exception):
    """Raised by ``encode`` when a codec's model does not fit the data."""


class Codec(ABC):
    """Base class of every codec; see the module docstring for the contract."""

    #: registry key, stable forever once released (it is written into packs).
    id: ClassVar[str]
    #: one line for users (CLI ``mgit codecs``, the panel).
    description: ClassVar[str] = ""
    lossless: ClassVar[bool] = True
    needs_base: ClassVar[bool] = False
    elementwise: ClassVar[bool] = True

    def accepts(self, spec: TensorSpec, base_spec: TensorSpec | None) -> bool:
        """Whether this codec can encode a tensor of ``spec`` against ``base_spec``."""
        if self.needs_base:
            return base_spec is not None and base_spec.shape == spec.shape and base_spec.dtype == spec.dtype
        return True

    @abstractmethod
    def encode(self, array: np.ndarray, base: np.ndarray | None = None) -> bytes | bytearray:
        """Encode ``array`` (storage dtype, any shape), optionally against ``base``."""

    @abstractmethod
    def decode(self, data: Buffer, base: np.ndarray | None, spec: TensorSpec) -> np.ndarray:
        """Rebuild the array of ``spec`` (storage dtype) from ``data`` and ``base``."""

    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable configuration, including ``"id"``."""
        return {"id": self.id}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Codec:
        """Rebuild a codec from :meth:`get_config`'s output."""
        params = {k: v for k, v in config.items() if k != "id"}
        return cls(**params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Codec) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(repr(sorted(self.get_config().items())))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "id")
        return f"{type(self).__name__}({args})"
