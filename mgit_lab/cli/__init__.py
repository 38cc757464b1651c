"""The ``mgit`` command line.

Each verb group lives in its own module exposing ``register(subparsers)``; every verb's
handler takes the parsed ``args`` and returns a JSON-ready payload (from ``core/schema.py``)
plus the text to print.  Errors from the core (:class:`~mgit_lab.core.errors.MgitError`)
become one line on stderr and exit code 1; usage errors exit 2 (argparse's convention).
Logging and progress bars are configured here only.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..core.errors import MgitError
from ..core.names import terminal_safe
from ..version import __version__

#: modules under mgit_lab.cli that register verbs, in help order.
VERB_MODULES = [
    "repo_verbs",
    "add_verb",
    "inspect_verbs",
    "diff_verb",
    "test_verbs",
    "merge_verbs",
    "maint_verbs",
    "trust_verb",
    "git_verbs",
    "remote_verbs",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mgit",
        description="git for machine-learning models: lineage, deltas, diff, tests, merge.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-C", dest="repo_path", default=".", help="run as if started in this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"mgit-lab {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for name in VERB_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


#: where ``emit`` sends a verb's result instead of printing it (see :func:`capture_results`).
_RESULT_SINK: ContextVar[Callable[[Any, str], None] | None] = ContextVar("mgit_result_sink", default=None)


@contextmanager
def capture_results() -> Iterator[list[tuple[Any, str]]]:
    """Collect ``(payload, text)`` of every verb run inside the block instead of printing.

    Other faces (the notebook magics) run the CLI's own verb handlers this way, so a verb
    added to the CLI works there unchanged.
    """
    results: list[tuple[Any, str]] = []
    token = _RESULT_SINK.set(lambda payload, text: results.append((payload, text)))
    try:
        yield results
    finally:
        _RESULT_SINK.reset(token)


def emit(args: argparse.Namespace, payload: Any, text: str, *, colours: bool = False) -> None:
    """Print ``payload`` as JSON with ``--json``, else ``text`` with every terminal control
    sequence escaped (names and messages are data); ``colours`` keeps SGR colour codes.
    Inside :func:`capture_results` both are handed to the capture instead."""
    sink = _RESULT_SINK.get()
    if sink is not None:
        sink(payload, terminal_safe(text, keep_colours=colours))
    elif getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    elif text:
        print(terminal_safe(text, keep_colours=colours))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv``: the arguments; None: the program's own, as the ``mgit``
    executable and ``python -m mgit_lab.cli`` call it) and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        if argv is None:
            # the program ends now: spare the interpreter's final garbage collection over
            # every object numpy, h5py and the verb left (~0.1 s after an add); nothing
            # cyclic holds a resource that is not released at exit anyway
            gc.freeze()
        return code
    except MgitError as exc:
        print(f"mgit: error: {terminal_safe(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mgit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `mgit log | head`: the reader is gone; stop quietly, as git does (128 + SIGPIPE).
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
