"""Verbs that read the repository: log, show, du."""

from __future__ import annotations

import argparse

from ..core.render_text import render_du, render_log, render_show
from ..core.schema import GraphPayload, StorageStats
from ..core.verbs import views
from . import emit
from .args import add_json_flag, open_repo, verb_parser


def _log(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    payload = views.graph_payload(repo)
    if args.version:
        keep = {v.id for v in views.log(repo, args.version)}
        payload = GraphPayload(
            revision=payload["revision"],
            nodes=[n for n in payload["nodes"] if n["id"] in keep],
            edges=[e for e in payload["edges"] if e["parent"] in keep and e["child"] in keep],
        )
    emit(args, payload, render_log(payload, ids=args.ids))
    return 0


def _show(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    detail = views.show(repo, args.version)
    emit(args, detail, render_show(detail, tensors=args.tensors))
    return 0


def _du(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    stats = views.stats(repo)
    if args.versions:
        wanted = {repo.version(k).id for k in args.versions}
        stats = StorageStats(versions=[r for r in stats["versions"] if r["id"] in wanted], total=stats["total"])
    from ..core.remotes.config import promisor

    note = None
    if promisor(repo.mgit_dir):  # a partial clone (the check needs no store)
        from ..core.remotes.status import local_note

        note = local_note(repo)  # a partial clone says what is here and what is fetched on demand
    emit(args, stats, render_du(stats, exact=args.bytes) + (f"\n{note}" if note else ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = verb_parser(
        sub,
        "log",
        "show the lineage as a tree",
        "Show the lineage DAG: each version under its first parent, with its relation,\n"
        "tags, model type, parameters, stored / raw bytes, test status and message.\n"
        "A merge names its other parents ('also from ...').",
        ["mgit log", "mgit log sentiment      # its ancestors and descendants", "mgit log --json"],
    )
    p.add_argument("version", nargs="?", help="show only this version's ancestors and descendants")
    p.add_argument("--ids", action="store_true", help="also print version ids")
    add_json_flag(p)
    p.set_defaults(func=_log)

    p = verb_parser(
        sub,
        "show",
        "show one version in full",
        "Show a version: parents and children, architecture, what changed against its first\n"
        "parent, storage, metrics, tests, metadata and (--tensors) every tensor.",
        ["mgit show sentiment", "mgit show sentiment --tensors", "mgit show production --json"],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("--tensors", action="store_true", help="list every tensor with its stored size and codec")
    add_json_flag(p)
    p.set_defaults(func=_show)

    p = verb_parser(
        sub,
        "du",
        "stored vs raw bytes per version",
        "Disk usage: the bytes each version added to the store (each object is charged to\n"
        "the first version that stored it, so the rows add up to the total) against the\n"
        "bytes its checkpoint would take. Reads indexes only.",
        ["mgit du", "mgit du sentiment base", "mgit du --bytes --json"],
    )
    p.add_argument("versions", nargs="*", metavar="VERSION", help="only these versions (the total stays global)")
    p.add_argument("--bytes", action="store_true", help="exact byte counts")
    add_json_flag(p)
    p.set_defaults(func=_du)
