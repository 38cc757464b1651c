"""Model-test verbs: ``mgit test`` (run), ``mgit tests`` (list/add/remove), ``mgit bisect``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from . import emit
from .progress import progress_bar


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    cells = [[str(c) for c in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_metrics(metrics: dict[str, Any], checks: dict[str, Any] | None = None) -> str:
    """``accuracy=0.9634 (>= 0.9 ok)  loss=0.0831`` from a result's metrics and checks."""
    parts = []
    for name, value in metrics.items():
        text = f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        check = (checks or {}).get(name) or {}
        if check.get("condition"):
            text += f" ({check['condition']} {'ok' if check.get('passed') else 'FAIL'})"
        parts.append(text)
    return "  ".join(parts)


def _open(args: argparse.Namespace):
    from ..core.repository import Repository

    return Repository.open(args.repo_path)


def _test(args: argparse.Namespace) -> int:
    from ..core.errors import InvalidInput
    from ..core.evaluation import run_tests

    repo = _open(args)
    if args.all or args.type:
        if args.version:
            raise InvalidInput("pass a VERSION or --all/--type, not both")
        keys = [v.id for v in repo.versions() if args.all or v.model_type == args.type]
    elif args.version:
        keys = [args.version]
    else:
        raise InvalidInput("name a version to test", hint="mgit test VERSION, or --all, or --type T")
    results = []
    with progress_bar(not args.json) as cb:
        for key in keys:
            results.extend(run_tests(repo, key, names=args.only, progress=cb))
    rows = [
        [
            r["version_name"],
            r["test"],
            r["status"],
            format_metrics(r["metrics"], r["checks"]),
            f"{r['duration_s']:.3f}s",
        ]
        for r in results
    ]
    text = (
        format_table(["version", "test", "status", "metrics", "time"], rows) if rows else "no registered test applies"
    )
    emit(args, results, text)
    return 1 if any(r["status"] == "failed" for r in results) else 0


def _tests_list(args: argparse.Namespace) -> int:
    from ..core.evaluation import list_tests

    specs = list_tests(_open(args), args.version)
    rows = []
    for s in specs:
        scope = {
            "type": f"type {s['model_type']}",
            "version": f"version {s['version']}",
            "graph": "graph",
        }[s["scope"]]
        metrics = ", ".join(
            f"{m} ({spec['direction']}{' ' + spec['condition'] if spec['condition'] else ''})"
            for m, spec in s["metrics"].items()
        )
        rows.append([s["name"], scope, s["ref"], metrics])
    emit(
        args,
        specs,
        format_table(["test", "scope", "function", "metrics"], rows) if rows else "no tests registered",
    )
    return 0


def _tests_add(args: argparse.Namespace) -> int:
    from ..core.evaluation import register_test

    spec = register_test(
        _open(args),
        args.ref,
        model_type=args.type,
        version=args.version,
        graph=args.graph,
        name=args.name,
        metrics=args.metric,
        dataset=args.dataset,
        preprocess=args.preprocess,
        description=args.description or "",
        replace=args.replace,
    )
    emit(args, spec, f"registered test {spec['name']!r} ({spec['ref']})")
    return 0


def _tests_remove(args: argparse.Namespace) -> int:
    from ..core.evaluation import unregister_test

    spec = unregister_test(_open(args), args.name)
    emit(
        args,
        spec,
        f"removed test {spec['name']!r}; results stored on versions are kept",
    )
    return 0


def _bisect(args: argparse.Namespace) -> int:
    from ..core.evaluation import bisect

    with progress_bar(not args.json) as cb:
        result = bisect(_open(args), args.good, args.bad, args.test, progress=cb)
    lines = [
        f"path ({len(result.path)} versions): {' -> '.join(result.path)}",
        *[f"  {s['version_name']}: {s['status']}{' (stored result)' if s['cached'] else ''}" for s in result.steps],
        f"first failing version: {result.first_bad} (last passing: {result.last_good})",
    ]
    emit(args, result.to_json(), "\n".join(lines))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "test",
        help="run the registered tests on versions",
        description="Run the tests registered for a version (by its type, on it, or on the whole graph), "
        "store the results with it and print a table. Exit code 1 when a test fails.\n\n"
        "examples:\n  mgit test ft-a\n  mgit test --all\n  mgit test --type classifier --only accuracy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("version", nargs="?", help="version to test")
    p.add_argument("--all", action="store_true", help="test every version")
    p.add_argument("--type", metavar="T", help="test every version of model type T")
    p.add_argument(
        "--only",
        metavar="TEST",
        action="append",
        help="run only this test (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_test)

    t = sub.add_parser(
        "tests",
        help="list, add or remove registered tests",
        description="Manage registered tests. A test is a function fn(model) -> {metric: value} "
        "(fn(model, data) with --dataset), given as 'package.module:function'.\n\n"
        "examples:\n  mgit tests add mypkg.evals:accuracy --type classifier --metric accuracy:higher:'>=0.9' "
        "--metric loss:lower\n  mgit tests list ft-a\n  mgit tests remove accuracy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tsub = t.add_subparsers(dest="tests_verb", metavar="ACTION")
    tsub.required = True
    ls = tsub.add_parser("list", help="list registered tests (those covering VERSION)")
    ls.add_argument("version", nargs="?", help="only tests that apply to this version")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=_tests_list)
    add = tsub.add_parser("add", help="register a test")
    add.add_argument("ref", help="the test function, 'package.module:function'")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--type", metavar="T", help="run on every version of model type T")
    scope.add_argument("--version", metavar="V", help="run on version V only")
    scope.add_argument("--graph", action="store_true", help="run on every version")
    add.add_argument(
        "--metric",
        metavar="NAME:DIR[:COND]",
        action="append",
        required=True,
        help="a returned metric, its direction (higher or lower is better) and an optional success "
        "condition, e.g. accuracy:higher:'>=0.9' or loss:lower:0.5 (repeatable; every metric is declared)",
    )
    add.add_argument("--name", help="test name (default: the function's name)")
    add.add_argument(
        "--dataset",
        metavar="REF",
        help="'package.module:function' returning the test data",
    )
    add.add_argument(
        "--preprocess",
        metavar="REF",
        help="'package.module:function' applied to the data",
    )
    add.add_argument("--description", help="one line shown in listings")
    add.add_argument("--replace", action="store_true", help="replace a test of the same name")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(func=_tests_add)
    rm = tsub.add_parser("remove", help="unregister a test (stored results stay)")
    rm.add_argument("name")
    rm.add_argument("--json", action="store_true", help="print JSON")
    rm.set_defaults(func=_tests_remove)

    b = sub.add_parser(
        "bisect",
        help="find the first version along a path that fails a test",
        description="Binary-search the lineage path from GOOD (passes) to BAD (fails) for the first "
        "version failing TEST. Stored results on the same weights are reused; nothing is written.\n\n"
        "example: mgit bisect base ft-a-v5 --test accuracy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument("good", help="a version that passes (an ancestor of BAD)")
    b.add_argument("bad", help="a version that fails")
    b.add_argument("--test", required=True, help="the registered test to bisect with")
    b.add_argument("--json", action="store_true", help="print JSON")
    b.set_defaults(func=_bisect)
