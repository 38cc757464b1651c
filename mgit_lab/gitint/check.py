"""``mgit git check`` (what is wrong with the tracked checkpoints here, and the command that
fixes it) and ``mgit git checkout`` (write the checkpoints whose objects arrived since)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import MgitError
from .checkpoints import Checkpoints, raw_checkpoint_advice
from .git_commands import blobs, git, work_tree
from .install import installed
from .pointer import checkpoint_kind, is_conflict, is_pointer, parse


@dataclass
class Finding:
    path: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"{self.path}: {self.problem}\n    fix: {self.fix}"


def tracked_paths(top: Path, paths: list[str] | None = None) -> list[str]:
    """Files in the index whose ``filter`` attribute is ``mgit``."""
    listed = git("ls-files", "-z", "--", *(paths or []), cwd=top).split(b"\0")
    return tracked_attr(top, list(dict.fromkeys(p.decode("utf-8", "surrogateescape") for p in listed if p)))


def tracked_attr(top: Path, names: list[str]) -> list[str]:
    """Those of ``names`` whose ``filter`` attribute is ``mgit``."""
    if not names:
        return []
    out = git("check-attr", "-z", "filter", "--stdin", cwd=top, stdin=b"\0".join(n.encode() for n in names) + b"\0")
    parts = out.split(b"\0")
    return [parts[i].decode() for i in range(0, len(parts) - 2, 3) if parts[i + 2] == b"mgit"]


def check(cwd: Path | str = ".") -> list[Finding]:
    """Every problem with the mgit-tracked files of the work tree holding ``cwd``."""
    top = work_tree(cwd)
    findings = []
    if not installed(top):
        findings.append(Finding(".", "the mgit filter is not installed in git's config", "mgit git install"))
    paths = tracked_paths(top)
    index = blobs([f":{p}" for p in paths], cwd=top)
    for path, blob in zip(paths, index, strict=True):
        if blob is None:  # unmerged: stages 1-3 only
            work = top / path
            if work.is_file() and is_conflict(work.open("rb").read(64)):
                findings.append(
                    Finding(
                        path,
                        "an mgit merge left parameters in conflict",
                        f"mgit git resolve {path} --ours|--theirs|--method NAME",
                    )
                )
            continue
        if checkpoint_kind(blob) is not None and not is_pointer(blob):
            findings.append(
                Finding(
                    path,
                    "a raw checkpoint is committed where an mgit pointer is expected",
                    raw_checkpoint_advice(path).split("Run: ", 1)[1],
                )
            )
            continue
        if not is_pointer(blob):
            continue
        try:
            ptr = parse(blob, path)
        except MgitError as exc:
            findings.append(Finding(path, str(exc), f"git checkout HEAD~1 -- {path}  (or re-add the checkpoint)"))
            continue
        work = top / path
        if not work.is_file():
            continue
        head = work.open("rb").read(64)
        if is_pointer(head):
            why = "the work tree holds the pointer, not the checkpoint"
            steps = [] if installed(top) else ["mgit git install"]
            if not _stored(top, ptr.version):
                steps.append("fetch the objects (`mgit pull` from the mgit remote, or copy the .mgit store)")
                why += "; the .mgit store here lacks its objects"
            steps.append(f"mgit git checkout {path}")
            findings.append(Finding(path, f"{why} (version {ptr.name})", " && ".join(steps)))
        elif is_conflict(head):
            findings.append(
                Finding(
                    path,
                    "an mgit merge left parameters in conflict",
                    f"mgit git resolve {path} --ours|--theirs|--method NAME",
                )
            )
    return findings


def _stored(top: Path, version: str) -> bool:
    """Whether the store at ``top`` can rebuild ``version``'s file."""
    files = Checkpoints(top)
    try:
        repo = files.repo(create=False)
        if repo is None or version not in repo.graph:
            return False
        record = repo.files(version)
        return record is not None and all(repo.store.has(oid) for oid in record.oids())
    finally:
        files.close()


def materialize(cwd: Path | str = ".", paths: list[str] | None = None) -> list[str]:
    """Write the checkpoint of every tracked file whose work tree copy is still its pointer
    (objects fetched since the checkout); returns the paths written."""
    top = work_tree(cwd)
    files = Checkpoints(top)
    written = []
    try:
        tracked = tracked_paths(top, paths)
        for path, blob in zip(tracked, blobs([f":{p}" for p in tracked], cwd=top), strict=True):
            work = top / path
            if not work.is_file():
                continue
            data = work.read_bytes()
            if not is_pointer(data) or data != blob:  # only the index's own pointer is replaced
                continue
            content = files.smudge(data, path)
            if content == data:
                continue
            fd, tmp = tempfile.mkstemp(dir=work.parent, prefix=f".{work.name}.")
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.chmod(tmp, work.stat().st_mode)
            os.replace(tmp, work)
            written.append(path)
    finally:
        files.close()
    if written:
        # the file changed size, so git would call it modified without looking: adding it
        # again cleans it to the same pointer (the index blob stays, its stat is renewed)
        git("add", "--", *written, cwd=top)
    return written
