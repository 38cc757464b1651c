"""Build the JSON payloads of :mod:`.schema` from a repository (faces only serialise them)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from .lineage import LineageGraph, ModelVersion
from .lineage.accounting import Accounts
from .schema import (
    GcPayload,
    GraphPayload,
    ManifestSummary,
    ParentRef,
    StorageStats,
    TensorEntry,
    TestStatus,
    VerifyPayload,
    VersionDetail,
    VersionStorage,
    VersionSummary,
)
from .store import GcReport, VerifyReport

if TYPE_CHECKING:
    from .repository import Repository

_PASS = {"pass", "passed", "ok", "success"}
_FAIL = {"fail", "failed", "error", "errored"}


def test_status(version: ModelVersion) -> TestStatus:
    """``fail`` if any stored test result failed or errored, ``pass`` if all passed, else ``none``.

    A result counts as passed when it has ``passed: true`` (or ``success: true``, MGit's
    key) or a ``status`` of pass/passed/ok; failed for false or fail/failed/error.
    """
    seen_pass = False
    for result in version.tests.values():
        if not isinstance(result, dict):
            continue
        verdict: Any = result.get("passed", result.get("success"))
        status = str(result.get("status", "")).lower()
        if verdict is False or status in _FAIL:
            return "fail"
        if verdict is True or status in _PASS:
            seen_pass = True
    return "pass" if seen_pass else "none"


def _parents(graph: LineageGraph, version: ModelVersion) -> list[ParentRef]:
    return [{"id": p.id, "name": p.name, "relation": r.value} for p, r in graph.parents(version.id)]


def summary(graph: LineageGraph, version: ModelVersion, accounts: Accounts) -> VersionSummary:
    parents = _parents(graph, version)
    return {
        "id": version.id,
        "name": version.name,
        "model_type": version.model_type,
        "parents": parents,
        "relation": parents[0]["relation"] if parents else None,
        "created": version.created,
        "author": version.author,
        "message": version.message,
        "tags": list(version.tags),
        "num_parameters": version.num_parameters,
        "num_tensors": version.num_tensors,
        "stored_bytes": accounts.charged.get(version.id, 0),
        "raw_bytes": version.raw_nbytes,
        "test_status": test_status(version),
    }


def graph_payload(graph: LineageGraph, accounts: Accounts, revision: int) -> GraphPayload:
    """Every version's summary (parents first) and every edge; no manifests."""
    return {
        "revision": revision,
        "nodes": [summary(graph, v, accounts) for v in graph.versions()],
        "edges": [{"parent": u, "child": c, "relation": r.value} for u, c, r in graph.edges()],
    }


def version_detail(repo: Repository, key: str) -> VersionDetail:
    """One version in full: summary, manifest with per-tensor storage, metadata, tests."""
    graph = repo.graph
    version = graph.get(key)
    parents = graph.parents(version.id)
    base = parents[0][0].manifest if parents else None
    tensors: list[TensorEntry] = []
    counts: Counter[str | None] = Counter()
    for name, ref in version.manifest.items():
        vs: Literal["same", "changed", "added"] | None
        if base is None:
            vs = None
        elif name not in base:
            vs = "added"
        else:
            vs = "same" if base[name].oid == ref.oid else "changed"
        counts[vs] += 1
        info = repo.store.info(ref.oid) if repo.store.has(ref.oid) else None
        tensors.append(
            {
                "name": name,
                "dtype": ref.dtype,
                "shape": list(ref.shape),
                "oid": ref.oid,
                "stored_bytes": info.stored_nbytes if info else 0,
                "codecs": list(info.codecs) if info else [],
                "base": info.base if info else None,
                "vs_parent": vs,
            }
        )
    manifest: ManifestSummary = {
        "num_tensors": len(version.manifest),
        "num_parameters": version.num_parameters,
        "dtypes": dict(Counter(t.dtype for t in version.manifest.values())),
        "same_as_parent": counts["same"],
        "changed_from_parent": counts["changed"],
        "added": counts["added"],
        "removed": sum(1 for k in base if k not in version.manifest) if base is not None else 0,
    }
    out: dict[str, Any] = dict(summary(graph, version, repo.accounts()))
    out.update(
        {
            "manifest": manifest,
            "tensors": tensors,
            "children": [{"id": c.id, "name": c.name, "relation": r.value} for c, r in graph.children(version.id)],
            "metadata": dict(version.metadata),
            "metrics": dict(version.metrics),
            "tests": dict(version.tests),
            "architecture": version.architecture,
            "recipe": version.recipe,
        }
    )
    return out  # type: ignore[return-value]


def storage_stats(repo: Repository) -> StorageStats:
    """``du``: stored vs raw bytes per version and in total, from the indexes only."""
    graph = repo.graph
    accounts = repo.accounts()
    rows: list[VersionStorage] = []
    raw_total = 0
    for v in graph.versions():
        raw = v.raw_nbytes
        raw_total += raw
        stored = accounts.charged.get(v.id, 0)
        rows.append(
            {
                "id": v.id,
                "name": v.name,
                "stored_bytes": stored,
                "raw_bytes": raw,
                "ratio": round(stored / raw, 6) if raw else 0.0,
            }
        )
    packs = repo.store.pack_names()
    pack_bytes = sum(
        (repo.store.packs_dir / f"{p}.h5").stat().st_size for p in packs if (repo.store.packs_dir / f"{p}.h5").exists()
    )
    return {
        "versions": rows,
        "total": {
            "versions": len(rows),
            "objects": accounts.objects,
            "stored_bytes": accounts.stored_bytes,
            "raw_bytes": raw_total,
            "ratio": round(accounts.stored_bytes / raw_total, 6) if raw_total else 0.0,
            "packs": len(packs),
            "pack_file_bytes": pack_bytes,
        },
    }


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
