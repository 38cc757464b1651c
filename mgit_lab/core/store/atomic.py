"""Crash-safe file replacement: write a temporary file, fsync it, rename, fsync the folder."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import NoSpace


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_many(items: list[tuple[Path, bytes]]) -> None:
    """:func:`atomic_write_bytes` of several files, their flushes run side by side: when it
    returns every file is in place and durable (its data and its folder entry fsynced), as
    after one call each, but the waits for the disk overlap instead of adding up (a commit
    writes a sketch, a files record and a manifest before its lineage).  On an error none
    of the files is left half-written; those already renamed stay (orphans, as after a crash).
    """
    if len(items) <= 1:
        for path, data in items:
            atomic_write_bytes(path, data)
        return
    from concurrent.futures import ThreadPoolExecutor

    pending: list[list[Any]] = []  # [fd (-1 once closed), temporary path (None once renamed), path]
    try:
        for path, data in items:
            fd, tmp = tempfile.mkstemp(prefix=f".{Path(path).name}.", suffix=".tmp", dir=Path(path).parent)
            pending.append([fd, tmp, Path(path)])
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        with ThreadPoolExecutor(max_workers=min(8, len(pending)), thread_name_prefix="mgit-fsync") as pool:
            list(pool.map(os.fsync, [p[0] for p in pending]))
            for p in pending:
                os.close(p[0])
                p[0] = -1
            for p in pending:
                os.replace(p[1], p[2])
                p[1] = None
            list(pool.map(fsync_dir, sorted({p[2].parent for p in pending})))
    finally:
        for fd, tmp, _ in pending:
            if fd >= 0:
                os.close(fd)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def atomic_write_json(path: Path, value: Any) -> None:
    """:func:`atomic_write_bytes` of a JSON document."""
    atomic_write_bytes(path, json.dumps(value, indent=1, sort_keys=True).encode())


def _disk_full(exc: BaseException) -> bool:
    """True for ENOSPC/EDQUOT, also as h5py reports it (an OSError whose text carries errno 28)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return "errno = 28" in text or "No space left on device" in text or "Disk quota exceeded" in text


@contextmanager
def disk_full_as_error(where: Path) -> Iterator[None]:
    """Turn a full disk inside the block into one :class:`NoSpace` error naming ``where``."""
    try:
        yield
    except NoSpace:
        raise
    except Exception as exc:
        if not _disk_full(exc):
            raise
        raise NoSpace(
            f"the disk holding {where} is full; nothing was committed (the repository is as before)",
            hint="free some space and run the command again; `mgit gc` removes leftovers of the failed write",
        ) from None
