"""Repository verbs: init (the lineage work adds add/log/show/checkout/... here)."""

from __future__ import annotations

import argparse

from ..core.repository import Repository
from . import emit


def _init(args: argparse.Namespace) -> int:
    repo = Repository.init(args.path)
    emit(args, {"root": str(repo.root)}, f"Initialised an empty mgit repository in {repo.mgit_dir}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="create an empty repository",
        description="Create an empty repository.\n\nexample: mgit init my-models",
    )
    p.add_argument("path", nargs="?", default=".", help="folder to create it in (default: here)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_init)
