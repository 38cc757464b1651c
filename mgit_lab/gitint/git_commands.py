"""The few git commands mgit runs: where the work tree is, blobs by revision, config."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..core.errors import InvalidInput


def git(*args: str, cwd: Path | str = ".", check: bool = True, stdin: bytes | None = None) -> bytes:
    """``git ARGS`` run in ``cwd``; its stdout.

    Raises
    ------
    InvalidInput
        When git is not installed, or the command fails and ``check`` is set.
    """
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise InvalidInput("git is not installed", hint="install git (e.g. `apt-get install git`)") from None
    if check and done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InvalidInput(
            f"`git {' '.join(args)}` failed: {msg[-1] if msg else done.returncode}",
            hint="run it inside a git repository",
        )
    return done.stdout


def work_tree(start: Path | str = ".") -> Path:
    """The top of the git work tree holding ``start``.

    Raises
    ------
    InvalidInput
        When ``start`` is not inside a git work tree.
    """
    out = git("rev-parse", "--show-toplevel", cwd=start, check=False).decode().strip()
    if not out:
        raise InvalidInput(f"{Path(start).resolve()} is not inside a git work tree", hint="run `git init` first")
    return Path(out)


def git_dir(start: Path | str = ".") -> Path:
    """The repository's (common) git directory, absolute."""
    out = git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=start).decode().strip()
    return Path(out)


def blobs(revs: list[str], cwd: Path | str = ".") -> list[bytes | None]:
    """The content of each ``rev:path`` (or ``:path``, the index) in one ``git cat-file``
    call; None where there is no such blob."""
    if not revs:
        return []
    out = git("cat-file", "--batch", cwd=cwd, check=False, stdin="".join(r + "\n" for r in revs).encode())
    result: list[bytes | None] = []
    pos = 0
    for _ in revs:
        end = out.index(b"\n", pos)
        line = out[pos:end]
        pos = end + 1
        head = line.split(b" ")
        if line.endswith((b" missing", b" ambiguous")) or len(head) != 3 or not head[2].isdigit():
            result.append(None)
            continue
        size = int(head[2])
        result.append(out[pos : pos + size] if head[1] == b"blob" else None)
        pos += size + 1
    return result
