"""``mgit trust``: name code mgit may import when repository data refers to it."""

from __future__ import annotations

import argparse

from ..core.trust import trust, trust_file, trusted_references
from . import emit


def _trust(args: argparse.Namespace) -> int:
    if args.refs:
        trust(args.refs)
    refs = sorted(trusted_references())
    emit(args, {"file": str(trust_file()), "references": refs}, "\n".join(refs) or "(nothing trusted yet)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trust",
        help="allow code a lineage names (a model class, a recipe) to be imported",
        description="Lineages, tests.json and model folders are data: a model class or recipe they name "
        "is imported only when you named it: by adding a model of that class, deriving with that recipe, "
        "registering that test, or here. The list is kept in your own trust file "
        "($MGIT_LAB_TRUST_FILE, default ~/.config/mgit-lab/trusted-code.json), never in a repository. "
        "Without REF: list what is trusted.\n\n"
        "examples:\n  mgit trust mypkg.models:Net\n  mgit trust",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("refs", nargs="*", metavar="REF", help="package.module:Name of code you wrote or trust")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_trust)
