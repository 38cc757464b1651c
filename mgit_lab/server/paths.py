"""Paths a request may name, confined to the server's root directory.

Every path in the REST API is relative to Jupyter's ``root_dir`` (as in the file browser).
A path is resolved with symlinks followed (``realpath``) and refused unless the result lies
inside the real root: ``..``, absolute paths and symlinks pointing outside all end here.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import InvalidInput, MgitError
from ..core.repository import MGIT_DIR

#: folders never searched for repositories (besides hidden ones)
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv"})


MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096


def shown(text: object, limit: int = 60) -> str:
    """A short, escaped prefix of client input for a message (never the whole of it)."""
    value = str(text)
    return repr(value[:limit]) + (f"... ({len(value)} characters)" if len(value) > limit else "")


class OutsideRoot(MgitError):
    """A request named a path outside the server's root directory."""

    http_status = 403


class RootDir:
    """The server's root directory and the paths inside it.

    Parameters
    ----------
    root : str or Path
        Jupyter's ``ServerApp.root_dir``.
    """

    def __init__(self, root: str | Path) -> None:
        self.real = Path(os.path.realpath(root))

    def _inside(self, path: Path) -> bool:
        return path == self.real or self.real in path.parents

    def resolve(self, rel: str) -> Path:
        """The real folder or file ``rel`` (relative to the root) names.

        Raises
        ------
        InvalidInput
            For an absolute path or one with a NUL byte.
        OutsideRoot
            When ``rel`` (``..``, a symlink) leads outside the root.
        """
        if not isinstance(rel, str) or "\x00" in rel:
            raise InvalidInput(
                f"invalid path {shown(rel)}",
                hint="give a path relative to the server's root",
            )
        if len(rel.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES or any(
            len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in rel.split("/")
        ):
            raise InvalidInput(
                f"path {shown(rel)} is too long",
                hint=f"at most {MAX_NAME_BYTES} bytes per folder name and {MAX_PATH_BYTES} in all",
            )
        if rel.startswith(("/", "\\")):
            raise InvalidInput(
                f"absolute path {shown(rel)} refused",
                hint="paths are relative to the server's root directory, as in the file browser",
            )
        try:
            real = Path(os.path.realpath(self.real / rel))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"invalid path {shown(rel)}: {type(exc).__name__}", hint="check the path") from None
        if not self._inside(real):
            raise OutsideRoot(
                f"path {shown(rel)} leads outside the server's root directory",
                hint="use a folder inside the root the server was started in",
            )
        return real

    def relative(self, path: Path) -> str:
        """``path`` (inside the root) as the API writes it: POSIX, relative, '' for the root."""
        rel = Path(path).relative_to(self.real).as_posix()
        return "" if rel == "." else rel

    def is_repository(self, folder: Path) -> bool:
        """Whether ``folder`` holds a repository whose ``.mgit`` lies inside the root."""
        mgit = folder / MGIT_DIR
        if not (mgit / "config.json").is_file():
            return False
        return self._inside(Path(os.path.realpath(mgit)))

    def nearest_repository(self, rel: str) -> Path | None:
        """The repository at or above ``rel`` without leaving the root, or None."""
        here = self.resolve(rel)
        if not here.is_dir():
            here = here.parent
        for folder in [here, *here.parents]:
            if not self._inside(folder):
                return None
            if self.is_repository(folder):
                return folder
        return None

    def list_repositories(self, max_depth: int = 4, max_dirs: int = 5000) -> tuple[list[Path], bool]:
        """Repositories under the root, sorted; and whether the search stopped early.

        Hidden folders, ``node_modules`` and the like are skipped; symlinked folders are
        not followed.  At most ``max_dirs`` folders down to ``max_depth`` levels are read.
        """
        found: list[Path] = []
        truncated = False
        base_depth = len(self.real.parts)
        for visited, (dirpath, dirnames, _) in enumerate(os.walk(self.real, followlinks=False), start=1):
            folder = Path(dirpath)
            if self.is_repository(folder):
                found.append(folder)
            depth = len(folder.parts) - base_depth
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS and depth < max_depth
            )
            if visited >= max_dirs and dirnames:
                truncated = True
                break
        return sorted(found), truncated
