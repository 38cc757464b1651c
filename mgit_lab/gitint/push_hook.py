"""The ``pre-push`` hook: send the mgit objects the pushed commits need.

git runs ``.git/hooks/pre-push REMOTE URL`` with one line per ref on stdin::

    <local ref> <local sha> <remote ref> <remote sha>

The commits the remote lacks are ``git rev-list <local sha> --not <remote sha>
--remotes=REMOTE``; their mgit-tracked blobs are pointers, and the versions they name are
pushed (with their ancestors, so deltas stay whole) to the mgit remote: ``git config
mgit.remote``, else the mgit remote of the same name as the git remote, else ``origin``.
When no mgit remote is set up the push goes ahead with a warning saying how to set one
up; when sending fails the git push is stopped (collaborators would get pointers without
objects).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.errors import InvalidInput
from .check import tracked_attr
from .git_commands import git
from .pointer import is_pointer, parse

ZERO = "0" * 40


def pushed_versions(root: Path, remote: str | None, stdin: str) -> list[str]:
    """Ids of the versions the pointers of the pushed commits name (in first-seen order)."""
    seen: dict[str, None] = {}
    for line in stdin.splitlines():
        parts = line.split()
        if len(parts) != 4 or set(parts[1]) == {"0"}:
            continue  # a deletion pushes nothing
        args = ["rev-list", "--objects", parts[1], "--not"]
        if set(parts[3]) != {"0"}:
            args.append(parts[3])
        if remote:
            args.append(f"--remotes={remote}")
        listed = git(*args, cwd=root).decode().splitlines()
        with_path = [ln.split(" ", 1) for ln in listed if " " in ln]
        tracked = set(tracked_attr(root, [p for _o, p in with_path]))
        oids = [o for o, p in with_path if p in tracked]
        if not oids:
            continue
        out = git("cat-file", "--batch", cwd=root, stdin="".join(o + "\n" for o in oids).encode())
        pos = 0
        for _ in oids:
            end = out.index(b"\n", pos)
            head = out[pos:end].split()
            pos = end + 1
            if len(head) != 3:
                continue
            size = int(head[2])
            blob = out[pos : pos + size]
            pos += size + 1
            if head[1] == b"blob" and is_pointer(blob):
                seen.setdefault(parse(blob, "a pushed pointer").version, None)
    return list(seen)


def mgit_remote(root: Path, git_remote: str | None) -> str | None:
    """The mgit remote objects go to (None when none is set up)."""
    chosen = git("config", "--get", "mgit.remote", cwd=root, check=False).decode().strip()
    config = root / ".mgit" / "config.json"
    try:
        names = set((json.loads(config.read_text()).get("remotes") or {}).keys()) if config.exists() else set()
    except ValueError:
        names = set()
    if chosen:
        return chosen
    for name in (git_remote, "origin"):
        if name and name in names:
            return name
    return None


def pre_push(root: Path, git_remote: str | None, stdin: str) -> int:
    """The hook: 0 lets the push go on."""
    versions = pushed_versions(root, git_remote, stdin)
    if not versions:
        return 0
    target = mgit_remote(root, git_remote)
    if target is None:
        print(
            f"mgit: warning: the pushed commits name {len(versions)} checkpoint version(s) and no mgit remote is "
            "set up, so their objects stay here; others will get pointers only. Set one up with "
            "`mgit remote add origin URL` (or `git config mgit.remote NAME`), then `mgit push`",
            file=sys.stderr,
        )
        return 0
    try:
        from ..core.remotes.push import push
    except ImportError:
        raise InvalidInput(
            "this mgit-lab has no remotes", hint="upgrade mgit-lab, or push with `git push --no-verify`"
        ) from None
    from ..api import Repository

    repo = Repository.open(root)
    try:
        report = push(repo, target, versions)
    finally:
        repo.close()
    sent = getattr(report, "objects", "?")
    print(
        f"mgit: pushed the checkpoint versions of the pushed commits ({len(versions)}) to mgit remote "
        f"{target!r}: {sent} new object(s)",
        file=sys.stderr,
    )
    return 0
