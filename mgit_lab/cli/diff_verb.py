"""``mgit diff``: layers and edges to remove from model 1 and add to reach model 2."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core.errors import InvalidInput, NotFound
from ..core.repository import Repository
from . import emit
from .progress import progress_bar

_DESCRIPTION = """\
Diff two models as graphs of layers: what must be removed from A (red, -) and added to
reach B (green, +); uncoloured layers are in both.  Also lists every changed tensor with
its L2 and relative change, the fraction of elements changed and the rank of the update.

A and B are version names (or tags / ids) in the repository, or model paths: a
.safetensors file, a .pt/.pth/.bin state dict, or a Hugging Face folder (config.json).

examples:
  mgit diff base finetuned                  contextual diff (weights too) of two versions
  mgit diff -s base finetuned               structural diff: types and shapes only
  mgit diff -c BertLayer base bigger        one node per transformer layer
  mgit diff -lcs -s bert-base roberta-base  align layers by sequence, not by name
  mgit diff -o diff.html base finetuned     also write a self-contained HTML/SVG page
  mgit diff --json a.safetensors b.safetensors
"""


def _open_repo(path: str) -> Repository | None:
    try:
        return Repository.open(path)
    except NotFound:
        return None


def _diff(args: argparse.Namespace) -> int:
    # imported here: torch loads in seconds, and `mgit --help` should not wait for it
    from ..core.diff import diff_refs, render_html, render_text
    from ..core.diff.render_html import render_svg

    repo = _open_repo(args.repo_path)
    show_progress = sys.stderr.isatty() and not args.json
    with progress_bar(show_progress) as progress:
        diff = diff_refs(
            args.a,
            args.b,
            repo=repo,
            structural=args.structural,
            lcs=args.lcs,
            collapse=args.collapse,
            progress=progress,
            stats=not args.no_stats,
            params_only=args.params_only,
        )
    color = not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render_text(diff, color=color, context=args.context)
    if args.output:
        out = Path(args.output)
        suffix = out.suffix.lower()
        if suffix == ".svg":
            content = render_svg(diff)
            if not content:
                raise InvalidInput(
                    "a --params-only diff has no graph to draw",
                    hint="write .html or .json instead",
                )
        elif suffix == ".json":
            import json

            content = json.dumps(diff.to_json(), indent=2)
        else:
            content = render_html(diff)
        try:
            out.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {out}: {exc.strerror}",
                hint="choose a writable path for -o",
            ) from None
        text += f"\nwrote {out}"
    emit(args, diff.to_json(), text, colours=color)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="diff two models layer by layer",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("a", metavar="A", help="model 1: version name or model path")
    p.add_argument("b", metavar="B", help="model 2: version name or model path")
    p.add_argument(
        "-c",
        "--collapse",
        metavar="SPEC",
        help="show these module types (or paths; comma-separated, wildcards allowed) as one node each, e.g. BertLayer",
    )
    p.add_argument(
        "-s",
        "--structural",
        action="store_true",
        help="compare layer types and shapes only (default: contextual, weights too)",
    )
    p.add_argument(
        "-lcs",
        "--lcs",
        dest="lcs",
        action="store_true",
        help="align layers by longest common subsequence instead of by module path (honours -s and -o)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="also write the diff to OUT: .html (self-contained page with SVG), .svg or .json",
    )
    p.add_argument(
        "-p",
        "--params-only",
        action="store_true",
        help="compare tensors only, without tracing layers (for state dicts with no architecture)",
    )
    p.add_argument(
        "--no-stats",
        action="store_true",
        help="skip L2 / relative change / rank of changed tensors (no tensor is read)",
    )
    p.add_argument(
        "-U",
        "--context",
        type=int,
        default=2,
        metavar="N",
        help="unchanged layers shown around each difference (-1: all; default 2)",
    )
    p.add_argument("--no-color", action="store_true", help="no ANSI colours")
    p.add_argument("--json", action="store_true", help="print the diff as JSON")
    p.set_defaults(func=_diff)
