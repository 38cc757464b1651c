"""``mgit git install`` (filter, diff and merge drivers in git's config, the pre-push hook)
and ``mgit track`` (``.gitattributes`` lines)."""

from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

from ..core.errors import InvalidInput
from .checkpoints import exclude_store
from .git_commands import git, git_dir, work_tree

ATTRIBUTES = "filter=mgit diff=mgit merge=mgit -text"
HOOK_MARK = "# mgit pre-push hook"


def mgit_command() -> str:
    """How git should start this mgit: the ``mgit`` script beside this Python, else ``-m``."""
    script = Path(sys.executable).parent / "mgit"
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m mgit_lab.cli"


def config_entries() -> dict[str, str]:
    cmd = mgit_command()
    return {
        "filter.mgit.process": f"{cmd} git filter-process",
        "filter.mgit.required": "true",
        "diff.mgit.command": f"{cmd} git diff-driver",
        "diff.mgit.textconv": f"{cmd} git textconv",
        "merge.mgit.name": "mgit three-way merge of checkpoints",
        "merge.mgit.driver": f"{cmd} git merge-driver %O %A %B %P",
    }


def install(scope: str, cwd: Path | str = ".") -> list[str]:
    """Write the drivers into git's ``scope`` config (``local`` or ``global``); in a work
    tree also the pre-push hook and ``/.mgit/`` in ``info/exclude``.  Returns what was done."""
    if scope not in ("local", "global"):
        raise InvalidInput(f"unknown scope {scope!r}", hint="use --local or --global")
    done = []
    if scope == "local":
        top = work_tree(cwd)
    for key, value in config_entries().items():
        git("config", f"--{scope}", key, value, cwd=cwd)
    done.append(f"git config --{scope}: filter.mgit (process, required), diff.mgit, merge.mgit")
    if scope == "local":
        exclude_store(top)
        hook = install_hook(cwd)
        done.append(f"pre-push hook: {hook}")
    return done


def installed(cwd: Path | str = ".") -> bool:
    """Whether git will run the mgit filter here (from any config scope)."""
    out = git("config", "--get", "filter.mgit.process", cwd=cwd, check=False).strip()
    return bool(out)


def install_hook(cwd: Path | str = ".") -> Path:
    """``.git/hooks/pre-push`` calling ``mgit git pre-push`` (an existing hook is kept and
    chained: ours runs after it)."""
    hooks = git_dir(cwd) / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    hook = hooks / "pre-push"
    line = f'{mgit_command()} git pre-push "$@" || exit $?'
    if hook.exists():
        text = hook.read_text()
        if HOOK_MARK in text:
            return hook
        # an existing hook reads stdin too: keep a copy of it for ours
        text = text.rstrip("\n") + f"\n{HOOK_MARK}\n{line}\n"
    else:
        text = f"#!/bin/sh\n{HOOK_MARK}\n{line}\n"
    hook.write_text(text)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return hook


def _escape(pattern: str) -> str:
    return pattern.replace(" ", "[[:space:]]")


def track(patterns: list[str], cwd: Path | str = ".") -> tuple[Path, list[str]]:
    """Add ``PATTERN filter=mgit diff=mgit merge=mgit -text`` lines to the top-level
    ``.gitattributes`` (a pattern already there is left alone); returns the file and the
    lines added."""
    top = work_tree(cwd)
    attrs = top / ".gitattributes"
    text = attrs.read_text() if attrs.exists() else ""
    present = {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}
    added = []
    for raw in patterns:
        if not raw or "\n" in raw:
            raise InvalidInput(f"invalid pattern {raw!r}", hint="give a path or a glob such as '*.safetensors'")
        pattern = _relative_pattern(raw, top, Path(cwd))
        if _escape(pattern) in present:
            continue
        added.append(f"{_escape(pattern)} {ATTRIBUTES}")
        present.add(_escape(pattern))
    if added:
        sep = "" if not text or text.endswith("\n") else "\n"
        attrs.write_text(text + sep + "".join(line + "\n" for line in added))
    return attrs, added


def _relative_pattern(pattern: str, top: Path, cwd: Path) -> str:
    """A pattern given in a subfolder, as the top-level file must say it."""
    here = cwd.resolve()
    if here == top.resolve() or "/" not in pattern and not (here / pattern).exists():
        return pattern
    try:
        rel = here.relative_to(top.resolve()).as_posix()
    except ValueError:
        return pattern
    return f"{rel}/{pattern}" if rel != "." else pattern
