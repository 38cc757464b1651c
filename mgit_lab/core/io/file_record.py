"""Record, at add time, everything needed to give back a file or folder byte for byte.

:func:`record_source` reads each file once (memory-mapped), hashes it (sha256, on a thread
of its own while the add goes on: :meth:`RecordedSource.finish_hashes`), and splits it into
objects: a safetensors file into its header bytes and its data segments (tensors stay
tensors, so they dedup and delta against the parent's), a ``torch.save`` archive into the
version's tensors cut out of it and the rest of its bytes (:mod:`.zip_layout`), any other
file into one ``uint8`` blob.  :func:`store_record` puts those objects through the transaction's ``put`` and returns
the :class:`~..lineage.files_manifest.FilesRecord` to write.  Nothing is stored until the
whole source was read and found unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NotFound
from ..lineage.files_manifest import FileEntry, FilesRecord
from .folder_scan import FolderFile, check_unchanged, kind_of, scan_folder, stamp_of
from .hf_folder import HF_INDEX_FILES, shard_names
from .safetensors_layout import Layout, layout_state, open_bytes, read_layout, segment_array
from .state import ArrayState
from .zip_layout import cut, rest_of, storage_spans

#: ``put(array, dtype, base, oid) -> oid`` of the open transaction (``oid``: the content
#: hash when already known, else None)
Put = Callable[[np.ndarray, str, "str | None", "str | None"], str]
#: ``{tensor name: (array, dtype, oid)}`` of tensors already hashed (see :func:`store_record`)
Hashed = Mapping[str, tuple[np.ndarray, str, str]]
#: suffixes of files ``torch.save`` writes: their tensors are cut out (see :mod:`.zip_layout`)
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")


@dataclass
class _Pending:
    entry: FileEntry  # its sha256 is filled in by :meth:`RecordedSource.finish_hashes`
    buf: Any
    layout: Layout | None = None
    #: a torch.save archive: where its storages' bytes lie (see :mod:`.zip_layout`)
    spans: list[tuple[int, int]] = field(default_factory=list)


class _Digests:
    """The sha256 of each buffer, computed on a thread of its own: hashlib releases the GIL,
    so the add hashes tensors, infers its parent and encodes meanwhile (the digests are
    needed only when the files record is stored)."""

    def __init__(self, bufs: list[Any]) -> None:
        self._values: list[str] = []
        self._error: BaseException | None = None
        # a daemon: an add that fails early does not wait for the hash of a large file
        self._thread = threading.Thread(target=self._run, args=(bufs,), name="mgit-sha256", daemon=True)
        self._thread.start()

    def _run(self, bufs: list[Any]) -> None:
        try:
            self._values = [_sha256(b) for b in bufs]
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = exc

    def result(self) -> list[str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._values


@dataclass
class RecordedSource:
    """A source read for its files: nothing stored yet."""

    folder: Path
    root: str
    files: list[FolderFile]
    pending: list[_Pending] = field(default_factory=list)
    _digests: _Digests | None = None

    def finish_hashes(self) -> None:
        """Wait for the files' sha256 (hashed in the background since the read) and fill
        them into the entries."""
        if self._digests is not None:
            for p, digest in zip(self.pending, self._digests.result(), strict=True):
                p.entry.sha256 = digest
            self._digests = None

    def check_unchanged(self) -> None:
        """Refuse when a file changed since it was read (call after every read of the source)."""
        check_unchanged(self.folder, self.files)

    def safetensors_state(self) -> ArrayState | None:
        """When the source is one ``.safetensors`` file: its tensors, as read-only arrays over
        the bytes this record read and hashed (see :func:`.safetensors_layout.layout_state`);
        else None."""
        if self.root != "file" or len(self.pending) != 1 or self.pending[0].layout is None:
            return None
        p = self.pending[0]
        assert p.layout is not None
        return layout_state(p.buf, p.layout)


def _sha256(buf: Any) -> str:
    h = hashlib.sha256()
    view = memoryview(buf)
    for i in range(0, len(view), 1 << 24):
        h.update(view[i : i + (1 << 24)])
    return h.hexdigest()


def _read(folder: Path, f: FolderFile) -> _Pending:
    path = folder / f.path
    buf = open_bytes(path)
    entry = FileEntry(f.path, len(buf), "", f.kind)
    if f.kind == "safetensors":
        return _Pending(entry, buf, read_layout(path, buf))
    if f.kind in ("weights", "file") and path.suffix in TORCH_SUFFIXES:
        return _Pending(entry, buf, spans=storage_spans(path, buf))
    return _Pending(entry, buf)


def record_source(path: Path) -> RecordedSource | None:
    """Read the files of a model file or folder ``path`` (None for anything else).

    Raises
    ------
    InvalidInput, NotFound
        See :func:`~.folder_scan.scan_folder` and :func:`~.safetensors_layout.read_layout`;
        a shard index that names a file the folder does not hold.
    """
    if path.is_dir():
        files = scan_folder(path)
        rec = RecordedSource(path, "folder", files)
        _check_indexes(path, files)
    elif path.is_file():
        rec = RecordedSource(path.parent, "file", [FolderFile(path.name, kind_of(path.name), stamp_of(path))])
    else:
        return None
    rec.pending = [_read(rec.folder, f) for f in rec.files]
    rec._digests = _Digests([p.buf for p in rec.pending])
    rec.check_unchanged()
    return rec


def _check_indexes(folder: Path, files: list[FolderFile]) -> None:
    present = {f.path for f in files}
    for name in HF_INDEX_FILES:
        if name in present:
            for shard in shard_names(folder, folder / name):
                if shard not in present:
                    raise NotFound(
                        f"{folder / name} names the shard {shard!r}, which the folder does not hold",
                        hint="copy the missing shard into the folder (or re-save the model with save_pretrained)",
                    )


def _known_oid(hashed: Hashed | None, name: str | None, arr: np.ndarray, dtype: str) -> str | None:
    """The oid of ``arr`` from ``hashed`` when that entry is this very array (same memory,
    dtype, shape and strides: the same bytes, hashed once); else None (``put`` hashes it)."""
    hit = hashed.get(name) if (hashed is not None and name is not None) else None
    if hit is None or hit[1] != dtype or hit[0].__array_interface__ != arr.__array_interface__:
        return None
    return hit[2]


def store_record(
    rec: RecordedSource, put: Put, base_of: Callable[[str], str | None], hashed: Hashed | None = None
) -> FilesRecord:
    """Put every object of ``rec`` through ``put``; ``base_of(tensor name)`` suggests a delta
    base (the parent's object of that name).  ``hashed`` holds tensors already hashed (the
    version's own, when they were read from these bytes): a segment that is the same memory
    reuses that hash.  Returns the record to write."""
    rec.finish_hashes()
    out = []
    for p in rec.pending:
        entry = p.entry
        cuts = cut(p.buf, p.spans, {k: (a, d) for k, (a, d, _) in hashed.items()}) if p.spans and hashed else []
        if cuts:
            assert hashed is not None
            entry.layout = "cut"
            entry.header = put(np.frombuffer(rest_of(p.buf, cuts), dtype=np.uint8), "uint8", None, None)
            for c in cuts:
                oid = put(c.array, c.dtype, base_of(c.name), hashed[c.name][2])
                entry.segments.append([c.name, oid, c.dtype, list(c.array.shape), c.offset])
        elif p.layout is None:
            entry.oid = put(np.frombuffer(p.buf, dtype=np.uint8), "uint8", None, None)
        else:
            entry.header = put(np.frombuffer(p.layout.header, dtype=np.uint8), "uint8", None, None)
            for seg in p.layout.segments:
                arr, dtype = segment_array(p.buf, p.layout, seg)
                known = _known_oid(hashed, seg.name, arr, dtype)
                oid = put(arr, dtype, base_of(seg.name) if seg.name else None, known)
                entry.segments.append([seg.name, oid, seg.dtype, list(arr.shape)])
        out.append(entry)
    return FilesRecord(rec.root, out)
