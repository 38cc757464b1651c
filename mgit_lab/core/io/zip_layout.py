"""The tensors inside a ``torch.save`` file, cut out so they are stored as tensors.

``torch.save`` (and Hugging Face's ``pytorch_model.bin``) writes a zip archive whose entries
are stored uncompressed: ``<archive>/data.pkl`` (the pickle that names the tensors),
``<archive>/data/<key>`` (each storage's raw bytes), a few small records and the central
directory.  Kept as one blob, such a file would cost its whole size again beside the
version's tensors, and a fine-tune's file would never delta against its parent's.

:func:`storage_spans` finds, from the archive's central directory and local headers alone
(no entry is decompressed, nothing is unpickled), where each storage's bytes lie.
:func:`cut` matches each span against the version's tensors *by their bytes* (names in a
pickle are not read: a storage is the tensor it holds when the bytes are equal) and returns
the file with those spans cut out (the *rest*: headers, pickle, unmatched storages) plus the
cuts, in file order.  The file is rebuilt by :func:`rebuild_cut`: the rest with each cut's
bytes put back at its offset.  A storage that is not exactly one tensor (a view, a storage
shared in another shape) simply stays in the rest: the result is exact either way, and
checkout still compares the rebuilt file with the sha256 recorded at add time.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: a storage smaller than this stays in the rest (one object fewer, nothing to dedup)
MIN_CUT = 1024
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_LOCAL_MAGIC = 0x04034B50


@dataclass
class Cut:
    """A tensor's bytes inside the file: ``[offset, offset + nbytes)``."""

    offset: int
    nbytes: int
    name: str
    array: np.ndarray
    dtype: str


def storage_spans(path: Path, buf: Any) -> list[tuple[int, int]]:
    """``[(offset, nbytes)]`` of the stored (uncompressed) ``data/<key>`` entries of the zip
    archive ``path`` (whose bytes are ``buf``), in file order; ``[]`` when the file is not
    such an archive or anything in it does not add up."""
    if len(buf) < 4 or bytes(buf[:4]) != b"PK\x03\x04":
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []
    spans = []
    for info in infos:
        parts = info.filename.split("/")
        if len(parts) < 3 or parts[-2] != "data" or not parts[-1].isdigit():
            continue
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            return []
        start = info.header_offset
        if start + _LOCAL.size > len(buf):
            return []
        fields = _LOCAL.unpack_from(buf, start)
        if fields[0] != _LOCAL_MAGIC:
            return []
        offset = start + _LOCAL.size + fields[9] + fields[10]
        if offset + info.file_size > len(buf):
            return []
        spans.append((offset, info.file_size))
    spans.sort()
    for (a, n), (b, _) in zip(spans, spans[1:], strict=False):
        if a + n > b:
            return []
    return spans


def cut(buf: Any, spans: Iterable[tuple[int, int]], tensors: Mapping[str, tuple[np.ndarray, str]]) -> list[Cut]:
    """The spans of ``buf`` whose bytes are exactly one of ``tensors`` (``{name: (array,
    dtype)}``, C-contiguous arrays), in file order."""
    by_key: dict[tuple[int, bytes, bytes], list[tuple[str, np.ndarray, str]]] = {}
    for name, (array, dtype) in tensors.items():
        if array.nbytes < MIN_CUT or not array.flags.c_contiguous:
            continue
        raw = array.reshape(-1).view(np.uint8)
        by_key.setdefault((array.nbytes, raw[:32].tobytes(), raw[-32:].tobytes()), []).append((name, array, dtype))
    out = []
    for offset, nbytes in spans:
        if nbytes < MIN_CUT:
            continue
        data = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=offset)
        for name, array, dtype in by_key.get((nbytes, data[:32].tobytes(), data[-32:].tobytes()), ()):
            if np.array_equal(array.reshape(-1).view(np.uint8), data):
                out.append(Cut(offset, nbytes, name, array, dtype))
                break
    return out


def rest_of(buf: Any, cuts: list[Cut]) -> bytes:
    """The bytes of ``buf`` outside ``cuts`` (in file order), joined."""
    view = memoryview(buf)
    parts, pos = [], 0
    for c in cuts:
        parts.append(view[pos : c.offset])
        pos = c.offset + c.nbytes
    parts.append(view[pos:])
    return b"".join(parts)


def rebuild_cut(rest: bytes, cuts: Iterable[tuple[int, bytes]]) -> Iterator[bytes]:
    """The file's chunks: ``rest`` with each ``(offset, bytes)`` of ``cuts`` put back, in order.

    Raises
    ------
    ValueError
        When the cuts do not fit the rest (out of order, or past its end).
    """
    pos = 0  # in the file
    taken = 0  # in rest
    for offset, data in cuts:
        gap = offset - pos
        if gap < 0 or taken + gap > len(rest):
            raise ValueError(f"a cut at offset {offset} does not fit the file's other bytes")
        yield rest[taken : taken + gap]
        yield data
        taken += gap
        pos = offset + len(data)
    yield rest[taken:]
