"""Verbs that change the repository: init, checkout, export, rm, tag, mv, reparent (add: add_verb)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import InvalidInput
from ..core.io.formats import FORMATS, guess_format
from ..core.lineage import Relation
from ..core.render_text import human_bytes
from ..core.repository import Repository
from ..core.schema import (
    CheckoutPayload,
    InitPayload,
    RemovePayload,
    TagPayload,
)
from ..core.verbs import edit, load, views
from ..core.verbs import files as files_verb
from . import emit
from .args import add_json_flag, open_repo, verb_parser
from .progress import progress_bar

RELATIONS = [r.value for r in Relation]


def _init(args: argparse.Namespace) -> int:
    base = Path(args.repo_path)
    repo = Repository.init(base / args.path if not Path(args.path).is_absolute() else args.path)
    payload: InitPayload = {"root": str(repo.root), "mgit_dir": str(repo.mgit_dir)}
    emit(args, payload, f"Initialised an empty mgit repository in {repo.mgit_dir}")
    return 0


def _write(args: argparse.Namespace, fmt: str) -> int:
    repo = open_repo(args)
    version = repo.version(args.version)
    notes: list[str] = []
    if fmt == "hf":
        from ..core.verbs.files import hf_extras

        notes = hf_extras(repo, args.version)[1]
    with progress_bar(not args.json) as cb:
        path = load.export(repo, args.version, args.output, fmt, overwrite=args.force, progress=cb)  # type: ignore[arg-type]
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    payload: CheckoutPayload = {
        "version": version.name,
        "path": str(path),
        "format": fmt,
        "num_tensors": len(version.manifest),
        "bytes_written": size,
    }
    what = "converted" if files_verb.checkout_files_known(repo, args.version) else "written"
    text = f"wrote {version.name} to {path} ({fmt}, {len(version.manifest)} tensors, {human_bytes(size)}; {what})"
    if what == "converted":
        text += (
            "\n  a conversion, not the files that were added: `mgit checkout VERSION -o PATH` gives those back exactly"
        )
    text += "".join(f"\n  note: {note}" for note in notes)  # what a library will miss in the export
    if args.json:
        for note in notes:
            print(f"mgit: note: {note}", file=sys.stderr)
    emit(args, payload, text)
    return 0


def _exact(args: argparse.Namespace) -> int:
    """Checkout of a version added from files: the same bytes under the same names."""
    repo = open_repo(args)
    version = repo.version(args.version)
    path = files_verb.checkout_files(repo, args.version, args.output, overwrite=args.force)
    assert path is not None
    files = files_verb.files_of(repo, args.version)
    size = sum(f.size for f in files.files) if files else 0
    payload: CheckoutPayload = {
        "version": version.name,
        "path": str(path),
        "format": "files",
        "num_tensors": len(version.manifest),
        "bytes_written": size,
    }
    count = len(files.files) if files else 0
    emit(
        args,
        payload,
        f"wrote {version.name} to {path} ({count} file{'s' if count != 1 else ''}, {human_bytes(size)}, "
        "byte-identical to what was added: every file's sha256 checked)",
    )
    return 0


def _checkout(args: argparse.Namespace) -> int:
    if args.format is None and files_verb.checkout_files_known(open_repo(args), args.version):
        return _exact(args)
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
    removed, kids = edit.remove(repo, args.version, reroot=args.reroot)
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
        v = edit.untag(repo, args.delete)
        text = f"removed tag {args.delete} from {v.name}"
    elif args.version and args.tag:
        v = edit.tag(repo, args.version, args.tag, move=args.force)
        text = f"tagged {v.name} as {args.tag}"
    elif args.version:
        raise InvalidInput("a tag name is missing", hint="mgit tag VERSION TAG")
    else:
        text = ""
    tags = edit.tags(repo)
    payload: TagPayload = {"tags": tags}
    if not text:
        text = "\n".join(f"{t}\t{n}" for t, n in tags.items()) or "(no tags)"
    emit(args, payload, text)
    return 0


def _mv(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    v = edit.rename(repo, args.version, args.new_name)
    emit(args, views.version_summary(repo, v.id), f"renamed {args.version} to {v.name}")
    return 0


def _reparent(args: argparse.Namespace) -> int:
    if not args.parent and not args.root:
        raise InvalidInput("name the new parents", hint="mgit reparent VERSION --parent P [--parent Q], or --root")
    if args.parent and args.root:
        raise InvalidInput("--root and --parent exclude each other", hint="give one of them")
    repo = open_repo(args)
    v = edit.reparent(repo, args.version, list(args.parent or []), relation=args.relation)
    summary = views.version_summary(repo, v.id)
    parents = summary["parents"]
    if parents:
        text = f"{v.name} is now a {parents[0]['relation']} of " + ", ".join(p["name"] for p in parents)
    else:
        text = f"{v.name} is now a root"
    emit(args, summary, text + " (tensors unchanged)")
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
        "checkout",
        "write a version's files (or state dict) back out",
        "Write a version back out. A version added from a file or a model folder comes back\n"
        "byte-identical: the same files under the same names, each checked against the hash\n"
        "recorded when it was added. A version added from an in-memory model (or with\n"
        "--format) is written as a canonical .safetensors or .pt state dict file.",
        [
            "mgit checkout minilm -o ./minilm          # the folder it was added from",
            "mgit checkout sentiment -o sentiment.safetensors",
            "mgit checkout v1.0 -o weights.pt --format pt --force",
        ],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="file or folder to write")
    p.add_argument(
        "--format", choices=["safetensors", "pt"], help="convert to this state dict format (default: the exact files)"
    )
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

    p = verb_parser(
        sub,
        "reparent",
        "change a version's parents (lineage only)",
        "Replace the parents of a version, e.g. when parent inference chose the wrong one. Only the\n"
        "lineage changes: its tensors and every stored delta stay valid (a delta names its base\n"
        "object, never a parent). A parent that descends from the version (a cycle) is refused.",
        [
            "mgit reparent ft-2 --parent base",
            "mgit reparent merged --parent ft-a --parent ft-b      # a merge of both",
            "mgit reparent ft-q --parent ft --relation quantize",
            "mgit reparent stray --root",
        ],
    )
    p.add_argument("version", help="version name, tag or id")
    p.add_argument("-p", "--parent", action="append", metavar="VERSION", help="a new parent (repeat for a merge)")
    p.add_argument("--root", action="store_true", help="make it a root (no parents)")
    p.add_argument(
        "-r",
        "--relation",
        choices=RELATIONS,
        help="relation to the parents (default: the current one; merge for several)",
    )
    add_json_flag(p)
    p.set_defaults(func=_reparent)
