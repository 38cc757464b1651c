"""Reading a pack's blob with ``os.preadv`` at file offsets HDF5 reports, not through h5py.

h5py holds one global lock for every call into HDF5, so threads that decode different
objects of a checkout at once queued on their pack reads (about 30% of a checkout's
time).  A blob that HDF5 stores unfiltered (every pack: no compression filter is ever
set) lies in the file as plain bytes, contiguously or in fixed-size chunks; HDF5 tells
where (``H5Dget_offset`` for a contiguous dataset, ``H5Dchunk_iter`` for the chunks), so
a read becomes one ``preadv`` per run of adjacent chunks, straight into the caller's
buffer, without the lock (``preadv`` releases the GIL; reads of 64 KiB or less keep it,
see :func:`_pread_holding_gil`).

:func:`direct_reads` returns None, and the reader keeps using h5py, for anything else:
a filtered or compact dataset, a chunk that is not allocated, a file driver other than
plain POSIX or a file with a user block (offsets would not be file offsets), a platform
without ``os.preadv``.  The bytes on disk decide: HDF5 shares one open file among all
handles of a process that open the same inode, so it may still serve bytes of a file
deleted or truncated since (a stale handle of an older copy); a file too short for the
blob HDF5 describes is an error.  What a direct read returns is checked like any other
read: the decoded object must match its content hash before it leaves the store.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np


class _Fd:
    """An open file descriptor, closed when the last holder lets go of it."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class DirectReads:
    """Byte ranges of one blob dataset read with ``preadv`` (thread safe, no h5py calls).

    The file stays open while the object lives: a read in flight on one thread keeps it
    open while another thread's close drops the reader (its number is never reused under it).

    ``starts[i]`` is where piece ``i`` of the blob lies in the file; each piece holds
    ``piece`` bytes of the blob (one piece covering it all for a contiguous dataset).
    """

    def __init__(self, path: Path, size: int, piece: int, starts: np.ndarray) -> None:
        self.size = size
        self.piece = piece
        self.starts = starts
        self._fd = _Fd(path)

    @property
    def fileno(self) -> int:
        return self._fd.fd

    def read(self, offset: int, length: int) -> memoryview:
        """The blob's bytes ``offset .. offset + length`` (a memoryview over a new buffer)."""
        fd = self._fd
        if offset < 0 or offset + length > self.size:
            raise OSError(f"bytes {offset}..{offset + length} are past the blob's {self.size}")
        out = np.empty(length, dtype=np.uint8)
        if not length:
            return out.data
        first, last = offset // self.piece, (offset + length - 1) // self.piece
        starts = self.starts[first : last + 1]
        # runs of pieces that follow each other in the file: one preadv each
        breaks = np.flatnonzero(np.diff(starts) != self.piece) + 1
        pos = 0
        for a, b in zip([0, *breaks.tolist()], [*breaks.tolist(), len(starts)], strict=True):
            lo = offset + pos
            hi = min(offset + length, (first + b) * self.piece)
            file_at = int(starts[a]) + lo - (first + a) * self.piece
            _read_fully(fd.fd, out[pos : pos + hi - lo], file_at)
            pos += hi - lo
        return out.data


def _read_fully(fd: int, dest: np.ndarray, at: int) -> None:
    """Fill ``dest`` with the file's bytes from ``at``: small reads with the GIL held (see
    :func:`_pread_holding_gil`), larger ones with ``os.preadv``, which releases it."""
    view = dest.data.cast("B")
    pread = _pread_holding_gil() if len(view) <= _HOLD_GIL_BELOW else None
    while len(view):
        if pread is None:
            got = os.preadv(fd, [view], at)
        else:
            got = pread(fd, ctypes.c_void_p(dest.ctypes.data + dest.nbytes - len(view)), len(view), at)
            if got < 0:
                err = ctypes.get_errno()
                if err == errno.EINTR:  # a signal arrived: read again, as os.preadv does (PEP 475)
                    continue
                raise OSError(err, f"reading a pack at file offset {at}: {os.strerror(err)}")
        if got == 0:
            raise OSError(f"pack is truncated (no bytes at file offset {at})")
        view, at = view[got:], at + got


#: reads up to this size keep the GIL (libc ``pread`` called through ``ctypes.PyDLL``)
_HOLD_GIL_BELOW = 1 << 16


@functools.cache
def _pread_holding_gil() -> Callable[[int, ctypes.c_void_p, int, int], int] | None:
    """libc's ``pread``, called without releasing the GIL, or None off Linux.

    A small read takes microseconds; releasing the GIL for it and taking it back at once,
    tens of thousands of times (a ``verify`` of many small objects on a job thread),
    starves every other thread of the process: CPython's waiting thread is woken by each
    release, finds the GIL taken again, and restarts its 5 ms wait for a forced switch,
    which never comes.  A Jupyter server answered a 4 ms request in 0.1-0.5 s while
    such a job ran.  Holding the GIL through small reads (as h5py does) leaves the
    interpreter's forced switches to share it; large reads still release it, for the
    threads that read and decode in parallel."""
    if not sys.platform.startswith("linux") or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None  # (off_t is 64-bit on 64-bit Linux; elsewhere os.preadv is used)
    try:
        fn = ctypes.PyDLL(None, use_errno=True).pread
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
    fn.restype = ctypes.c_ssize_t
    return fn


def direct_reads(path: Path, blob: h5py.Dataset) -> DirectReads | None:
    """Direct reads of ``blob`` (a 1-D ``uint8`` dataset of the pack at ``path``), or None
    when its bytes are not plain runs of the file (then read it with h5py).

    Raises
    ------
    OSError
        When the file is shorter than the blob's place in it (a truncated pack).
    """
    if not hasattr(os, "preadv") or blob.dtype != np.uint8 or blob.ndim != 1:
        return None
    size = int(blob.shape[0])
    # offsets are file offsets only for the plain POSIX driver without a user block
    if size == 0 or blob.file.driver != "sec2" or blob.file.userblock_size != 0:
        return None
    dcpl = blob.id.get_create_plist()
    if dcpl.get_nfilters() != 0:
        return None
    layout = dcpl.get_layout()
    reads: DirectReads | None = None
    if layout == h5py.h5d.CONTIGUOUS:
        at = blob.id.get_offset()
        if at is not None and blob.id.get_storage_size() >= size:
            reads = DirectReads(path, size, size, np.array([at], dtype=np.int64))
    elif layout == h5py.h5d.CHUNKED and blob.chunks is not None:
        reads = _chunked(path, blob, size, int(blob.chunks[0]))
    if reads is not None:
        end = int(reads.starts.max()) + reads.piece
        have = os.fstat(reads.fileno).st_size
        if have < end:
            raise OSError(f"pack {path.name} is truncated ({have} bytes, its data reach byte {end})")
    return reads


def _chunked(path: Path, blob: h5py.Dataset, size: int, chunk: int) -> DirectReads | None:
    count = -(-size // chunk)
    starts = np.full(count, -1, dtype=np.int64)
    plain = [True]

    def seen(info: h5py.h5d.StoreInfo) -> None:
        i = int(info.chunk_offset[0]) // chunk
        if info.filter_mask or info.size != chunk or info.byte_offset is None or not 0 <= i < count:
            plain[0] = False
        else:
            starts[i] = int(info.byte_offset)

    try:
        blob.id.chunk_iter(seen)
    except (AttributeError, RuntimeError, ValueError):  # HDF5 older than 1.14: no chunk_iter
        return None
    if not plain[0] or (starts < 0).any():  # a hole (an unwritten chunk reads as zeros in h5py)
        return None
    return DirectReads(path, size, chunk, starts)
