"""Where a checkout or export may write, and how the result replaces what was there.

The rules (issue 9, finding 1), checked before a byte is written:

- never the repository's folder, a folder that contains it, or anything inside ``.mgit``;
- never the current folder nor a folder that contains it;
- an existing file is replaced only with ``overwrite``; a symlink is replaced as a link
  (its target is left alone);
- an existing folder is replaced only when it is empty, or when mgit wrote it: a Hugging Face
  export carries the marker file :data:`MARKER` (``.mgit-export``) naming the version; a folder
  of the user's is never deleted, ``overwrite`` or not;
- names longer than the file system allows are refused up front.

The new content is written aside under a short hidden name in the same folder, then renamed
over the target: readers see the old content or the new, never half of either.  A folder
replaced moves aside first and is deleted only after the new one is in place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import Conflict, InvalidInput

#: file written into every folder mgit exports, so a later ``--force`` may replace it
MARKER = ".mgit-export"
_MAX_NAME = 255


def _contains(outer: Path, inner: Path) -> bool:
    return inner == outer or outer in inner.parents


def written_by_mgit(folder: Path) -> bool:
    """Whether ``folder`` is a folder an earlier export of mgit wrote (it holds the marker)."""
    return (folder / MARKER).is_file() and not (folder / MARKER).is_symlink()


def check_target(path: Path, *, overwrite: bool, repo_root: Path | None, folder: bool) -> Path:
    """Check ``path`` may receive an export; returns it made absolute.

    Raises
    ------
    InvalidInput
        When the target is the repository, inside it, contains it or the current folder,
        has a name too long, or its folder does not exist.
    Conflict
        When it exists and may not be replaced.
    """
    path = Path(os.path.abspath(path))
    real = Path(os.path.realpath(path))
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) > _MAX_NAME:
            raise InvalidInput(
                f"the file name {part[:40]!r}... is {len(part.encode('utf-8', 'surrogateescape'))} bytes long",
                hint=f"file systems allow at most {_MAX_NAME} bytes per name: choose a shorter one",
            )
    if repo_root is not None:
        root = Path(os.path.realpath(repo_root))
        mgit = root / ".mgit"
        if _contains(mgit, real) or _contains(mgit, path):
            raise InvalidInput(f"{path} is inside the repository's .mgit folder", hint="write somewhere else")
        if _contains(real, root):
            raise InvalidInput(
                f"{path} is or contains the repository {root}: writing there would replace it",
                hint="write to a new file or folder name",
            )
    cwd = Path(os.path.realpath(os.getcwd()))
    if _contains(real, cwd):
        raise InvalidInput(
            f"{path} is or contains the current folder: writing there would replace it",
            hint="write to a new file or folder name",
        )
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist", hint="create it first")
    if path.is_symlink() or path.is_file():
        if not overwrite:
            raise Conflict(f"{path} already exists", hint="choose another path or pass --force to replace it")
    elif path.is_dir():
        if any(path.iterdir()) and not written_by_mgit(path):
            raise Conflict(
                f"{path} is a folder that holds files mgit did not write",
                hint="mgit never replaces a folder of yours: choose a new name or an empty folder",
            )
        if any(path.iterdir()) and not overwrite:
            raise Conflict(f"{path} already exists", hint="choose another path or pass --force to replace it")
        if not folder and any(path.iterdir()):
            raise Conflict(f"{path} is a folder", hint="write the file to a path inside it or to a new name")
    elif path.exists():
        raise InvalidInput(f"{path} is neither a file nor a folder", hint="choose another path")
    return path


def temp_file(path: Path) -> Path:
    """A new empty file beside ``path`` under a short hidden name."""
    fd, name = tempfile.mkstemp(prefix=".mgit-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def temp_folder(path: Path) -> Path:
    """A new empty folder beside ``path`` under a short hidden name."""
    return Path(tempfile.mkdtemp(prefix=".mgit-", suffix=".tmp", dir=path.parent))


def mark(folder: Path, version: str) -> None:
    """Write the marker that says mgit wrote ``folder``."""
    (folder / MARKER).write_text(json.dumps({"written_by": "mgit-lab", "version": version}) + "\n")


def replace(tmp: Path, path: Path) -> None:
    """Move ``tmp`` over ``path`` atomically; an old folder there goes aside, then away."""
    if path.is_dir() and not path.is_symlink():
        aside = Path(tempfile.mkdtemp(prefix=".mgit-", suffix=".old", dir=path.parent))
        os.replace(path, aside / "old")
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(aside / "old", path)
            aside.rmdir()
            raise
        shutil.rmtree(aside, ignore_errors=True)
        return
    os.replace(tmp, path)


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the portable way (and put it back)
    os.umask(mask)
    return mask


def normal_permissions(path: Path) -> None:
    """Give ``path`` (a file, or a folder and all it holds) the permissions a file the user
    creates gets (``0666``/``0777`` less the umask), not the private ones of a temp file."""
    mask = _umask()
    if path.is_dir():
        for p in [path, *path.rglob("*")]:
            if not p.is_symlink():
                os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)
