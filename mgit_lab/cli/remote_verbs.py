"""Remote verbs: remote add|remove|list, push, fetch, pull, clone."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.remotes.config import OPTIONS
from . import emit
from .args import add_json_flag, open_repo, verb_parser
from .progress import progress_bar

if TYPE_CHECKING:
    from ..core.remotes.report import TransferReport

# the transfer modules (numpy, h5py, fsspec) load when a remote verb runs, not when the
# parser is built: read-only verbs start without them

#: storage clients' loggers print request headers at debug level: kept quiet even with -v
_QUIET = ("botocore", "aiobotocore", "s3fs", "urllib3", "fsspec", "aiohttp")


def _quiet_clients() -> None:
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def _options(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k in OPTIONS if (v := getattr(args, k, None))}


def _remote(args: argparse.Namespace) -> int:
    from ..core.remotes import status

    repo = open_repo(args)
    if args.action == "add":
        if not args.name or not args.url:
            raise SystemExit("usage: mgit remote add NAME URL [--endpoint-url URL]")
        info = status.add(repo, args.name, args.url, _options(args), Path(args.repo_path).resolve())
        emit(args, info, f"added remote {info['name']}: {info['url']}")
    elif args.action == "remove":
        if not args.name:
            raise SystemExit("usage: mgit remote remove NAME")
        info = status.remove(repo, args.name)
        emit(args, info, f"removed remote {info['name']}")
    else:
        payload = status.remotes_payload(repo)
        lines = []
        for r in payload["remotes"]:
            opts = " ".join(f"{k}={v}" for k, v in sorted(r["options"].items()))
            lines.append(
                f"{r['name']}\t{r['url']}" + (f"\t{opts}" if opts else "") + ("\t(promisor)" if r["promisor"] else "")
            )
        emit(args, payload, "\n".join(lines) or "no remotes (add one with `mgit remote add origin URL`)")
    return 0


def _done(args: argparse.Namespace, report: TransferReport) -> int:
    emit(args, report.to_json(), report.summary())
    return 0 if report.ok else 1


def _transfer(args: argparse.Namespace, verb: Callable[..., TransferReport], **options: Any) -> int:
    """Run a push, fetch or pull with a progress bar and print its report."""
    _quiet_clients()
    repo = open_repo(args)
    with progress_bar(not args.json) as cb:
        report = verb(repo, args.remote, args.versions or None, cb, **options)
    return _done(args, report)


def _push(args: argparse.Namespace) -> int:
    from ..core.remotes.push import push

    return _transfer(args, push)


def _fetch(args: argparse.Namespace) -> int:
    from ..core.remotes.fetch import fetch

    return _transfer(args, fetch)


def _pull(args: argparse.Namespace) -> int:
    from ..core.remotes.fetch import pull

    return _transfer(args, pull, offline=args.offline)


def _clone(args: argparse.Namespace) -> int:
    from ..core.verbs.clone import clone

    _quiet_clients()
    with progress_bar(not args.json) as cb:
        _, report = clone(args.url, args.path, args.versions or None, _options(args), cb)
    return _done(args, report)


def _add_option_flags(p: argparse.ArgumentParser) -> None:
    for key, help_text in OPTIONS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, metavar="VALUE", help=help_text)


def register(sub: argparse._SubParsersAction) -> None:
    p = verb_parser(
        sub,
        "remote",
        "list, add or remove remotes",
        "Remotes are folders or S3-compatible object storage (s3://bucket/prefix).\n"
        "Credentials are never stored: they come from AWS_ACCESS_KEY_ID /\n"
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials.",
        [
            "mgit remote add origin /mnt/team/models",
            "mgit remote add origin s3://bucket/models --endpoint-url http://127.0.0.1:9000",
            "mgit remote list",
            "mgit remote remove origin",
        ],
    )
    p.add_argument("action", nargs="?", choices=["add", "remove", "list"], default="list")
    p.add_argument("name", nargs="?", help="the remote's name (e.g. origin)")
    p.add_argument("url", nargs="?", help="a folder or s3://bucket/prefix")
    _add_option_flags(p)
    add_json_flag(p)
    p.set_defaults(func=_remote)

    p = verb_parser(
        sub,
        "push",
        "send versions the remote lacks",
        "Send versions (default: all) with their ancestors to a remote: only objects it\n"
        "lacks travel, in packs, in parallel. Resumable: a re-run sends only what did not\n"
        "arrive. Concurrent pushes are combined; renames and tags made here travel; a name\n"
        "that labels another version on the remote, or a name or tag changed differently\n"
        "on both sides, is a conflict (nothing is overwritten).",
        ["mgit push", "mgit push origin sst2", "mgit push --json"],
    )
    p.add_argument("remote", nargs="?", help="the remote (default: origin)")
    p.add_argument("versions", nargs="*", help="versions to send (default: all)")
    add_json_flag(p)
    p.set_defaults(func=_push)

    p = verb_parser(
        sub,
        "fetch",
        "receive a remote's versions without adding them",
        "Receive the tensors of a remote's versions that are not here (each checked against\n"
        "its hash) and its manifests; the local lineage is unchanged (`mgit pull` adds them).",
        ["mgit fetch", "mgit fetch origin sst2"],
    )
    p.add_argument("remote", nargs="?", help="the remote (default: origin)")
    p.add_argument("versions", nargs="*", help="versions to receive (default: all)")
    add_json_flag(p)
    p.set_defaults(func=_fetch)

    p = verb_parser(
        sub,
        "pull",
        "receive a remote's versions and add them to the lineage",
        "Fetch, then add the remote's versions to the local lineage (a union), with the\n"
        "remote's renames and tag changes. A name or tag changed differently on both sides\n"
        "is a conflict (nothing is overwritten). --offline adds what the last `mgit fetch`\n"
        "brought without contacting the remote.\n"
        "Exit code 1 when an object was refused (damaged or truncated on the remote).",
        ["mgit pull", "mgit pull origin sst2", "mgit pull --offline"],
    )
    p.add_argument("remote", nargs="?", help="the remote (default: origin)")
    p.add_argument("versions", nargs="*", help="versions to receive (default: all)")
    p.add_argument("--offline", action="store_true", help="add what the last fetch brought; ask nothing of the remote")
    add_json_flag(p)
    p.set_defaults(func=_pull)

    p = verb_parser(
        sub,
        "clone",
        "make a repository from a remote",
        "Make a new repository holding a remote's lineage (its remote is `origin`).\n"
        "With --versions: a partial clone holding the whole lineage graph but only those\n"
        "versions' tensors (and their delta bases); other tensors are fetched when first\n"
        "needed (`mgit du` says what is here).",
        [
            "mgit clone /mnt/team/models models",
            "mgit clone s3://bucket/models models --endpoint-url http://127.0.0.1:9000",
            "mgit clone s3://bucket/models models --versions sst2",
        ],
    )
    p.add_argument("url", help="a folder or s3://bucket/prefix")
    p.add_argument("path", help="the new repository's folder")
    p.add_argument("--versions", nargs="+", metavar="VERSION", help="a partial clone of these versions")
    _add_option_flags(p)
    add_json_flag(p)
    p.set_defaults(func=_clone)
