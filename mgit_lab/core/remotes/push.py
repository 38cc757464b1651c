"""``push``: send the versions a remote lacks, then swap its lineage.

Order (git's, across the network): objects first (packs, each visible when its index
lands), then the new versions' manifest and sketch files, then the lineage by
compare-and-swap (:mod:`.lineage_slot`).  A push killed at any point leaves the remote's
lineage as it was plus complete packs; running it again lists ``packs/``, sees what
arrived, and sends only the rest.  A push with nothing to send costs one small read.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, Corrupt
from ..inference.sketch import SKETCH_DIR, SKETCH_SUFFIX
from ..lineage import ModelVersion, manifest_to_json
from ..lineage.files_manifest import FILES_DIR, files_path, read_files
from ..lineage.manifests import manifest_dir
from ..progress import Progress
from .config import get_remote
from .labels import LabelPlan, Labels, agreed, apply_to_nodes, clashes, labels_of, plan_labels
from .lineage_slot import LineageSlot
from .packs import PARALLEL, Catalogue
from .report import TransferReport
from .tracking import read_base, write_base, write_tracked
from .tracking import state_dir as _state_dir
from .transfer import send
from .transport import RemoteFS
from .union import empty_lineage, raise_conflicts, raise_label_conflicts, union

if TYPE_CHECKING:
    from ..repository import Repository

MANIFESTS = "manifests"


def state_dir(repo: Repository, remote: str) -> Path:
    """``.mgit/remotes/<remote>/``: what this repository remembers about a remote (:mod:`.tracking`)."""
    return _state_dir(repo.mgit_dir, remote)


def selected_ids(repo: Repository, versions: list[str] | None) -> list[str]:
    """Ids of ``versions`` (default: all) and their ancestors, parents first."""
    graph = repo.graph
    if not versions:
        return graph.ids()
    keep: set[str] = set()
    for key in versions:
        vid = graph.resolve(key)
        keep.add(vid)
        keep |= graph.ancestors(vid)
    return [vid for vid in graph.ids() if vid in keep]


def _record(repo: Repository, v: ModelVersion) -> tuple[dict[str, Any], str, bytes]:
    """(lineage record, manifest file name, manifest bytes) of a local version."""
    record = v.to_json()
    file = v.manifest_file or f"{v.id}.json"
    path = manifest_dir(repo.mgit_dir) / file
    if v.manifest_file and path.is_file():
        data = path.read_bytes()
    else:  # an old-layout version (manifest inline): send it as a file
        data = json.dumps({"version": v.id, "tensors": manifest_to_json(v.manifest)}, separators=(",", ":")).encode()
    record["manifest_file"] = file
    return record, file, data


def push(
    repo: Repository, remote: str | None = None, versions: list[str] | None = None, progress: Progress | None = None
) -> TransferReport:
    """Send ``versions`` (default: all) with their ancestors to ``remote`` (default: origin),
    with their names and tags (renames and tag moves made here travel: :mod:`.labels`).

    Raises
    ------
    Conflict
        When a name or tag labels a different version on the remote, or a version or tag
        was changed differently on both sides (nothing is sent).
    RemoteError
        When the remote cannot be reached or refuses access.
    """
    cfg = get_remote(repo.mgit_dir, remote)
    rfs = RemoteFS(cfg)
    report = TransferReport("push", cfg.name, cfg.url)
    slot = LineageSlot(rfs)
    graph = repo.graph
    ids = selected_ids(repo, versions)
    local = [graph.g.nodes[vid]["version"] for vid in ids]
    sending = _Sending([v.to_json() for v in local], [], read_base(repo.mgit_dir, cfg.name), set(ids), cfg.url)
    remote_doc = slot.read()
    try:
        first, plan = sending.combine(remote_doc)
    except Conflict:  # keep what the remote holds now, so status shows both sides of the clash
        write_tracked(repo.mgit_dir, cfg.name, remote_doc or empty_lineage())
        raise
    have = {n["id"] for n in (remote_doc or empty_lineage())["nodes"]}
    new = [v for v in local if v.id not in have]
    if first is None:
        _remember(repo, cfg.name, remote_doc, plan, sending.base)
        report.label_notes = plan.kept
        return report.finish(rfs)

    if new:
        catalogue = Catalogue(rfs, state_dir(repo, cfg.name)).load()
        missing = _missing_objects(repo, new, catalogue, cfg.url)
        report.objects = len(missing)
        sent = send(rfs, repo.store, missing, progress)
        catalogue.remember(sent)  # the next push need not read these indexes back
        report.packs = len(sent)
        records = [_record(repo, v) for v in new]
        _send_files(rfs, repo, records, [v.id for v in new])
        files = {r["id"]: r["manifest_file"] for r, _, _ in records}
        sending.records = [{**r, "manifest_file": files.get(r["id"], r.get("manifest_file"))} for r in sending.records]
    new_ids = {v.id for v in new}
    sending.edges = [e for e in graph.edges_json() if e["child"] in new_ids]
    outcome: dict[str, Any] = {}

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        try:
            doc, plan = sending.combine(current)
        except Conflict:  # the remote moved on meanwhile: keep what it holds now, as above
            write_tracked(repo.mgit_dir, cfg.name, current or empty_lineage())
            raise
        outcome.update(doc=doc or current, plan=plan, names=labels_of((current or empty_lineage())["nodes"])[0])
        return doc

    slot.update(change)
    plan = outcome["plan"]
    _remember(repo, cfg.name, outcome["doc"], plan, sending.base)
    report.lineage_attempts = slot.attempts
    report.versions = [v.name for v in new]
    report.labels = plan.describe(outcome["names"], labels_of(sending.records)[0])
    report.label_notes = plan.kept
    return report.finish(rfs)


class _Sending:
    """The local records a push offers, combined with whatever the remote lineage is."""

    def __init__(
        self, records: list[dict[str, Any]], edges: list[dict[str, Any]], base: Labels, scope: set[str], url: str
    ) -> None:
        self.records, self.edges, self.base, self.scope, self.url = records, edges, base, scope, url

    def combine(self, current: dict[str, Any] | None) -> tuple[dict[str, Any] | None, LabelPlan]:
        """(the new remote lineage, or None when it already has everything; the label plan)."""
        cur = current or empty_lineage()
        plan = plan_labels(self.records, cur["nodes"], self.base, self.scope)
        raise_label_conflicts(plan.conflicts, self.url)
        have = {n["id"] for n in cur["nodes"]}
        new = [{**r, "tags": []} for r in self.records if r["id"] not in have]
        if not new and not plan.changes:
            return None, plan
        renamed = {**cur, "nodes": apply_to_nodes(cur["nodes"], LabelPlan(renames=plan.renames))}
        doc = union(renamed, new, self.edges, self.url)
        doc["nodes"] = apply_to_nodes(doc["nodes"], LabelPlan(tags=plan.tags))
        raise_conflicts(clashes(doc["nodes"]), self.url)
        return doc, plan


def _remember(repo: Repository, remote: str, doc: dict[str, Any] | None, plan: LabelPlan, base: Labels) -> None:
    """Keep the remote's lineage as now known, and the labels both sides agree on."""
    if doc is None:
        return
    write_tracked(repo.mgit_dir, remote, doc)
    write_base(repo.mgit_dir, remote, agreed([v.to_json() for v in repo.versions()], doc["nodes"], base))


def _missing_objects(repo: Repository, new: list[ModelVersion], catalogue: Catalogue, url: str) -> set[str]:
    """Objects the new versions need (with their delta bases) that the remote lacks."""
    needed: set[str] = set()
    for v in new:
        for ref in v.manifest.values():
            needed.add(ref.oid)
        files = read_files(repo.mgit_dir, v.id)  # a version added from files: its blobs and headers
        if files is not None:
            needed |= files.oids()
    # delta bases travel with their dependants; objects a partial clone lacks must be there
    stack, closure = list(needed), set()
    while stack:
        oid = stack.pop()
        if oid in closure:
            continue
        closure.add(oid)
        if repo.store.has(oid):
            base = repo.store.info(oid).base
            if base:
                stack.append(base)
        elif oid not in catalogue.objects:
            users = [v.name for v in new if any(r.oid == oid for r in v.manifest.values())]
            raise Corrupt(
                f"object {oid[:12]} (needed by {', '.join(users) or 'a delta chain'}) is neither here nor on {url}",
                hint="run `mgit verify`; push the versions that are intact by naming them",
            )
    return {o for o in closure if o not in catalogue.objects and repo.store.has(o)}


def _send_files(
    rfs: RemoteFS, repo: Repository, records: list[tuple[dict[str, Any], str, bytes]], ids: list[str]
) -> None:
    """Manifest, files-manifest and sketch files of the new versions that the remote lacks
    (one listing each)."""
    have_manifests = set(rfs.listdir(MANIFESTS))
    have_sketches = set(rfs.listdir(SKETCH_DIR))
    jobs: list[tuple[str, bytes]] = [(f"{MANIFESTS}/{f}", data) for _, f, data in records if f not in have_manifests]
    records_here = [p for p in (files_path(repo.mgit_dir, vid) for vid in ids) if p.is_file()]
    if records_here:  # versions added from files only: no extra listing for the others
        have_files = set(rfs.listdir(FILES_DIR))
        jobs += [(f"{FILES_DIR}/{p.name}", p.read_bytes()) for p in records_here if p.name not in have_files]
    for vid in ids:
        name = vid + SKETCH_SUFFIX
        path = repo.mgit_dir / SKETCH_DIR / name
        if name not in have_sketches and path.is_file():
            jobs.append((f"{SKETCH_DIR}/{name}", path.read_bytes()))
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda job: rfs.put(*job), jobs))
