"""Maintenance verbs: gc, verify."""

from __future__ import annotations

import argparse

from ..core.render_text import human_bytes
from . import emit
from .args import add_json_flag, open_repo, verb_parser
from .progress import progress_bar


def _gc(args: argparse.Namespace) -> int:
    from ..core.verbs.maintenance import gc, gc_payload

    repo = open_repo(args)
    with progress_bar(not args.json) as cb:
        report = gc(repo, cb)
    payload = gc_payload(report, report.sketches_removed)
    text = (
        f"kept {report.objects_kept} objects, removed {report.objects_removed}; "
        f"{report.packs_before} pack(s) -> {report.packs_after}; freed {human_bytes(payload['bytes_freed'])}"
    )
    emit(args, payload, text)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..core.verbs.maintenance import verify, verify_payload

    repo = open_repo(args)
    with progress_bar(not args.json) as cb:
        report = verify(repo, cb, repair=args.repair)
    payload = verify_payload(report)
    lines = []
    for name in report.packs_repaired:
        lines.append(f"repaired: rebuilt the index of pack {name} from the copy inside it")
    if report.ok:
        lines.append(f"ok: {report.objects_checked} objects checked, every hash and delta chain is intact")
    else:
        lines.append(f"DAMAGED: {len(report.problems)} problem(s) in {report.objects_checked} objects checked")
        for p in report.problems:
            lines.append(f"  object {p.oid[:12] or '-'}: {p.what}")
        if report.damaged_versions:
            lines.append("versions that cannot be checked out intact: " + ", ".join(report.damaged_versions))
        else:
            lines.append("no version depends on the damaged objects (`mgit gc` drops them)")
        if any("its index file" in p.what for p in report.problems) and not args.repair:
            lines.append("run `mgit verify --repair` to rebuild lost or damaged pack indexes")
    emit(args, payload, "\n".join(lines))
    return 0 if report.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = verb_parser(
        sub,
        "gc",
        "drop unreferenced objects and repack",
        "Remove objects no version needs (after `mgit rm`), repack the rest into one pack,\n"
        "and delete leftover temporary files.",
        ["mgit gc", "mgit gc --json"],
    )
    add_json_flag(p)
    p.set_defaults(func=_gc)

    p = verb_parser(
        sub,
        "verify",
        "check every stored object",
        "Decode and re-hash every object, check every delta chain, and name the versions\n"
        "that depend on anything damaged. Exit code 1 when damage is found.",
        ["mgit verify", "mgit verify --repair   # rebuild lost pack indexes first"],
    )
    p.add_argument("--repair", action="store_true", help="rebuild missing pack indexes from the packs")
    add_json_flag(p)
    p.set_defaults(func=_verify)
