"""``mgit add``: read a model, infer or check its parents, store it.

When the inferred parent is a guess (confidence below ``LOW_CONFIDENCE``) it is never
chosen silently: on a terminal the user is asked among the top candidates; otherwise the
version is added under the best one with a warning on stderr naming the candidates and the
exact ``mgit reparent`` command.
"""

from __future__ import annotations

import argparse
import sys

from ..core.inference import confidence
from ..core.lineage import Relation
from ..core.render_text import human_bytes
from ..core.schema import AddPayload, AddPlanPayload, InferenceResult, ParentRef
from ..core.verbs import add as add_verb
from ..core.verbs import files as files_verb
from ..core.verbs import views
from . import emit
from .args import add_json_flag, open_repo, parse_pairs, verb_parser
from .progress import progress_bar

RELATIONS = [r.value for r in Relation]


def _add(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    parent = None
    if args.parent:
        parent = args.parent[0] if len(args.parent) == 1 else list(args.parent)
    metrics = parse_pairs(args.metric, "metric")
    metadata = parse_pairs(args.meta, "meta")
    with progress_bar(not args.json) as cb:
        prep = add_verb.prepare_add(
            repo,
            args.model,
            name=args.name,
            parent=parent,
            relation=args.relation,
            lossy=args.lossy,
            infer=not args.no_infer,
            max_distance=args.max_distance,
            progress=cb,
            dry_run=args.dry_run,
        )
    if args.dry_run:
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
        exists = prep.name in graph
        text = (
            ("" if not exists else f"{prep.name} exists; leaving it and its descendants out, ")
            + (f"would add {prep.name} ({len(prep.manifest)} tensors) ")
            + (
                "as a child of " + ", ".join(f"{p['name']} ({p['relation']})" for p in parents)
                if parents
                else "as a root"
            )
        )
        if prep.inference:
            text += f"\n  inference: {prep.inference['reason']} (confidence {prep.inference['confidence']})"
            if confidence.doubtful(prep.inference):
                text += "\n  low confidence; candidates:\n    " + "\n    ".join(
                    confidence.describe_candidates(prep.inference)
                )
        emit(args, plan, text)
        return 0
    doubt = confidence.doubtful(prep.inference)
    asked = doubt and not args.json and _interactive()
    if asked:
        assert prep.inference is not None
        prep.parents = _ask_parent(prep.inference, args.relation)
        metadata["parent_choice"] = "asked on the terminal"
    with progress_bar(not args.json) as cb:
        version = add_verb.store_prepared(
            repo,
            prep,
            model_type=args.type,
            message=args.message,
            lossy=args.lossy,
            author=args.author,
            metadata=metadata,
            metrics=metrics,
            progress=cb,
        )
    if doubt and not asked:
        assert prep.inference is not None
        _warn_doubt(version.name, prep.inference)
    graph = repo.graph
    summary = views.version_summary(repo, version.id)
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
    files = files_verb.files_of(repo, version.id)
    if files is not None:
        size = human_bytes(sum(f.size for f in files.files))
        other = human_bytes(files_verb.new_blob_bytes(repo, version.id))
        lines.append(
            f"  {len(files.files)} file(s), {size}, kept ({other} new besides the tensors): "
            f"`mgit checkout {version.name} -o PATH` gives them back"
        )
    emit(args, payload, "\n".join(lines))
    return 0


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _warn_doubt(name: str, inference: InferenceResult) -> None:
    """On stderr: the parent was a guess, the candidates, and the command that changes it."""
    others = [c["name"] for c in inference["candidates"][1:2]]
    lines = [
        f"mgit: warning: the parent of {name} is a guess (confidence {inference['confidence']:.3g} "
        f"< {confidence.LOW_CONFIDENCE}); added under {inference['parent']}. Candidates:",
        *("  " + line for line in confidence.describe_candidates(inference)),
        f"  if that is wrong: {confidence.reparent_command(name, others[0] if others else None)}",
    ]
    print("\n".join(lines), file=sys.stderr)


def _ask_parent(inference: InferenceResult, relation: str | None) -> list[tuple[str, Relation]]:
    """Ask on the terminal which candidate is the parent (Enter: the best; r: none)."""
    candidates = inference["candidates"][:3]
    print(f"mgit: the parent is unclear (confidence {inference['confidence']:.3g}). Candidates:", file=sys.stderr)
    for line in confidence.describe_candidates(inference):
        print("  " + line, file=sys.stderr)
    while True:
        print(f"parent? [1-{len(candidates)}, r = a root, Enter = 1] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer in ("", "1") or (answer.isdigit() and 1 <= int(answer) <= len(candidates)):
            chosen = candidates[int(answer or "1") - 1]
            suggested = inference["relation"] if chosen["id"] == inference["parent_id"] else None
            return [(chosen["id"], Relation.parse(relation or suggested or "finetune"))]
        if answer == "r":
            return []
        print("  answer with a number, r, or Enter", file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
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
