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
