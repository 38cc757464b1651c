"""git's long-running filter process (``filter.mgit.process``): one process, many files.

git starts ``mgit git filter-process`` once per command (a whole checkout, ``git add .``,
``git status``) and talks to it in pkt-lines on stdin/stdout::

    git> git-filter-client / version=2 / flush      filter> git-filter-server / version=2 / flush
    git> capability=clean / capability=smudge / ... / flush
    filter> capability=clean / capability=smudge / flush
    then per file:
    git> command=clean|smudge / pathname=P / [ref=, treeish=, blob=] / flush / content / flush
    filter> status=success / flush / content / flush / flush      (or status=error / flush)

A file that fails answers ``status=error`` after one line on stderr saying why and what to
do; the filter is ``required``, so git stops there and never writes a half-made file.  The
process ends when git closes its stdin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

from ..core.errors import MgitError
from ..core.names import terminal_safe
from .checkpoints import Checkpoints, warn
from .pktline import ProtocolError, read_content, read_text_list, write_content, write_text

CAPABILITIES = ("clean", "smudge")


def _handshake(inp: BinaryIO, out: BinaryIO) -> None:
    hello = read_text_list(inp)
    if not hello or hello[0] != "git-filter-client" or "version=2" not in hello[1:]:
        raise ProtocolError(
            f"not git's filter handshake: {hello[:2]!r}",
            hint="this command is run by git (filter.mgit.process); run `mgit git install` to set it up",
        )
    write_text(out, "git-filter-server", "version=2")
    offered = {line.removeprefix("capability=") for line in read_text_list(inp)}
    write_text(out, *(f"capability={c}" for c in CAPABILITIES if c in offered))


def serve(inp: BinaryIO, out: BinaryIO, root: Path) -> int:
    """Answer git's requests until it closes ``inp``; returns the exit code."""
    _handshake(inp, out)
    files = Checkpoints(root)
    try:
        while True:
            try:
                header = read_text_list(inp)
            except EOFError:
                return 0
            keys = dict(line.split("=", 1) for line in header if "=" in line)
            content = read_content(inp)
            command, path = keys.get("command", ""), keys.get("pathname", "")
            try:
                if command == "clean":
                    result = files.clean(content, path)
                elif command == "smudge":
                    result = files.smudge(content, path)
                else:
                    raise ProtocolError(f"unknown filter command {command!r}", hint="upgrade mgit-lab")
            except MgitError as exc:
                warn(f"error: {terminal_safe(str(exc))}")
                write_text(out, "status=error")
                continue
            except Exception as exc:  # noqa: BLE001 - one file's failure is reported, git decides
                warn(f"error: {path}: {type(exc).__name__}: {terminal_safe(str(exc))[:300]}")
                write_text(out, "status=error")
                continue
            write_text(out, "status=success")
            write_content(out, result)
            write_text(out)  # an empty list: the status stays "success"
    finally:
        files.close()


def main(root: Path) -> int:
    """Serve git, then leave at once: git waits for this process to end before it returns,
    and everything was written and closed already (interpreter teardown would only cost
    time: a third of a second with h5py loaded)."""
    try:
        code = serve(sys.stdin.buffer, sys.stdout.buffer, root)
    except EOFError:
        code = 0
    except BrokenPipeError:
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
