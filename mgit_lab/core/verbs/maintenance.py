"""Keeping a repository healthy: ``gc`` (drop what no version references, repack) and
``verify`` (re-hash every object, check every delta chain, name the versions affected)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import MgitError
from ..inference.sketch import SKETCH_DIR, SKETCH_SUFFIX
from ..integrity import chain_of, mismatch
from ..lineage import ModelVersion, TensorRef
from ..lineage.accounting import charge
from ..lineage.files_manifest import live_file_objects, stale_files
from ..lineage.manifests import stale_manifests
from ..progress import Progress
from ..remotes.tracking import tracked_roots
from ..repository import Repository
from ..schema import GcPayload, VerifyPayload
from ..store import (
    GcReport,
    Problem,
    VerifyReport,
    collect_garbage,
    disk_full_as_error,
    repair_indexes,
    verify_store,
)


@dataclass
class RepoGcReport(GcReport):
    """:class:`GcReport` plus the index files (sketches, manifests) of removed versions deleted."""

    sketches_removed: int = 0


def live_objects(repo: Repository) -> set[str]:
    """Every object a live version names: its tensors and the objects of its files."""
    versions = repo.versions()
    tensors = {t.oid for v in versions for t in v.manifest.values()}
    return tensors | live_file_objects(repo.mgit_dir, {v.id for v in versions})


def gc(repo: Repository, progress: Progress | None = None) -> RepoGcReport:
    """Drop objects, sketches and manifest files no version references; repack the rest
    into one pack; recompute every version's stored figures.

    What a fetch brought and no pull added yet is kept while the remote-tracking lineage
    (``.mgit/remotes/<name>/lineage.json``) names it, as git keeps ``refs/remotes``."""
    with repo.lock.hold(), disk_full_as_error(repo.mgit_dir):
        versions = repo.versions()
        tracked = tracked_roots(repo.mgit_dir)
        live = {v.id for v in versions} | tracked.version_ids
        removed = 0
        for f in (repo.mgit_dir / SKETCH_DIR).glob("*" + SKETCH_SUFFIX):
            if f.name[: -len(SKETCH_SUFFIX)] not in live:
                f.unlink(missing_ok=True)
                removed += 1
        report = collect_garbage(repo.store, live_objects(repo) | tracked.objects, progress)
        acc = charge(repo.graph, repo.store)
        if any(
            (v.summary or {}).get("stored_bytes") != acc.charged[v.id]
            or (v.summary or {}).get("objects") != acc.counts[v.id]
            for v in repo.versions()
        ):
            with repo.transaction() as txn:  # the charging changed: write the figures again
                txn.recharge = True
        named = {v.manifest_file for v in repo.versions() if v.manifest_file} | tracked.manifest_files
        for f in stale_manifests(repo.mgit_dir, named):
            f.unlink(missing_ok=True)
            removed += 1
        for f in stale_files(repo.mgit_dir, {v.id for v in repo.versions()} | tracked.version_ids):
            f.unlink(missing_ok=True)
            removed += 1
        return RepoGcReport(**asdict(report), sketches_removed=removed)


def verify(repo: Repository, progress: Progress | None = None, repair: bool = False) -> VerifyReport:
    """Re-hash every object and check every delta chain; name the versions affected."""
    store = repo.store
    repaired = repair_indexes(store) if repair else []
    report = verify_store(store, progress=progress)
    report.packs_repaired = repaired
    bad = {p.oid for p in report.problems if p.oid}
    if bad:
        # objects whose chain runs through a damaged object are damaged too
        for oid in store.object_ids():
            chain = chain_of(store, oid)
            last = chain[-1]
            missing_base = store.info(last).base if store.has(last) else None
            if bad.intersection(chain) or (missing_base is not None and missing_base in bad):
                bad.add(oid)
    damaged: set[str] = set()
    manifests: list[tuple[ModelVersion, dict[str, TensorRef]]] = []
    for v in repo.versions():
        try:
            manifests.append((v, v.manifest))
        except MgitError as exc:
            report.problems.append(Problem("", f"version {v.name!r}: {exc.message}"))
            damaged.add(v.name)
    partial = store.fetch_missing is not None  # a partial clone: absent tensors are fetched on demand
    for v, manifest in manifests:
        for k, t in manifest.items():
            if not store.has(t.oid):
                if t.oid not in bad and not partial:
                    bad.add(t.oid)
                    report.problems.append(Problem(t.oid, "missing from every pack"))
            elif (why := mismatch(store, t)) is not None:
                report.problems.append(Problem(t.oid, f"tensor {k!r} of version {v.name!r}: {why}"))
                damaged.add(v.name)
    damaged.update(v.name for v, manifest in manifests if any(t.oid in bad for t in manifest.values()))
    report.damaged_versions = sorted(damaged)
    return report


def gc_payload(report: GcReport, index_files_removed: int = 0) -> GcPayload:
    return {
        "objects_kept": report.objects_kept,
        "objects_removed": report.objects_removed,
        "packs_before": report.packs_before,
        "packs_after": report.packs_after,
        "bytes_before": report.bytes_before,
        "bytes_after": report.bytes_after,
        "bytes_freed": report.bytes_before - report.bytes_after,
        "temp_files_removed": report.temp_files_removed,
        "index_files_removed": index_files_removed,
    }


def verify_payload(report: VerifyReport) -> VerifyPayload:
    return {
        "ok": report.ok,
        "objects_checked": report.objects_checked,
        "problems": [{"oid": p.oid, "what": p.what} for p in report.problems],
        "damaged_versions": list(report.damaged_versions),
        "packs_repaired": list(report.packs_repaired),
    }
