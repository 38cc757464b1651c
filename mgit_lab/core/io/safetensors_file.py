"""``.safetensors`` files read straight into storage arrays, without torch.

The format: an unsigned 64-bit little-endian header length, a JSON header
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``, then
the tensors' bytes (little-endian, C order), offsets relative to the end of the header.
``mgit add`` of a safetensors file therefore never imports torch; a dtype this reader does
not know (or a big-endian host) falls back to the torch reader in :mod:`.sources`.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

from ..errors import InvalidInput
from .state import ArrayState

#: safetensors dtype -> (logical dtype name, storage dtype)
DTYPES = {
    "F64": ("float64", "<f8"),
    "F32": ("float32", "<f4"),
    "F16": ("float16", "<f2"),
    "BF16": ("bfloat16", "<u2"),
    "I64": ("int64", "<i8"),
    "I32": ("int32", "<i4"),
    "I16": ("int16", "<i2"),
    "I8": ("int8", "i1"),
    "U8": ("uint8", "u1"),
    "BOOL": ("bool", "?"),
}
_MAX_HEADER = 100 << 20


def _damaged(path: Path, what: str) -> InvalidInput:
    return InvalidInput(
        f"{path} is not a readable safetensors file: {what}",
        hint="check that the file is complete and not corrupted",
    )


def read_safetensors(path: Path) -> ArrayState | None:
    """``{name: (array, dtype)}`` of a safetensors file (writable arrays over one buffer), or
    None when a tensor has a dtype this reader leaves to torch.

    Raises
    ------
    InvalidInput
        When the file is truncated or its header is not a valid safetensors header.
    """
    if sys.byteorder != "little":
        return None
    data = bytearray(path.read_bytes())
    if len(data) < 8:
        raise _damaged(path, "shorter than its header")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(_MAX_HEADER, len(data) - 8):
        raise _damaged(path, f"header length {size} does not fit the file")
    try:
        header = json.loads(bytes(data[8 : 8 + size]))
    except ValueError as exc:
        raise _damaged(path, f"the header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _damaged(path, "the header is not a JSON object")
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + size :]
    state: ArrayState = {}
    for name, info in header.items():
        try:
            kind, shape, (begin, end) = info["dtype"], [int(d) for d in info["shape"]], info["data_offsets"]
        except (TypeError, KeyError, ValueError) as exc:
            raise _damaged(path, f"bad header entry for {name!r} ({exc})") from None
        if kind not in DTYPES:
            return None
        logical, storage = DTYPES[kind]
        dtype = np.dtype(storage)
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not (0 <= begin <= end <= len(body)) or end - begin != count * dtype.itemsize:
            raise _damaged(path, f"the bytes of {name!r} do not match its dtype and shape")
        state[name] = (np.frombuffer(body[begin:end], dtype=dtype).reshape(shape), logical)
    return state
