"""Reading the lineage: log, show, du, and the JSON payloads of :mod:`..schema` that the
faces only serialise (the graph, a version in full, storage figures).

Nothing here decodes a tensor or imports numpy: these are the verbs that must answer as
fast as ``git log``."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal, cast

from ..lineage import LineageGraph, ModelVersion
from ..lineage.accounting import Accounts
from ..repository import Repository
from ..schema import (
    GraphPayload,
    ManifestSummary,
    ParentRef,
    StorageStats,
    TensorEntry,
    TestStatus,
    VersionDetail,
    VersionStorage,
    VersionSummary,
)
from ..store import index as pack_index
from .files import blob_figures, files_listing

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
        "lossy": "lossy_bound" in version.metadata,
    }


def graph_payload_of(graph: LineageGraph, accounts: Accounts, revision: int) -> GraphPayload:
    """Every version's summary (parents first) and every edge; no manifests."""
    return {
        "revision": revision,
        "nodes": [summary(graph, v, accounts) for v in graph.versions()],
        "edges": [{"parent": u, "child": c, "relation": r.value} for u, c, r in graph.edges()],
    }


def show(repo: Repository, key: str) -> VersionDetail:
    """One version in full: summary, manifest with per-tensor storage, metadata, tests."""
    graph = repo.graph
    version = graph.get(key)
    parents = graph.parents(version.id)
    base = parents[0][0].manifest if parents else None
    tensors: list[TensorEntry] = []
    counts: Counter[str | None] = Counter()
    index = repo.pack_index
    for name, ref in version.manifest.items():
        vs: Literal["same", "changed", "added"] | None
        if base is None:
            vs = None
        elif name not in base:
            vs = "added"
        else:
            vs = "same" if base[name].oid == ref.oid else "changed"
        counts[vs] += 1
        hit = index.get(ref.oid)
        entry = hit[0] if hit else None
        tensors.append(
            {
                "name": name,
                "dtype": ref.dtype,
                "shape": list(ref.shape),
                "oid": ref.oid,
                "stored_bytes": pack_index.stored_nbytes(entry) if entry else 0,
                "codecs": list(pack_index.codec_ids(entry)) if entry else [],
                "base": entry.get("base") if entry else None,
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
            "files": files_listing(repo, version.id),
        }
    )
    return cast("VersionDetail", out)


def stats(repo: Repository) -> StorageStats:
    """``du``: stored vs raw bytes per version and in total, from the indexes only."""
    graph = repo.graph
    accounts = repo.accounts()
    rows: list[VersionStorage] = []
    raw_total = 0
    blobs = blob_figures(repo)
    for v in graph.versions():
        raw = v.raw_nbytes
        raw_total += raw
        stored = accounts.charged.get(v.id, 0) + blobs["charged"].get(v.id, 0)
        rows.append(
            {
                "id": v.id,
                "name": v.name,
                "stored_bytes": stored,
                "raw_bytes": raw,
                "ratio": round(stored / raw, 6) if raw else 0.0,
            }
        )
    index = repo.pack_index
    packs = index.pack_names()
    files = [index.packs_dir / (p + pack_index.PACK_SUFFIX) for p in packs]
    pack_bytes = sum(f.stat().st_size for f in files if f.exists())
    stored_total = accounts.stored_bytes + blobs["blob_stored_bytes"]
    return {
        "versions": rows,
        "total": {
            "versions": len(rows),
            "objects": accounts.objects + blobs["blob_objects"],
            "stored_bytes": stored_total,
            "raw_bytes": raw_total,
            "ratio": round(stored_total / raw_total, 6) if raw_total else 0.0,
            "packs": len(packs),
            "pack_file_bytes": pack_bytes,
            "files": blobs["files"],
            "blob_objects": blobs["blob_objects"],
            "blob_bytes": blobs["blob_stored_bytes"],
        },
    }


def log(repo: Repository, key: str | None = None) -> list[ModelVersion]:
    """Versions parents-first: all of them, or ``key`` with its ancestors and descendants."""
    graph = repo.graph
    if key is None:
        return graph.versions()
    vid = graph.resolve(key)
    keep = graph.ancestors(vid) | graph.descendants(vid) | {vid}
    return [v for v in graph.versions() if v.id in keep]


def graph_payload(repo: Repository) -> GraphPayload:
    """The lineage for the panel, ``log --json`` and the REST graph route (no manifests)."""
    graph = repo.graph
    return graph_payload_of(graph, repo.accounts(), repo.revision)


def version_summary(repo: Repository, key: str) -> VersionSummary:
    """One version's summary (the row ``log`` shows, what ``add`` and ``rename`` answer)."""
    graph = repo.graph
    return summary(graph, graph.get(key), repo.accounts())


def stored_nbytes(repo: Repository, key: str | None = None) -> tuple[int, int]:
    """(stored bytes charged to ``key``, or of the whole repository; raw bytes)."""
    acc = repo.accounts()
    if key is None:
        return acc.stored_bytes, sum(v.raw_nbytes for v in repo.versions())
    v = repo.version(key)
    return acc.charged.get(v.id, 0), v.raw_nbytes
