"""Argument helpers shared by the verbs: opening the repository, ``key=value`` pairs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..core.errors import InvalidInput
from ..core.repository import Repository


def open_repo(args: argparse.Namespace) -> Repository:
    """The repository at or above ``-C PATH`` (default: the working directory)."""
    return Repository.open(getattr(args, "repo_path", "."))


def parse_pairs(items: list[str] | None, what: str) -> dict[str, Any]:
    """``["lr=3e-5", "note=x"]`` -> ``{"lr": 3e-05, "note": "x"}`` (JSON values where they parse)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--{what} {item!r} is not KEY=VALUE", hint=f"e.g. --{what} accuracy=0.91")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON (shapes in mgit_lab/core/schema.py)"
    )


def verb_parser(
    sub: argparse._SubParsersAction, name: str, summary: str, description: str, examples: list[str]
) -> argparse.ArgumentParser:
    """A subparser whose ``--help`` ends with examples."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(
        name, help=summary, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
