"""``mgit git ...`` (install, check, checkout, resolve, and the entry points git runs:
filter-process, diff-driver, textconv, merge-driver, pre-push) and ``mgit track``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import emit
from .args import verb_parser


def _root(args: argparse.Namespace) -> Path:
    from ..gitint.git_commands import work_tree

    return work_tree(args.repo_path)


def _install(args: argparse.Namespace) -> int:
    from ..gitint.git_commands import git
    from ..gitint.install import install

    scope = "global" if args.scope == "global" else "local"
    if args.scope is None and not git("rev-parse", "--is-inside-work-tree", cwd=args.repo_path, check=False).strip():
        scope = "global"
    done = install(scope, args.repo_path)
    emit(args, {"scope": scope, "done": done}, "\n".join(f"mgit: {d}" for d in done))
    return 0


def _track(args: argparse.Namespace) -> int:
    from ..gitint.install import installed, track

    attrs, added = track(args.patterns, args.repo_path)
    lines = [f"tracking {line.split()[0]} (added to {attrs})" for line in added] or ["already tracked"]
    if not installed(args.repo_path):
        lines.append("note: the mgit filter is not installed here yet: run `mgit git install`")
    lines.append(f"commit {attrs.name} with your checkpoints: git add {attrs.name}")
    emit(args, {"attributes": str(attrs), "added": added}, "\n".join(lines))
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..gitint.check import check

    findings = check(args.repo_path)
    payload = [{"path": f.path, "problem": f.problem, "fix": f.fix} for f in findings]
    text = "\n".join(f.line() for f in findings) if findings else "ok: every mgit-tracked file is a pointer in git"
    emit(args, payload, text)
    return 1 if findings else 0


def _checkout(args: argparse.Namespace) -> int:
    from ..gitint.check import materialize

    written = materialize(args.repo_path, args.paths or None)
    emit(args, written, "\n".join(f"wrote {p}" for p in written) or "nothing to write")
    return 0


def _filter_process(args: argparse.Namespace) -> int:
    from ..gitint.filter_process import main

    return main(Path.cwd())


def _textconv(args: argparse.Namespace) -> int:
    from ..gitint.diff_driver import textconv

    sys.stdout.write(textconv(_root(args), Path(args.file)))
    return 0


def _diff_driver(args: argparse.Namespace) -> int:
    from ..gitint.diff_driver import diff_driver

    sys.stdout.write(diff_driver(_root(args), args.argv))
    return 0


def _merge_driver(args: argparse.Namespace) -> int:
    from ..gitint.merge_driver import merge_driver

    return merge_driver(_root(args), Path(args.base), Path(args.ours), Path(args.theirs), args.path)


def _resolve(args: argparse.Namespace) -> int:
    from ..gitint.merge_driver import resolve

    text = resolve(_root(args), args.path, args.take, args.method)
    emit(args, {"path": args.path}, text)
    return 0


def _pre_push(args: argparse.Namespace) -> int:
    from ..gitint.push_hook import pre_push

    return pre_push(_root(args), args.remote, sys.stdin.read())


def register(sub: argparse._SubParsersAction) -> None:
    p = verb_parser(
        sub,
        "track",
        "let git store matching checkpoints through mgit",
        "Add PATTERN lines with filter=mgit diff=mgit merge=mgit to the top .gitattributes:\n"
        "git then keeps a small pointer and the .mgit store keeps the tensors.",
        ["mgit track '*.safetensors'", "mgit track models/bert/model.safetensors"],
    )
    p.add_argument("patterns", nargs="+", metavar="PATH_OR_GLOB")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_track)

    g = verb_parser(
        sub,
        "git",
        "checkpoints in an ordinary git repository",
        "Version checkpoints beside code in git: git keeps a small text pointer per checkpoint,\n"
        "the .mgit store at the work tree's top keeps the tensors (deltas between commits).",
        ["mgit git install", "mgit track '*.safetensors'", "mgit git check"],
    )
    gsub = g.add_subparsers(dest="git_verb", metavar="SUBVERB")
    gsub.required = True
    p = gsub.add_parser("install", help="set up the filter, diff and merge drivers and the pre-push hook")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--local", dest="scope", action="store_const", const="local", help="this repository (default)")
    scope.add_argument("--global", dest="scope", action="store_const", const="global", help="your ~/.gitconfig")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_install, scope=None)
    p = gsub.add_parser("check", help="find tracked checkpoints committed or checked out without the filter")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_check)
    p = gsub.add_parser("checkout", help="write the checkpoints whose objects arrived since the git checkout")
    p.add_argument("paths", nargs="*")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_checkout)
    p = gsub.add_parser("resolve", help="finish a merge that left parameters in conflict")
    p.add_argument("path")
    take = p.add_mutually_exclusive_group(required=True)
    take.add_argument("--ours", dest="take", action="store_const", const="ours", help="our side's conflicting tensors")
    take.add_argument("--theirs", dest="take", action="store_const", const="theirs", help="their side's")
    take.add_argument("--method", help="combine them with this merge method (e.g. average, ties)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_resolve, take=None)
    # entry points git runs (hidden from the summary)
    p = gsub.add_parser("filter-process")
    p.set_defaults(func=_filter_process)
    p = gsub.add_parser("textconv")
    p.add_argument("file")
    p.set_defaults(func=_textconv)
    p = gsub.add_parser("diff-driver")
    p.add_argument("argv", nargs="*")
    p.set_defaults(func=_diff_driver)
    p = gsub.add_parser("merge-driver")
    for name in ("base", "ours", "theirs", "path"):
        p.add_argument(name)
    p.set_defaults(func=_merge_driver)
    p = gsub.add_parser("pre-push")
    p.add_argument("remote", nargs="?")
    p.add_argument("url", nargs="?")
    p.set_defaults(func=_pre_push)
