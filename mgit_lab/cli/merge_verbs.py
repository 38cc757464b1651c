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


def _canonical_strategy(name: str) -> str:
    from ..core.merge.registry import canonical_name  # numpy: only when --strategy is given

    return canonical_name(name)


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


def _parse_weights(pairs: list[str] | None) -> dict[str, float]:
    from ..core.errors import InvalidInput

    out: dict[str, float] = {}
    for pair in pairs or []:
        version, sep, value = pair.rpartition("=")
        try:
            out[version.strip()] = float(value)
        except ValueError:
            version = ""
        if not sep or not version.strip():
            raise InvalidInput(
                f"invalid --weight {pair!r}",
                hint="write --weight VERSION=NUMBER, e.g. --weight ft-a=0.6",
            )
    return out


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else f"M{i}" for i in range(n)]


def _ancestor_note(plan: dict[str, Any]) -> list[str]:
    """A warning when the common ancestor makes the merge one-sided or absent."""
    ids = plan.get("versions") or [plan["a"], plan["b"]]
    names = plan.get("version_names") or [plan["a_name"], plan["b_name"]]
    sides = dict(zip(ids, names, strict=True))
    if plan["ancestor"] in sides and len(ids) == 2:
        other = plan["b_name"] if plan["ancestor"] == plan["a"] else plan["a_name"]
        return [
            f"  note: {sides[plan['ancestor']]} is itself the common ancestor ({other} descends from it), so the "
            f"merge is just {other}; if that lineage is wrong, fix it first: mgit reparent {other} --parent P"
        ]
    if plan["ancestor"] in sides:
        return [f"  note: {sides[plan['ancestor']]} is itself the common ancestor: the others descend from it"]
    if plan["ancestor"] is None:
        return ["  note: no common ancestor: every parameter that differs between the versions is a conflict"]
    return []


def format_plan(plan: dict[str, Any], chosen: str | None = None, limit: int = 40) -> str:
    """The text of a merge plan: ancestor, counts per state, conflicts, what each strategy does."""
    names = plan.get("version_names") or [plan["a_name"], plan["b_name"]]
    letters = _letters(len(names))
    joined = " + ".join(f"{n} ({letter})" for n, letter in zip(names, letters, strict=True))
    source = plan.get("ancestor_source") or ""
    ancestor = plan["ancestor_name"] or "none"
    if source and plan["ancestor_name"]:
        ancestor += f" ({source})"
    lines = [
        f"merge {joined}, common ancestor: {ancestor}",
        f"{plan['auto'] + plan['conflicts']} parameters: {plan['auto']} merge automatically, "
        f"{plan['conflicts']} conflict",
        "  " + ", ".join(f"{state}: {n}" for state, n in sorted(plan["counts"].items())),
    ]
    lines[1:1] = _ancestor_note(plan)
    conflicts = [p for p in plan["parameters"] if not p["auto"]]
    if conflicts:

        def show(shape: Any, dtype: Any) -> str:
            return "-" if shape is None else f"{dtype or ''}{shape}"

        rows = []
        for p in conflicts[:limit]:
            shapes = p.get("shapes") or [p["shape_a"], p["shape_b"]]
            dtypes = p.get("dtypes") or [None] * len(shapes)
            rows.append(
                [
                    p["name"],
                    p["state"],
                    *(show(s, d) for s, d in zip(shapes, dtypes, strict=True)),
                    show(p["shape_ancestor"], p.get("dtype_ancestor")),
                ]
            )
        lines += ["", "conflicts:", format_table(["parameter", "state", *letters, "ancestor"], rows)]
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
    spec: Any = None
    versions: list[str] = []
    base: str | None = None
    name: str | None = None
    if args.recipe:  # the merge package loads numpy and torch: only when there is a recipe to read
        from ..core.merge.recipe_file import read_recipe

        spec, versions, base, name = read_recipe(args.recipe)
    versions = list(args.versions) or versions
    if len(versions) < 2:
        raise InvalidInput(
            "name the two versions to merge (or more)",
            hint="mgit merge A B [C ...] [--strategy S], or list them under versions: in --recipe",
        )
    repo = _open(args)
    for v in versions:
        repo.version(v)  # unknown names fail here, before torch loads
    from ..core.merge import merge_versions, parse_override

    overrides = dict(parse_override(t) for t in args.take or [])
    with progress_bar(not args.json) as cb:
        result = merge_versions(
            repo,
            *versions,
            strategy=args.strategy,
            args=_parse_args(args.arg),
            overrides=overrides,
            weights=_parse_weights(args.weight),
            spec=spec,
            dtype=args.dtype,
            seed=args.seed,
            ancestor=args.base or base,
            name=args.name or name,
            dry_run=args.dry_run,
            progress=cb,
        )
    payload = result.to_json()
    plan = payload["plan"]
    strategy = payload["strategy"]
    if args.dry_run:
        text = format_plan(plan, strategy)
    else:
        text = "\n".join(format_plan(plan).splitlines()[:3])
    if result.problems:
        text += f"\n\n{strategy} leaves {len(result.problems)} parameters unresolved:\n  " + "\n  ".join(
            result.problems[:10]
        )
    if result.version is not None:
        text += f"\n\nrecorded {result.version.name!r} ({strategy}"
        text += "".join(f", {k}={v}" for k, v in payload["args"].items())
        weights = [m.get("weight") for m in payload["model_args"]]
        if any(w is not None for w in weights):
            text += ", weights " + "/".join(f"{w:g}" for w in weights if w is not None)
        text += f", dtype {payload['dtype']}, seed {payload['seed']})"
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
        count = f"{s['min_models']}..{s['max_models'] or 'any'} versions"
        lines.append(f"    modes: {', '.join(s['modes'])}; {count}{'; randomised (--seed)' if s['randomised'] else ''}")
        lines.append(f"    ties and cancellations: {s['ties']}")
        for a in s["arguments"]:
            rng = f" [{a['min']}, {a['max']}]" if a["min"] is not None or a["max"] is not None else ""
            if a.get("choices"):
                rng = f" {{{', '.join(a['choices'])}}}"
            per = " (per version: --weight V=W)" if a["name"] == "weight" else " (per version: in --recipe models)"
            per = per if a["per_model"] else ""
            lines.append(f"    --arg {a['name']}=<{a['type']}> default {a['default']}{rng}{per}: {a['description']}")
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
        help="merge two or more versions",
        description="Merge versions A B [C ...] against their lowest common ancestor (or --base). Parameters "
        "changed by one version only (or identically by all) merge automatically; the conflicts are resolved "
        "by the strategy, per tensor by a --recipe's rules, or per parameter with --take. The result is recorded "
        "as a new version with merge edges to every parent and its recipe, and its registered tests run. "
        "Computation runs in --dtype (float32, or float64; float64 inputs always in float64); the output keeps "
        "the versions' dtype (mixed floating dtypes: the widest, float32 for float16+bfloat16).\n\n"
        "examples:\n  mgit merge ft-a ft-b --dry-run\n  mgit merge ft-a ft-b --strategy ties --arg density=0.3\n"
        "  mgit merge ft-a ft-b ft-c --strategy dare-ties --weight ft-a=0.5 --seed 7\n"
        "  mgit merge --recipe merge.yaml --name merged\n"
        "  mgit merge ft-a ft-b --strategy average --take A:'encoder.layer.11.*' --name merged\n\n"
        "strategies:\n" + _STRATEGIES,
        formatter_class=_MergeHelp,
    )
    m.add_argument("versions", nargs="*", metavar="VERSION", help="the versions to merge (two or more)")
    m.add_argument(
        "--strategy",
        default=None,
        type=_canonical_strategy,
        choices=_StrategyNames(),  # a lazy container: argparse only iterates it and asks `in`
        metavar="STRATEGY",  # else argparse lists the choices (imports them) while building the parser
        help="how conflicts are resolved (default: average, or the recipe's; see the strategies above)",
    )
    m.add_argument(
        "--arg",
        metavar="NAME=VALUE",
        action="append",
        help="a strategy argument (repeatable; a per-version one applies to every version)",
    )
    m.add_argument(
        "--weight",
        metavar="VERSION=W",
        action="append",
        help="the weight of one version (repeatable; VERSION: its name, id, or A, B, C...)",
    )
    m.add_argument("--base", metavar="VERSION", help="the ancestor (default: the lowest common ancestor of all)")
    m.add_argument("--recipe", metavar="FILE", help="a YAML/JSON merge recipe: strategy, weights, per-tensor rules")
    m.add_argument("--dtype", choices=["float32", "float64"], help="computation dtype (default float32)")
    m.add_argument("--seed", type=int, help="seed of randomised strategies (default 0; recorded)")
    m.add_argument(
        "--take",
        metavar="SIDE:PATTERN",
        action="append",
        help="take parameters matching the glob PATTERN from SIDE (A, B, ancestor or a merged version), "
        "whatever their state",
    )
    m.add_argument("--name", help="name of the merged version (default: the names joined with +)")
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
