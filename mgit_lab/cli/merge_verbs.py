"""Merge and cascade verbs: ``mgit merge``, ``mgit cascade``.

The strategy choices and their help are rendered from ``describe_strategies()``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from . import emit
from .progress import progress_bar
from .test_verbs import format_metrics, format_table

_STRATEGIES = "\0strategies\0"


def _strategy_infos() -> list[Any]:
    from ..core.merge.registry import describe_strategies  # numpy: only when merge help or merge runs

    return list(describe_strategies())


class _StrategyNames:
    """``--strategy`` choices, read from the registry when argparse first looks at them."""

    def __iter__(self) -> Any:
        return iter([s["name"] for s in _strategy_infos()])

    def __contains__(self, name: object) -> bool:
        return name in list(self)


class _MergeHelp(argparse.RawDescriptionHelpFormatter):
    """Renders the strategies (from the registry) into ``mgit merge --help`` when it is printed."""

    def _format_text(self, text: str) -> str:
        if _STRATEGIES in text:
            text = text.replace(_STRATEGIES, _strategies_text(_strategy_infos()))
        return super()._format_text(text)


def _open(args: argparse.Namespace):
    from ..core.repository import Repository

    return Repository.open(args.repo_path)


def _parse_args(pairs: list[str] | None) -> dict[str, str]:
    from ..core.errors import InvalidInput

    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(
                f"invalid --arg {pair!r}",
                hint="write --arg NAME=VALUE, e.g. --arg alpha=0.3",
            )
        out[key.strip()] = value.strip()
    return out


def _ancestor_note(plan: dict[str, Any]) -> list[str]:
    """A warning when the common ancestor makes the merge one-sided or absent."""
    sides = {plan["a"]: plan["a_name"], plan["b"]: plan["b_name"]}
    if plan["ancestor"] in sides:
        other = plan["b_name"] if plan["ancestor"] == plan["a"] else plan["a_name"]
        return [
            f"  note: {sides[plan['ancestor']]} is itself the common ancestor ({other} descends from it), so the "
            f"merge is just {other}; if that lineage is wrong, fix it first: mgit reparent {other} --parent P"
        ]
    if plan["ancestor"] is None:
        return ["  note: no common ancestor: every parameter that differs between A and B is a conflict"]
    return []


def format_plan(plan: dict[str, Any], chosen: str | None = None, limit: int = 40) -> str:
    """The text of a merge plan: ancestor, counts per state, conflicts, what each strategy does."""
    lines = [
        f"merge {plan['a_name']} (A) + {plan['b_name']} (B), common ancestor: {plan['ancestor_name'] or 'none'}",
        f"{plan['auto'] + plan['conflicts']} parameters: {plan['auto']} merge automatically, "
        f"{plan['conflicts']} conflict",
        "  " + ", ".join(f"{state}: {n}" for state, n in sorted(plan["counts"].items())),
    ]
    lines[1:1] = _ancestor_note(plan)
    conflicts = [p for p in plan["parameters"] if not p["auto"]]
    if conflicts:
        rows = [[p["name"], p["state"], p["shape_a"], p["shape_b"], p["shape_ancestor"]] for p in conflicts[:limit]]
        lines += [
            "",
            "conflicts:",
            format_table(["parameter", "state", "A", "B", "ancestor"], rows),
        ]
        if len(conflicts) > limit:
            lines.append(f"... and {len(conflicts) - limit} more (--json lists all)")
    lines += ["", "strategies:"]
    rows = []
    for s in plan["strategies"]:
        mark = "*" if s["name"] == chosen else " "
        what = (
            s["reason"] if s["applicable"] else f"cannot: {s['reason']}; unresolved: {', '.join(s['unresolved'][:3])}"
        )
        rows.append([f"{mark}{s['name']}", "yes" if s["applicable"] else "no", what])
    lines.append(format_table(["strategy", "ok", "what it does to the conflicts"], rows))
    return "\n".join(lines)


def _merge(args: argparse.Namespace) -> int:
    from ..core.errors import InvalidInput

    if args.strategies:
        infos = _strategy_infos()
        emit(args, infos, _strategies_text(infos))
        return 0
    if not args.a or not args.b:
        raise InvalidInput("name the two versions to merge", hint="mgit merge A B [--strategy S]")
    repo = _open(args)
    repo.version(args.a), repo.version(args.b)  # unknown names fail here, before torch loads
    from ..core.merge import merge_versions, parse_override

    overrides = dict(parse_override(t) for t in args.take or [])
    with progress_bar(not args.json) as cb:
        result = merge_versions(
            repo,
            args.a,
            args.b,
            strategy=args.strategy,
            args=_parse_args(args.arg),
            overrides=overrides,
            name=args.name,
            dry_run=args.dry_run,
            progress=cb,
        )
    payload = result.to_json()
    plan = payload["plan"]
    if args.dry_run:
        text = format_plan(plan, args.strategy)
    else:
        text = "\n".join(format_plan(plan).splitlines()[:3])
    if result.problems:
        text += f"\n\n{args.strategy} leaves {len(result.problems)} parameters unresolved:\n  " + "\n  ".join(
            result.problems[:10]
        )
    if result.version is not None:
        text += f"\n\nrecorded {result.version.name!r} ({args.strategy}"
        text += "".join(f", {k}={v}" for k, v in payload["args"].items()) + ")"
        for r in result.tests:
            text += f"\n  {r['test']}: {r['status']}  {format_metrics(r['metrics'], r['checks'])}"
    else:
        text += "\n\ndry run: nothing was recorded"
    emit(args, payload, text)
    return 0


def _strategies_text(infos: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for s in infos:
        lines.append(f"{s['name']}: {s['description']}{' (needs a common ancestor)' if s['needs_ancestor'] else ''}")
        for a in s["arguments"]:
            rng = f" [{a['min']}, {a['max']}]" if a["min"] is not None or a["max"] is not None else ""
            lines.append(f"    --arg {a['name']}=<{a['type']}> default {a['default']}{rng}: {a['description']}")
    return "\n".join(lines)


def _cascade(args: argparse.Namespace) -> int:
    from ..core.cascade import run_cascade

    with progress_bar(not args.json) as cb:
        report = run_cascade(
            _open(args),
            args.old,
            args.new,
            select=args.only,
            model_type=args.type,
            dry_run=args.dry_run,
            stop_on_failure=args.stop_on_failure,
            progress=cb,
            trust=args.trust or (),
        )
    emit(args, report.to_json(), format_cascade(report.to_json()))
    return 0 if report.complete or report.dry_run else 1


def format_cascade(report: Mapping[str, Any]) -> str:
    """The before/after table of a cascade report."""
    rows = []
    for e in report["entries"]:
        tests = sorted(set(e["before"]) | set(e["after"]))
        recipe = e["recipe"] + (f" (ancestor {e['ancestor']})" if e.get("ancestor") else "")
        first = [e["old"], e["new"] or "-", recipe, e["status"]]
        if not tests:
            rows.append([*first, e["reason"] or "-", "", ""])
        for i, t in enumerate(tests):
            metrics = sorted(set(e["before"].get(t, {})) | set(e["after"].get(t, {})))
            for j, m in enumerate(metrics):
                before, after = (
                    e["before"].get(t, {}).get(m),
                    e["after"].get(t, {}).get(m),
                )
                lead = first if i == 0 and j == 0 else ["", "", "", ""]
                rows.append([*lead, f"{t}.{m}", _num(before), _num(after)])
    head = f"cascade {report['old']} -> {report['new']}{' (dry run)' if report['dry_run'] else ''}"
    table = format_table(
        [
            "version",
            "rebuilt as",
            "recipe",
            "status",
            "metric / reason",
            "before",
            "after",
        ],
        rows,
    )
    lines = [head, table]
    if not report["dry_run"]:
        lines.append(f"updated: {', '.join(report['updated']) or 'none'}")
        lines.append(f"not updated: {', '.join(report['not_updated']) or 'none'}")
        for e in report["entries"]:
            if e["status"] not in ("updated", "planned") and e["reason"]:
                lines.append(f"  {e['old']}: {e['status']}: {e['reason']}")
    return "\n".join(lines)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4f}"


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser(
        "merge",
        help="three-way merge of two versions",
        description="Merge versions A and B against their common ancestor. Parameters changed on one "
        "side only (or identically on both) merge automatically; the conflicts are resolved by the "
        "strategy, or per parameter with --take. The result is recorded as a new version with merge "
        "edges to A and B, and its registered tests run.\n\n"
        "examples:\n  mgit merge ft-a ft-b --dry-run\n  mgit merge ft-a ft-b --strategy ties --arg density=0.3\n"
        "  mgit merge ft-a ft-b --strategy average --take A:'encoder.layer.11.*' --name merged\n\n"
        "strategies:\n" + _STRATEGIES,
        formatter_class=_MergeHelp,
    )
    m.add_argument("a", nargs="?", help="version A")
    m.add_argument("b", nargs="?", help="version B")
    m.add_argument(
        "--strategy",
        default="average",
        choices=_StrategyNames(),  # a lazy container: argparse only iterates it and asks `in`
        metavar="STRATEGY",  # else argparse lists the choices (imports them) while building the parser
        help="how conflicts are resolved (default: average; see the strategies above)",
    )
    m.add_argument(
        "--arg",
        metavar="NAME=VALUE",
        action="append",
        help="a strategy argument (repeatable)",
    )
    m.add_argument(
        "--take",
        metavar="SIDE:PATTERN",
        action="append",
        help="take parameters matching the glob PATTERN from SIDE (A, B or ancestor), whatever their state",
    )
    m.add_argument("--name", help="name of the merged version (default: A+B)")
    m.add_argument(
        "--dry-run",
        action="store_true",
        help="show the plan and what each strategy would do; record nothing",
    )
    m.add_argument(
        "--strategies",
        action="store_true",
        help="list the strategies and their arguments",
    )
    m.add_argument("--json", action="store_true", help="print JSON")
    m.set_defaults(func=_merge)

    c = sub.add_parser(
        "cascade",
        help="rebuild the descendants of OLD on top of NEW",
        description="Re-run the creation recipes of every version derived from OLD, in topological order, "
        "on top of NEW (and of each rebuilt parent). Each result is added as a 'version' child of the "
        "version it replaces, named OLDNAME@NEW, once its recipe and tests have finished. Prints a "
        "before/after table. Exit code 1 when not everything was updated and passed.\n\n"
        "examples:\n  mgit cascade base base-v2 --dry-run\n"
        "  mgit cascade base base-v2 --type classifier --stop-on-failure",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("old", help="the old upstream version")
    c.add_argument("new", help="its new version")
    c.add_argument(
        "--only",
        metavar="VERSION",
        help="rebuild only this descendant and what derives from it",
    )
    c.add_argument("--type", metavar="T", help="rebuild only descendants of model type T")
    c.add_argument("--dry-run", action="store_true", help="show what would be rebuilt; run nothing")
    c.add_argument(
        "--stop-on-failure",
        action="store_true",
        help="stop at the first rebuilt version failing a test",
    )
    c.add_argument(
        "--trust",
        action="append",
        metavar="REF",
        help="run the recipe package.module:function (read from the lineage) although you have not "
        "registered it on this machine; repeatable",
    )
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=_cascade)
