"""Give back the files a version was added from, byte for byte, or refuse.

Each file is rebuilt from its objects (a blob; a safetensors header and its segments; or a
``torch.save`` archive's other bytes and the tensors cut out of it),
hashed while it is written, and compared with the hash recorded at add time: a mismatch is
a :class:`~..errors.Corrupt` error and the half-written result is deleted, so checkout never
hands out bytes that differ from what was added.  Files appear atomically: written aside
under a hidden name, then renamed over the target (see :mod:`.targets`), with the user's
normal permissions (umask), not the private ones of a temporary file.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

import numpy as np

from ..errors import Corrupt, InvalidInput
from ..lineage.files_manifest import FileEntry, FilesRecord
from .safetensors_layout import rebuild_chunks
from .targets import check_target, normal_permissions, replace, temp_file, temp_folder
from .zip_layout import rebuild_cut

#: ``get(oid) -> array`` of the object store
Get = Callable[[str], np.ndarray]


def file_chunks(entry: FileEntry, get: Get) -> Iterator[bytes]:
    """The bytes of ``entry`` in order, decoded from the store."""
    if entry.oid is not None:
        yield get(entry.oid).tobytes()
        return
    header = get(str(entry.header)).tobytes()
    if entry.layout == "cut":
        cuts = ((int(s[4]), np.ascontiguousarray(get(str(s[1]))).tobytes()) for s in entry.segments)
        try:
            yield from rebuild_cut(header, cuts)
        except ValueError as exc:
            raise Corrupt(
                f"the files manifest of {entry.path} is damaged: {exc}", hint="restore it from a backup"
            ) from None
        return
    if entry.layout is not None:
        raise Corrupt(
            f"{entry.path} was recorded with the layout {str(entry.layout)[:20]!r}, which this mgit does not know",
            hint="upgrade mgit-lab to check this version out",
        )
    parts: Iterable[bytes] = (np.ascontiguousarray(get(str(s[1]))).tobytes() for s in entry.segments)
    yield from rebuild_chunks(header, parts)


def _write_checked(entry: FileEntry, get: Get, target: Path, label: str) -> None:
    h = hashlib.sha256()
    size = 0
    with open(target, "wb") as f:
        for chunk in file_chunks(entry, get):
            h.update(chunk)
            size += len(chunk)
            f.write(chunk)
    if size != entry.size or h.hexdigest() != entry.sha256:
        raise Corrupt(
            f"{label}: the rebuilt {entry.path} ({size} bytes) differs from the file that was added "
            f"({entry.size} bytes, sha256 {entry.sha256[:12]}...); nothing was written",
            hint="run `mgit verify` to find the damaged objects",
        )


def _safe_rel(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("..", ".", "") for part in p.parts):
        raise Corrupt(f"the files manifest names the path {rel[:120]!r}", hint="restore it from a backup")
    return p


def write_record(
    record: FilesRecord,
    get: Get,
    path: Path,
    *,
    label: str,
    overwrite: bool = False,
    repo_root: Path | None = None,
) -> int:
    """Rebuild ``record`` at ``path`` (the file, or the folder); returns the bytes written.

    Raises
    ------
    InvalidInput, Conflict
        When ``path`` may not be written (see :func:`~.targets.check_target`).
    Corrupt
        When a rebuilt file's hash differs from the one recorded at add time.
    """
    if record.root == "file":
        if path.suffix != PurePosixPath(record.files[0].path).suffix:
            raise InvalidInput(
                f"{label} was added from {record.files[0].path}, and {path.name} has another suffix",
                hint=f"name the file *{PurePosixPath(record.files[0].path).suffix} for the exact file, "
                "or use `mgit export --format ...` to convert it",
            )
        path = check_target(path, overwrite=overwrite, repo_root=repo_root, folder=False)
        tmp = temp_file(path)
        try:
            _write_checked(record.files[0], get, tmp, label)
            normal_permissions(tmp)
            replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return record.files[0].size
    path = check_target(path, overwrite=overwrite, repo_root=repo_root, folder=True)
    tmp = temp_folder(path)
    try:
        for entry in record.files:
            rel = _safe_rel(entry.path)
            target = tmp.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_checked(entry, get, target, label)
        normal_permissions(tmp)
        replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sum(e.size for e in record.files)


def copy_files(record: FilesRecord, get: Get, folder: Path, *, skip: Callable[[FileEntry], bool]) -> list[str]:
    """Write the files of ``record`` that ``skip`` keeps and ``folder`` does not hold yet,
    each checked against its hash; returns their paths."""
    out = []
    for entry in record.files:
        rel = _safe_rel(entry.path)
        target = folder.joinpath(*rel.parts)
        if skip(entry) or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_checked(entry, get, target, str(folder))
        out.append(entry.path)
    return out
