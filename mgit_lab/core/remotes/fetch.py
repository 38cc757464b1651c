"""``fetch``, ``pull`` and ``clone``: bring a remote's versions here.

``fetch`` reads the remote lineage, stores the manifest and sketch files of every remote
version this repository lacks, and receives the tensors those versions need (only the
ones not stored here; each checked against its hash before it becomes visible).  It
keeps a copy of the remote lineage in ``.mgit/remotes/<name>/lineage.json`` and leaves
the local lineage as it is.  ``pull`` does the same, then adds the remote's versions to
the local lineage in one transaction (a union: a name that labels a different version on
each side is a conflict, found before anything moves).  ``clone`` (:mod:`mgit_lab.core.verbs.clone`) makes a
repository and pulls into it; with ``versions`` it is *partial*: it takes the whole lineage graph and
the tensors of those versions (with their delta bases) only, and records the remote as
the repository's *promisor*, from which other versions' tensors are fetched when first
needed (:mod:`.ondemand`).

A refused object (damaged, truncated or missing on the remote) is reported with the
versions that need it; those versions are not added, everything else is.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, Corrupt, NotFound
from ..inference.sketch import SKETCH_DIR, SKETCH_SUFFIX
from ..lineage import LineageGraph, ModelVersion, Relation, manifest_from_json
from ..lineage.files_manifest import FILES_DIR, files_path, read_files
from ..lineage.manifests import manifest_dir, read_manifest
from ..progress import Progress
from ..store import atomic_write_bytes
from .config import get_remote, promisor
from .labels import LabelPlan, Labels, agreed, apply_to_nodes, clashes, plan_labels
from .lineage_slot import LineageSlot
from .packs import PARALLEL, Catalogue
from .push import MANIFESTS, state_dir
from .report import TransferReport
from .tracking import read_base, read_tracked, write_base, write_tracked
from .transfer import receive
from .transport import RemoteFS
from .union import conflicts, raise_conflicts, raise_label_conflicts

if TYPE_CHECKING:
    from ..repository import Repository


def _remote_lineage(slot: LineageSlot) -> dict[str, Any]:
    doc = slot.read()
    if doc is None:
        raise NotFound(
            f"there is no mgit lineage at {slot.where}",
            hint="check the URL, or push to it first (`mgit push`)",
        )
    return doc


def _wanted_ids(graph: LineageGraph, versions: list[str] | None) -> list[str]:
    if not versions:
        return graph.ids()
    keep: set[str] = set()
    for key in versions:
        vid = graph.resolve(key)
        keep |= {vid} | graph.ancestors(vid)
    return [vid for vid in graph.ids() if vid in keep]


def _receive_files(
    rfs: RemoteFS | None, repo: Repository, nodes: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Store the manifest and sketch files of ``nodes`` not here; returns (id -> manifest
    JSON, ids of versions whose manifest is not here and could not be asked for: offline)."""
    folder = manifest_dir(repo.mgit_dir)
    folder.mkdir(exist_ok=True)
    (repo.mgit_dir / SKETCH_DIR).mkdir(exist_ok=True)

    def one(node: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        file = node["manifest_file"]
        path = folder / file
        if path.is_file():
            return node["id"], json.loads(path.read_bytes())["tensors"]
        if rfs is None:
            return node["id"], None
        data = rfs.cat(f"{MANIFESTS}/{file}")
        if data is None:
            raise Corrupt(f"the manifest of version {node['name']!r} is missing at {rfs.url}", hint="push it again")
        try:
            doc = json.loads(data)
            manifest_from_json(doc["tensors"])
            if doc.get("version") != node["id"]:
                raise ValueError("it names another version")
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise Corrupt(f"the manifest of version {node['name']!r} at {rfs.url} is damaged: {exc}") from None
        sketch = rfs.cat(f"{SKETCH_DIR}/{node['id']}{SKETCH_SUFFIX}")
        if sketch is not None:
            atomic_write_bytes(repo.mgit_dir / SKETCH_DIR / (node["id"] + SKETCH_SUFFIX), sketch)
        _receive_files_record(rfs, repo, node)
        atomic_write_bytes(path, data)
        return node["id"], doc["tensors"]

    with ThreadPoolExecutor(PARALLEL) as pool:
        got = dict(pool.map(one, nodes))
    return {vid: m for vid, m in got.items() if m is not None}, {vid for vid, m in got.items() if m is None}


def _receive_files_record(rfs: RemoteFS, repo: Repository, node: dict[str, Any]) -> None:
    """The files manifest of a version added from a file or folder, when the remote has one
    (checked before it is kept: a damaged one is refused like a damaged manifest)."""
    target = files_path(repo.mgit_dir, node["id"])
    if target.is_file():
        return
    data = rfs.cat(f"{FILES_DIR}/{target.name}")
    if data is None:
        return  # a version added from an in-memory model has none
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.incoming")
    atomic_write_bytes(tmp, data)
    try:
        _check_files_record(tmp, node, rfs.url)
    except Corrupt:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)


def _check_files_record(path: Path, node: dict[str, Any], url: str) -> None:
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("version") != node["id"] or doc.get("root") not in ("folder", "file"):
            raise ValueError("it names another version or an unknown root")
        for entry in doc["files"]:
            if not isinstance(entry.get("path"), str) or not isinstance(entry.get("sha256"), str):
                raise ValueError("a file entry has no path or hash")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Corrupt(
            f"the files manifest of version {node['name']!r} at {url} is damaged: {exc}", hint="push it again"
        ) from None


def fetch(
    repo: Repository,
    remote: str | None = None,
    versions: list[str] | None = None,
    progress: Progress | None = None,
    *,
    merge: bool = False,
    offline: bool = False,
) -> TransferReport:
    """Receive what the remote's ``versions`` (default: all) need; ``merge`` adds them to the
    lineage (that is :func:`pull`), with the remote's renames and tag changes.  On a partial
    clone without ``versions`` only the lineage, manifests and sketches travel.  ``offline``
    asks nothing of the remote: it uses what the last fetch brought (git's ``merge
    origin/main``)."""
    cfg = get_remote(repo.mgit_dir, remote)
    rfs = None if offline else RemoteFS(cfg)
    report = TransferReport("pull" if merge else "fetch", cfg.name, cfg.url)
    if rfs is None:
        doc = read_tracked(repo.mgit_dir, cfg.name)
        if doc is None:
            raise NotFound(
                f"nothing was fetched from {cfg.name!r} yet", hint=f"run `mgit fetch {cfg.name}` while it is reachable"
            )
    else:
        doc = _remote_lineage(LineageSlot(rfs))
    rgraph = LineageGraph.from_json(doc)
    local = repo.graph
    by_id = {n["id"]: n for n in doc["nodes"]}
    partial_clone = promisor(repo.mgit_dir) == cfg.name
    wanted = _wanted_ids(rgraph, versions) if (versions or not partial_clone) else []
    # a partial clone takes the whole graph; a full repository only versions whose tensors it has
    keep = set(rgraph.ids()) if partial_clone else set(wanted)
    base = read_base(repo.mgit_dir, cfg.name)
    if merge:
        try:
            _check_labels(repo, doc, base, keep, cfg.url)
        except Conflict:  # keep what the remote holds now, so status shows both sides of the clash
            if rfs is not None:
                write_tracked(repo.mgit_dir, cfg.name, doc)
            raise
    absent = [by_id[vid] for vid in rgraph.ids() if vid not in local.g]
    manifests, unfetched = _receive_files(rfs, repo, absent)
    oids: set[str] = set()
    for vid in wanted:
        if vid in manifests:
            oids |= {t[0] for t in manifests[vid].values()}
        elif vid in local.g and not partial_clone:
            oids |= {t.oid for t in local.g.nodes[vid]["version"].manifest.values()}
        files = read_files(repo.mgit_dir, vid)  # blobs and safetensors headers of its files
        if files is not None:
            oids |= files.oids()
    todo = {o for o in oids if not repo.store.has(o)}
    refused: dict[str, str] = {}
    if todo and rfs is None:
        refused.update(dict.fromkeys(todo, "it was not fetched (run `mgit fetch` while the remote is reachable)"))
    elif todo and rfs is not None:
        catalogue = Catalogue(rfs, state_dir(repo, cfg.name))
        catalogue.load()
        want, gone = catalogue.closure(todo, repo.store)
        refused.update(dict.fromkeys(gone, "it is missing on the remote"))
        got = receive(rfs, catalogue, repo.store, repo.lock, want, progress)
        refused.update(got.refused)
        report.objects = len(got.objects)
        report.packs = len({catalogue.objects[o].pack for o in got.objects})
    bad_versions = _report_refused(report, refused, rgraph, wanted, manifests) | unfetched
    skip = set()
    for vid in bad_versions:
        skip |= {vid} | rgraph.descendants(vid)
    report.skipped_versions = [by_id[v]["name"] for v in rgraph.ids() if v in skip and v not in local.g]
    if rfs is not None:
        write_tracked(repo.mgit_dir, cfg.name, doc)
    added = [by_id[v] for v in rgraph.ids() if v not in local.g and v not in skip and v in keep]
    if merge:
        scope = (keep - skip) & (set(local.g) | {n["id"] for n in added})
        changes = _add_versions(repo, cfg.name, added, doc, base, scope)
        report.labels, report.label_notes = changes
    report.versions = [n["name"] for n in added] if merge else [by_id[v]["name"] for v in wanted if v not in local.g]
    return report.finish(rfs)


def _check_labels(repo: Repository, doc: dict[str, Any], base: Labels, keep: set[str], url: str) -> None:
    """Raise Conflict, before anything moves, when the remote's names and tags cannot be
    combined with the local ones (:mod:`.labels`)."""
    local_nodes = [v.to_json() for v in repo.versions()]
    incoming = [n for n in doc["nodes"] if n["id"] in keep]
    plan = plan_labels(incoming, local_nodes, base, keep, ("at the remote", "here"))
    raise_label_conflicts(plan.conflicts, url)
    have = {n["id"] for n in local_nodes}
    merged = apply_to_nodes(local_nodes, LabelPlan(renames=plan.renames))
    raise_conflicts(conflicts({"nodes": merged}, [{**n, "tags": []} for n in incoming if n["id"] not in have]), url)
    merged += [{**n, "tags": []} for n in incoming if n["id"] not in have]
    raise_conflicts(clashes(apply_to_nodes(merged, LabelPlan(tags=plan.tags))), url)


def _report_refused(
    report: TransferReport, refused: dict[str, str], rgraph: LineageGraph, wanted: list[str], manifests: dict[str, Any]
) -> set[str]:
    """Fill ``report.refused`` (object, reason, versions needing it); returns those versions' ids.

    An object whose delta base was refused is refused too, so direct use is enough."""
    if not refused:
        return set()
    needs: dict[str, set[str]] = {}
    bad: set[str] = set()
    for vid in wanted:
        for tensor in (manifests.get(vid) or {}).values():
            if tensor[0] in refused:
                needs.setdefault(tensor[0], set()).add(rgraph.g.nodes[vid]["version"].name)
                bad.add(vid)
    for oid, reason in sorted(refused.items()):
        report.refused.append({"object": oid, "reason": reason, "versions": sorted(needs.get(oid, set()))})
    return bad


def _add_versions(
    repo: Repository, remote: str, nodes: list[dict[str, Any]], doc: dict[str, Any], base: Labels, scope: set[str]
) -> tuple[list[str], list[str]]:
    """Add remote version records (parents first) to the local lineage and take the remote's
    renames and tag changes, in one transaction; returns (changes made, changes kept)."""
    parents: dict[str, list[tuple[int, str, str]]] = {}
    for e in doc["edges"]:
        parents.setdefault(e["child"], []).append((int(e.get("order", 0)), e["parent"], e["relation"]))
    sides = ("at the remote", "here")
    plan = plan_labels(doc["nodes"], [v.to_json() for v in repo.versions()], base, scope, sides)
    if not nodes and not plan.changes:
        write_base(repo.mgit_dir, remote, agreed([v.to_json() for v in repo.versions()], doc["nodes"], base))
        return [], plan.kept
    with repo.transaction() as txn:
        graph = txn.graph
        here = [graph.g.nodes[i]["version"].to_json() for i in graph.ids()]
        before = {n["id"]: n["name"] for n in here}
        plan = plan_labels(doc["nodes"], here, base, scope, sides)
        raise_label_conflicts(plan.conflicts, f"remote {remote!r}")  # the lineage changed since the check
        _rename_all(graph, plan.renames)
        for tag in plan.tags:
            if tag in graph.tags():
                graph.untag(tag)
        for node in nodes:
            if node["id"] in graph.g:
                continue
            if node["name"] in graph:
                raise Conflict(f"a version named {node['name']!r} was added here meanwhile", hint="run the pull again")
            version = ModelVersion.from_json(node, partial(read_manifest, repo.mgit_dir, node["manifest_file"]))
            version.summary = None  # figures are recomputed from this repository's store
            version.tags = []  # tags are taken below, like any other tag change
            ps = sorted(parents.get(node["id"], []))
            graph.add_version(version, [(p, Relation(r)) for _, p, r in ps if p in graph.g])
        for tag, vid in sorted(plan.tags.items()):
            if vid is not None:
                graph.tag(vid, tag)
        after = [graph.g.nodes[i]["version"].to_json() for i in graph.ids()]
    write_base(repo.mgit_dir, remote, agreed(after, doc["nodes"], base))
    names = {n["id"]: n["name"] for n in doc["nodes"]}
    return plan.describe(before, names), plan.kept


def _rename_all(graph: LineageGraph, renames: dict[str, str]) -> None:
    """Rename in two steps (through unique temporary names), so names may swap."""
    for vid in renames:
        graph.rename(vid, f"~pull~{vid}")
    for vid, name in renames.items():
        graph.rename(vid, name)


def pull(
    repo: Repository,
    remote: str | None = None,
    versions: list[str] | None = None,
    progress: Progress | None = None,
    *,
    offline: bool = False,
) -> TransferReport:
    """:func:`fetch`, then add the remote's versions to the local lineage (``offline``: those
    the last fetch brought, asking nothing of the remote)."""
    return fetch(repo, remote, versions, progress, merge=True, offline=offline)
