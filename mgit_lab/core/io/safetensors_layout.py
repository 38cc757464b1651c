"""The exact byte layout of a ``.safetensors`` file, read strictly, and the file rebuilt from it.

A safetensors file is ``<u64 little-endian N><N bytes of header JSON><data>``.  To give back
the very bytes that were added, mgit keeps the header bytes as stored (key order, spacing,
``__metadata__``, the spaces that pad it to an 8-byte boundary) and the data as a sequence of
*segments* in file order: each tensor's bytes (stored as a tensor, so it dedups and deltas
like every other), and any bytes between tensors (kept as raw bytes).  The file is rebuilt as
``len(header) + header + segments``.

:func:`read_layout` checks every claim the header makes before anything is stored: a known
dtype, a shape of non-negative integers, ``data_offsets`` inside the data, as long as
``shape`` and ``dtype`` say, and not overlapping another tensor.  A header that lies gets one
:class:`~..errors.InvalidInput` naming the tensor.
"""

from __future__ import annotations

import json
import mmap
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..codecs.abc import STORAGE_DTYPES
from ..errors import InvalidInput

#: safetensors dtype code -> mgit's dtype name (codes not listed are kept as raw bytes)
SAFETENSORS_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
}
#: bytes per element of every dtype code the format defines
ITEMSIZE = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
    "BOOL": 1, "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "C64": 8,
}  # fmt: skip
_MAX_HEADER = 100 * 1024 * 1024  # the safetensors library's own limit


@dataclass
class Segment:
    """A run of the data section: a tensor (``name`` set) or bytes between tensors."""

    name: str | None
    begin: int
    end: int
    #: mgit dtype name, or ``"raw"`` (bytes kept as they are: a gap or an unsupported dtype)
    dtype: str
    shape: list[int]


@dataclass
class Layout:
    """What :func:`read_layout` found: the header bytes and the data segments, in file order."""

    header: bytes
    segments: list[Segment]
    data_start: int
    size: int
    #: tensor names in the header's order (the order a model's tensors are listed in)
    names: tuple[str, ...] = ()


def _lie(path: Path, what: str) -> InvalidInput:
    return InvalidInput(
        f"{path} is not a readable safetensors file: {what}",
        hint="the file is damaged or was not written by a safetensors library: re-save it",
    )


def read_layout(path: Path, buf: Any) -> Layout:
    """The layout of the safetensors file ``path`` whose bytes are ``buf``.

    Raises
    ------
    InvalidInput
        When the header is not what the format says or any tensor's offsets are wrong.
    """
    size = len(buf)
    if size < 8:
        raise _lie(path, f"it is {size} bytes long, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > _MAX_HEADER or 8 + n > size:
        raise _lie(path, f"the header claims {n} bytes but the file holds {size - 8} after the length")
    header = bytes(buf[8 : 8 + n])
    try:
        doc = json.loads(header.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _lie(path, f"the header is not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _lie(path, "the header is not a JSON object")
    data_len = size - 8 - n
    tensors = [_segment(path, name, info, data_len) for name, info in doc.items() if name != "__metadata__"]
    tensors.sort(key=lambda s: (s.begin, s.end))
    segments: list[Segment] = []
    pos = 0
    for seg in tensors:
        if seg.begin < pos:
            raise _lie(path, f"tensor {seg.name!r} overlaps the tensor before it (offset {seg.begin} < {pos})")
        if seg.begin > pos:
            segments.append(Segment(None, pos, seg.begin, "raw", [seg.begin - pos]))
        segments.append(seg)
        pos = seg.end
    if pos < data_len:
        segments.append(Segment(None, pos, data_len, "raw", [data_len - pos]))
    return Layout(header, segments, 8 + n, size, tuple(k for k in doc if k != "__metadata__"))


def _segment(path: Path, name: str, info: Any, data_len: int) -> Segment:
    if not isinstance(info, dict):
        raise _lie(path, f"the entry of tensor {name!r} is not an object")
    code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if code not in ITEMSIZE:
        raise _lie(path, f"tensor {name!r} has the unknown dtype {str(code)[:20]!r}")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise _lie(path, f"tensor {name!r} has the malformed shape {json.dumps(shape)[:60]}")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= data_len
    ):
        raise _lie(
            path, f"tensor {name!r} has data_offsets {json.dumps(offsets)[:60]} outside the {data_len} bytes of data"
        )
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if offsets[1] - offsets[0] != numel * ITEMSIZE[code]:
        raise _lie(
            path,
            f"tensor {name!r} ({code} {shape}) needs {numel * ITEMSIZE[code]} bytes but its data_offsets "
            f"span {offsets[1] - offsets[0]}",
        )
    dtype = SAFETENSORS_DTYPES.get(code, "raw")
    return Segment(name, offsets[0], offsets[1], dtype, list(shape) if dtype != "raw" else [offsets[1] - offsets[0]])


def segment_array(buf: Any, layout: Layout, seg: Segment) -> tuple[np.ndarray, str]:
    """The bytes of ``seg`` as an array in its storage dtype (raw bytes as ``uint8``), no copy."""
    start = layout.data_start + seg.begin
    if seg.dtype == "raw":
        return np.frombuffer(buf, dtype=np.uint8, count=seg.end - seg.begin, offset=start), "uint8"
    dt = STORAGE_DTYPES[seg.dtype].newbyteorder("<")
    count = (seg.end - seg.begin) // dt.itemsize
    arr = np.frombuffer(buf, dtype=dt, count=count, offset=start) if count else np.zeros(0, dtype=dt)
    return arr.reshape(seg.shape), seg.dtype


def layout_state(buf: Any, layout: Layout) -> dict[str, tuple[np.ndarray, str]] | None:
    """The tensors of the file as ``{name: (array, dtype)}`` in header order: read-only
    arrays over ``buf`` (the bytes already read and hashed: no second read, no copy).

    None when a tensor has a dtype mgit keeps only as raw bytes (the torch reader decides
    what it is) or on a big-endian host.
    """
    if sys.byteorder != "little":
        return None
    by_name = {seg.name: seg for seg in layout.segments if seg.name is not None}
    state = {}
    for name in layout.names:
        seg = by_name[name]
        if seg.dtype == "raw":
            return None
        state[name] = segment_array(buf, layout, seg)
    return state


def open_bytes(path: Path) -> Any:
    """The bytes of ``path``, memory-mapped read-only (an empty file as ``b""``)."""
    with open(path, "rb") as f:
        if f.seek(0, 2) == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def rebuild_chunks(header: bytes, parts: Iterable[bytes]) -> Iterable[bytes]:
    """The byte chunks of the file with ``header`` and data ``parts`` in order."""
    yield struct.pack("<Q", len(header))
    yield header
    yield from parts
