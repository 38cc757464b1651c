"""Verbs that change the repository: init, add, checkout, export, rm, tag, mv."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core import payloads
from ..core.errors import InvalidInput
from ..core.io.formats import FORMATS, guess_format
from ..core.lineage import Relation
from ..core.render_text import human_bytes
from ..core.repository import Repository
from ..core.schema import (
    AddPayload,
    AddPlanPayload,
    CheckoutPayload,
    InitPayload,
    ParentRef,
    RemovePayload,
    TagPayload,
)
from . import emit
from .args import add_json_flag, open_repo, parse_pairs, verb_parser
from .progress import progress_bar

RELATIONS = [r.value for r in Relation]


def _init(args: argparse.Namespace) -> int:
    base = Path(args.repo_path)
    repo = Repository.init(base / args.path if not Path(args.path).is_absolute() else args.path)
    payload: InitPayload = {"root": str(repo.root), "mgit_dir": str(repo.mgit_dir)}
    emit(args, payload, f"Initialised an empty mgit repository in {repo.mgit_dir}")
    return 0


def _add(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    parent = None
    if args.parent:
        parent = args.parent[0] if len(args.parent) == 1 else list(args.parent)
    metrics = parse_pairs(args.metric, "metric")
    metadata = parse_pairs(args.meta, "meta")
    if args.dry_run:
        from ..core.verbs.add import prepare_add

        with progress_bar(not args.json) as cb:
            prep = prepare_add(
                repo,
                args.model,
                name=args.name,
                parent=parent,
                relation=args.relation,
                lossy=args.lossy,
                infer=not args.no_infer,
                max_distance=args.max_distance,
                progress=cb,
            )
        graph = repo.graph
        parents: list[ParentRef] = [
            {"id": p, "name": graph.g.nodes[p]["version"].name, "relation": r.value} for p, r in prep.parents
        ]
        plan: AddPlanPayload = {
            "name": prep.name,
            "num_tensors": len(prep.manifest),
            "parents": parents,
            "inference": prep.inference,
        }
        text = f"would add {prep.name} ({len(prep.manifest)} tensors) " + (
            "as a child of " + ", ".join(f"{p['name']} ({p['relation']})" for p in parents) if parents else "as a root"
        )
        if prep.inference:
            text += f"\n  inference: {prep.inference['reason']} (confidence {prep.inference['confidence']})"
        emit(args, plan, text)
        return 0
    with progress_bar(not args.json) as cb:
        version = repo.add(
            args.model,
            name=args.name,
            parent=parent,
            relation=args.relation,
            model_type=args.type,
            message=args.message,
            lossy=args.lossy,
            author=args.author,
            metadata=metadata,
            metrics=metrics,
            infer=not args.no_infer,
            max_distance=args.max_distance,
            progress=cb,
        )
    graph = repo.graph
    summary = payloads.summary(graph, graph.get(version.id), repo.accounts())
    inference = version.metadata.get("inference")
    payload: AddPayload = {"version": summary, "inference": inference, "new_bytes": summary["stored_bytes"]}
    parents = summary["parents"]
    head = f"added {version.name} (id {version.id[:12]})"
    if parents:
        head += f" as a {parents[0]['relation']} of " + ", ".join(p["name"] for p in parents)
    else:
        head += " as a root"
    lines = [head]
    if inference:
        lines.append(f"  parent inferred: {inference['reason']} (confidence {inference['confidence']})")
    raw = summary["raw_bytes"]
    ratio = summary["stored_bytes"] / raw if raw else 0.0
    lines.append(f"  stored {human_bytes(summary['stored_bytes'])} new for {human_bytes(raw)} of tensors ({ratio:.1%})")
    emit(args, payload, "\n".join(lines))
    return 0


def _write(args: argparse.Namespace, fmt: str) -> int:
    repo = open_repo(args)
    version = repo.version(args.version)
    with progress_bar(not args.json) as cb:
        path = repo.export(args.version, args.output, fmt, overwrite=args.force, progress=cb)  # type: ignore[arg-type]
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    payload: CheckoutPayload = {
        "version": version.name,
        "path": str(path),
        "format": fmt,
        "num_tensors": len(version.manifest),
        "bytes_written": size,
    }
    emit(args, payload, f"wrote {version.name} to {path} ({fmt}, {len(version.manifest)} tensors, {human_bytes(size)})")
    return 0


def _checkout(args: argparse.Namespace) -> int:
    fmt = args.format or guess_format(args.output)
    if fmt == "hf":
        raise InvalidInput(
            f"checkout writes a state dict file, and {args.output} does not end in .safetensors or .pt",
            hint="name the file *.safetensors or *.pt, or use `mgit export` for a Hugging Face folder",
        )
    return _write(args, fmt)


def _export(args: argparse.Namespace) -> int:
    return _write(args, args.format or guess_format(args.output))


def _rm(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    removed, kids = repo.remove(args.version, reroot=args.reroot)
    payload: RemovePayload = {"removed": removed.name, "id": removed.id, "rerooted": kids}
    text = f"removed {removed.name}"
    if kids:
        text += f"; re-rooted {', '.join(kids)} onto its parents"
    text += " (its stored objects are freed by `mgit gc`)"
    emit(args, payload, text)
    return 0


def _tag(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    if args.delete:
        if args.version or args.tag:
            raise InvalidInput("`mgit tag -d TAG` takes only the tag", hint="e.g. mgit tag -d production")
        v = repo.untag(args.delete)
        text = f"removed tag {args.delete} from {v.name}"
    elif args.version and args.tag:
        v = repo.tag(args.version, args.tag, move=args.force)
        text = f"tagged {v.name} as {args.tag}"
    elif args.version:
        raise InvalidInput("a tag name is missing", hint="mgit tag VERSION TAG")
    else:
        text = ""
    tags = repo.tags()
    payload: TagPayload = {"tags": tags}
    if not text:
        text = "\n".join(f"{t}\t{n}" for t, n in tags.items()) or "(no tags)"
    emit(args, payload, text)
    return 0


def _mv(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    v = repo.rename(args.version, args.new_name)
    emit(
        args, payloads.summary(repo.graph, repo.graph.get(v.id), repo.accounts()), f"renamed {args.version} to {v.name}"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = verb_parser(
        sub,
        "init",
        "create an empty repository",
        "Create an empty model repository (.mgit/).",
        ["mgit init", "mgit init my-models", "mgit init --json"],
    )
    p.add_argument("path", nargs="?", default=".", help="folder to create it in (default: here)")
    add_json_flag(p)
    p.set_defaults(func=_init)

    p = verb_parser(
        sub,
        "add",
        "add a model as a new version",
        "Add a model as a new version. MODEL is a .safetensors file, a .pt/.bin state dict (read with\n"
        "weights_only=True) or a Hugging Face model folder. Without --parent the parent is inferred\n"
        "from the stored versions (nearest weights among structurally compatible models; the model\n"
        "stays a root when nothing is close). Unchanged tensors cost nothing; changed ones are stored\n"
        "as deltas against the parent.",
        [
            "mgit add base.safetensors --name base --type mlm -m 'pretrained 40 steps'",
            "mgit add ft.safetensors --name sentiment            # parent inferred",
            "mgit add pruned.pt --name pruned --parent sentiment --relation prune",
            "mgit add ./merged-hf-folder --parent a --parent b   # a merge of a and b",
            "mgit add candidate.safetensors --dry-run            # show the inferred parent, write nothing",
        ],
    )
    p.add_argument("model", help="model file or Hugging Face folder")
    p.add_argument("-n", "--name", help="version name (default: the file or folder name)")
    p.add_argument(
        "-p",
        "--parent",
        action="append",
        metavar="VERSION",
        help="parent version (repeat for a merge); default: inferred",
    )
    p.add_argument(
        "-r",
        "--relation",
        choices=RELATIONS,
        help="how it came from the parent (default: finetune, merge for several parents, "
        "or what the inference suggests)",
    )
    p.add_argument("-t", "--type", help="model type tests are registered on (default: the parent's)")
    p.add_argument("-m", "--message", help="a note stored with the version")
    p.add_argument("--author", help="author (default: the login name)")
    p.add_argument("--lossy", type=float, metavar="BOUND", help="allow lossy storage of float tensors within BOUND")
    p.add_argument("--metric", action="append", metavar="K=V", help="a metric to store (repeatable)")
    p.add_argument("--meta", action="append", metavar="K=V", help="a metadata entry to store (repeatable)")
    p.add_argument("--no-infer", action="store_true", help="without --parent, add it as a root")
    p.add_argument(
        "--max-distance",
        type=float,
        default=0.5,
        metavar="D",
        help="inference leaves the model a root when the best score exceeds D (default 0.5)",
    )
    p.add_argument("--dry-run", action="store_true", help="show the parent it would get; write nothing")
    add_json_flag(p)
    p.set_defaults(func=_add)

    p = verb_parser(
        sub,
        "checkout",
        "write a version's state dict to a file",
        "Write the state dict of a version, bit-exact, to a .safetensors or .pt file.",
        ["mgit checkout sentiment -o sentiment.safetensors", "mgit checkout v1.0 -o weights.pt --force"],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write (*.safetensors or *.pt)")
    p.add_argument("--format", choices=["safetensors", "pt"], help="file format (default: from the suffix)")
    p.add_argument("-f", "--force", action="store_true", help="replace PATH if it exists")
    add_json_flag(p)
    p.set_defaults(func=_checkout)

    p = verb_parser(
        sub,
        "export",
        "write a version as a model file or Hugging Face folder",
        "Write a version as a .safetensors/.pt file or as a Hugging Face folder that\n"
        "from_pretrained opens (Hugging Face models only).",
        [
            "mgit export sentiment ./sentiment-hf",
            "mgit export sentiment out.safetensors",
            "mgit export base ./base --format hf --force",
        ],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("output", metavar="PATH", help="file or folder to write")
    p.add_argument(
        "--format", choices=FORMATS, help="safetensors, pt or hf (default: from PATH's suffix, hf otherwise)"
    )
    p.add_argument("-f", "--force", action="store_true", help="replace PATH if it exists")
    add_json_flag(p)
    p.set_defaults(func=_export)

    p = verb_parser(
        sub,
        "rm",
        "remove a version",
        "Remove a version from the lineage. Refused when other versions depend on it,\n"
        "unless --reroot attaches them to its parents. Space is reclaimed by `mgit gc`.",
        ["mgit rm scratch", "mgit rm old-base --reroot"],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("--reroot", action="store_true", help="re-attach its children to its parents (or make them roots)")
    add_json_flag(p)
    p.set_defaults(func=_rm)

    p = verb_parser(
        sub,
        "tag",
        "list, add or remove tags",
        "Tags are extra names for versions; a tag names one version at a time.",
        [
            "mgit tag",
            "mgit tag sentiment production",
            "mgit tag sentiment-v2 production --force",
            "mgit tag -d production",
        ],
    )
    p.add_argument("version", nargs="?", help="version to tag")
    p.add_argument("tag", nargs="?", help="the tag")
    p.add_argument("-d", "--delete", metavar="TAG", help="remove TAG")
    p.add_argument("-f", "--force", action="store_true", help="move the tag if another version has it")
    add_json_flag(p)
    p.set_defaults(func=_tag)

    p = verb_parser(
        sub, "mv", "rename a version", "Rename a version (its id, tags and edges stay).", ["mgit mv ft-3 sentiment"]
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("new_name", help="the new name")
    add_json_flag(p)
    p.set_defaults(func=_mv)
