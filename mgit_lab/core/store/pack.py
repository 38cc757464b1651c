"""Immutable HDF5 packs.

A pack is one HDF5 file holding a single ``uint8`` dataset ``blob`` (the encoded objects,
back to back) and a dataset ``index`` (the pack's index as JSON, kept for recovery).  The
same index is written beside it as ``<pack>.idx.json`` so that opening a repository reads
small JSON files, not every HDF5 file.  One blob per pack, rather than a dataset per
tensor, keeps HDF5's per-object overhead (about 1-2 KB) off the thousands of tiny bias and
norm tensors a model has.

A pack is written to ``tmp/``, fsynced, and renamed into ``packs/`` (its index after it), so
a crash leaves at worst an orphan temporary file that ``gc`` removes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .atomic import atomic_write_json, fsync_dir
from .files import INDEX_SUFFIX, PACK_SUFFIX
from .pack_direct import DirectReads, direct_reads

#: HDF5 allocates whole chunks, so small packs are written as one exact-size contiguous
#: dataset from memory; past this size the blob streams to a chunked dataset instead.
_BUFFER_LIMIT = 8 << 20
_BLOB_CHUNK = 256 << 10
#: once this many bytes were streamed since the last early flush, the disk starts on them
_WRITEBACK_BYTES = 16 << 20


class PackWriter:
    """Appends encoded objects to a new pack; :meth:`commit` makes it visible."""

    def __init__(self, packs_dir: Path, tmp_dir: Path) -> None:
        self.packs_dir = packs_dir
        self.tmp_dir = tmp_dir
        self.name = f"pack-{time.time_ns():016x}-{os.urandom(4).hex()}"
        self.tmp_path = tmp_dir / (self.name + PACK_SUFFIX + ".tmp")
        self._file: h5py.File | None = None
        self._blob: h5py.Dataset | None = None
        self._buffer: bytearray | None = bytearray()
        self._size = 0
        self._flushed = 0
        self._flusher: threading.Thread | None = None
        self._flush_error: OSError | None = None
        self.objects: dict[str, dict[str, Any]] = {}

    def _open(self) -> h5py.File:
        if self._file is None:
            self._file = h5py.File(self.tmp_path, "w", libver="latest")
        return self._file

    def _stream(self) -> h5py.Dataset:
        """Switch from the memory buffer to a chunked, growing dataset."""
        if self._blob is None:
            self._blob = self._open().create_dataset(
                "blob", shape=(0,), maxshape=(None,), dtype=np.uint8, chunks=(_BLOB_CHUNK,)
            )
            if self._buffer:
                self._blob.resize((len(self._buffer),))
                self._blob[:] = np.frombuffer(self._buffer, dtype=np.uint8)
            self._buffer = None
        return self._blob

    def append(self, data: bytes | bytearray | memoryview) -> tuple[int, int]:
        """Write ``data`` to the blob; returns its ``(offset, length)``."""
        offset, length = self._size, len(data)
        if self._buffer is not None and len(self._buffer) + length <= _BUFFER_LIMIT:
            self._buffer += data
        elif length:
            ds = self._stream()
            ds.resize((offset + length,))
            ds[offset : offset + length] = np.frombuffer(data, dtype=np.uint8)
            if offset + length - self._flushed >= _WRITEBACK_BYTES:
                self._write_back(offset + length)
        self._size += length
        return offset, length

    def _write_back(self, size: int) -> None:
        """Start the disk on the bytes streamed so far: an ``fdatasync`` on a thread of its
        own while the encoding goes on, so :meth:`commit`'s fsync waits only for the rest.
        Durability is :meth:`commit`'s as before (its fsync covers every byte); an error of
        the early flush is raised there (the kernel reports it once)."""
        if self._flusher is not None and self._flusher.is_alive():
            return  # one at a time: the next append asks again
        self._flushed = size  # what HDF5 still holds in its chunk cache (< 1 MB) waits for the commit
        fd = os.open(self.tmp_path, os.O_RDONLY)

        def flush() -> None:
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self._flush_error = exc
            finally:
                os.close(fd)

        self._flusher = threading.Thread(target=flush, name="mgit-writeback", daemon=True)
        self._flusher.start()

    def _join_flusher(self) -> None:
        if self._flusher is not None:
            self._flusher.join()
            self._flusher = None

    def read(self, offset: int, length: int) -> bytes:
        """Read back bytes written earlier in this (uncommitted) pack."""
        if not length:
            return b""
        if self._buffer is not None:
            return bytes(self._buffer[offset : offset + length])
        return self._stream()[offset : offset + length].tobytes()

    def commit(self) -> str | None:
        """Make the pack durable and visible; returns its name (None when empty)."""
        if not self.objects:
            self.abort()
            return None
        index = {"pack": self.name, "objects": self.objects}
        if self._buffer is not None:  # small pack: one contiguous dataset of the exact size
            self._open().create_dataset("blob", data=np.frombuffer(self._buffer, dtype=np.uint8))
            self._buffer = None
        assert self._file is not None
        self._file.create_dataset("index", data=np.frombuffer(json.dumps(index).encode(), dtype=np.uint8))
        self._file.attrs["format"] = "mgit-lab-pack"
        self._file.attrs["version"] = 1
        self._file.close()
        self._file = None
        self._join_flusher()
        if self._flush_error is not None:
            raise self._flush_error
        with open(self.tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        final = self.packs_dir / (self.name + PACK_SUFFIX)
        os.replace(self.tmp_path, final)
        fsync_dir(self.packs_dir)
        atomic_write_json(self.packs_dir / (self.name + INDEX_SUFFIX), index)
        return self.name

    def abort(self) -> None:
        """Drop everything written; nothing becomes visible."""
        self._join_flusher()
        if self._file is not None:
            self._file.close()
            self._file = None
        self.tmp_path.unlink(missing_ok=True)


class PackReader:
    """Reads byte ranges of a committed pack (opened lazily, kept open; thread safe).

    Reads go straight to the file with ``preadv`` where HDF5 reports the blob's bytes as
    plain runs of it (every pack this store writes: see :mod:`.pack_direct`), so threads
    read at once; through h5py (one read at a time) otherwise.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: h5py.File | None = None
        self._blob: h5py.Dataset | None = None
        self._direct: DirectReads | None = None

    def _open(self) -> h5py.Dataset:
        if self._blob is None:
            fh = h5py.File(self.path, "r")
            try:
                blob = fh["blob"]
                self._direct = direct_reads(self.path, blob)
            except BaseException:
                fh.close()
                raise
            self._file, self._blob = fh, blob
        return self._blob

    def read(self, offset: int, length: int) -> bytes | memoryview:
        """The bytes at ``offset`` (a memoryview over a new buffer: every codec decodes from one)."""
        if not length:
            return b""
        direct = self._direct
        if direct is None:
            with self._lock:
                blob = self._open()
                direct = self._direct
                if direct is None:
                    if offset + length > blob.shape[0]:
                        raise OSError(f"pack {self.path.name} is truncated")
                    out = np.empty(length, dtype=np.uint8)  # HDF5 reads straight into it: no copy
                    blob.read_direct(out, np.s_[offset : offset + length])
                    return out.data
        if offset + length > direct.size:
            raise OSError(f"pack {self.path.name} is truncated")
        return direct.read(offset, length)

    @property
    def reads_directly(self) -> bool:
        """Whether reads bypass h5py (known once the pack was opened by a read)."""
        return self._direct is not None

    def close(self) -> None:
        with self._lock:
            self._direct = None  # its file closes when no read in flight holds it
            if self._file is not None:
                self._file.close()
                self._file = None
                self._blob = None


def read_embedded_index(path: Path) -> dict[str, Any]:
    """The index stored inside a pack (to rebuild a lost ``.idx.json``)."""
    with h5py.File(path, "r") as fh:
        return json.loads(fh["index"][()].tobytes())
