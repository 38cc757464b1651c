"""The parts of :class:`~.repository.Repository` beyond storing and loading models:
editing the lineage (names, tags, removal, annotations), reading it as payloads, and
maintenance (gc, verify).  Mixins of ``Repository``; use them through it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from . import payloads
from .errors import MgitError
from .inference.sketch import SKETCH_DIR, SKETCH_SUFFIX
from .lineage import ModelVersion, TensorRef
from .lineage.accounting import Accounts, charge
from .lineage.manifests import stale_manifests
from .progress import Progress
from .schema import GraphPayload, StorageStats, VersionDetail
from .store import GcReport, Problem, VerifyReport, collect_garbage, repair_indexes, verify_store

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

    from .lineage import LineageGraph
    from .repository import Repository
    from .store import ObjectStore, WriterLock


class _RepositoryAttributes:
    """What the mixins use of :class:`~.repository.Repository` (for type checkers only)."""

    if TYPE_CHECKING:
        store: ObjectStore
        lock: WriterLock
        mgit_dir: Path
        _accounts: tuple[Any, Accounts] | None
        _graph_stamp: tuple[int, int, int] | None
        _recharge: bool
        _revision: int

        @property
        def graph(self) -> LineageGraph: ...

        def transaction(self) -> AbstractContextManager[LineageGraph]: ...

        def version(self, key: str) -> ModelVersion: ...

        def versions(self) -> list[ModelVersion]: ...


@dataclass
class RepoGcReport(GcReport):
    """:class:`GcReport` plus the index files (sketches) of removed versions deleted."""

    sketches_removed: int = 0


class LineageEdits(_RepositoryAttributes):
    """Names, tags, removal and annotations: each one atomic transaction."""

    def rename(self, key: str, new_name: str) -> ModelVersion:
        """Give a version a new name (its id, tags and edges stay)."""
        with self.transaction() as graph:
            graph.rename(key, new_name)
            return graph.get(new_name)

    def tag(self, key: str, tag: str, *, move: bool = False) -> ModelVersion:
        """Attach ``tag`` to a version; ``move`` takes it from the version that has it."""
        with self.transaction() as graph:
            graph.tag(key, tag, move=move)
            return graph.get(tag)

    def untag(self, tag: str) -> ModelVersion:
        """Remove a tag; returns the version it was on."""
        with self.transaction() as graph:
            return graph.edit(graph.untag(tag))

    def tags(self) -> dict[str, str]:
        """tag -> version name."""
        graph = self.graph
        return {t: graph.g.nodes[vid]["version"].name for t, vid in sorted(graph.tags().items())}

    def remove(self, key: str, *, reroot: bool = False) -> tuple[ModelVersion, list[str]]:
        """Remove a version; returns it and the names of children re-rooted onto its parents.

        Its stored objects stay until ``gc`` (children's deltas may still need them).

        Raises
        ------
        Conflict
            When other versions depend on it and ``reroot`` is False.
        """
        with self.transaction() as graph:
            kids = [c.name for c in graph.dependants(key)]
            removed = graph.remove_version(key, reroot=reroot)
        return removed, kids

    def annotate(
        self,
        key: str,
        *,
        message: str | None = None,
        model_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> ModelVersion:
        """Change a version's message or model type, or merge keys into its metadata/metrics."""
        with self.transaction() as graph:
            v = graph.edit(key)
            if message is not None:
                v.message = message
            if model_type is not None:
                v.model_type = model_type or None
            v.metadata.update(metadata or {})
            v.metrics.update(metrics or {})
            return v


class LineageViews(_RepositoryAttributes):
    """The lineage as lists and payloads (cached until the lineage or the packs change)."""

    def log(self, key: str | None = None) -> list[ModelVersion]:
        """Versions parents-first: all of them, or ``key`` with its ancestors and descendants."""
        graph = self.graph
        if key is None:
            return graph.versions()
        vid = graph.resolve(key)
        keep = graph.ancestors(vid) | graph.descendants(vid) | {vid}
        return [v for v in graph.versions() if v.id in keep]

    def accounts(self) -> Accounts:
        """Stored bytes charged to each version: the figures kept in the lineage records.

        An older lineage without them is charged from the manifests (cached until the
        lineage or the packs change) until the next commit writes them."""
        graph = self.graph
        versions = graph.versions()
        if all(v.summary and "stored_bytes" in v.summary and "objects" in v.summary for v in versions):
            stamp: Any = self._graph_stamp
            if self._accounts is None or self._accounts[0] != stamp:
                acc = Accounts()
                for v in versions:
                    assert v.summary is not None
                    acc.charged[v.id] = stored = int(v.summary["stored_bytes"])
                    acc.counts[v.id] = count = int(v.summary["objects"])
                    acc.stored_bytes += stored
                    acc.objects += count
                self._accounts = (stamp, acc)
            return self._accounts[1]
        stamp = (self._graph_stamp, tuple(self.store.pack_names()))
        if self._accounts is None or self._accounts[0] != stamp:
            self._accounts = (stamp, charge(graph, self.store))
        return self._accounts[1]

    def graph_payload(self) -> GraphPayload:
        """The lineage for the panel, ``log --json`` and the REST graph route (no manifests)."""
        graph = self.graph
        return payloads.graph_payload(graph, self.accounts(), self._revision)

    def show(self, key: str) -> VersionDetail:
        """One version in full (manifest with per-tensor storage, metadata, metrics, tests)."""
        return payloads.version_detail(cast("Repository", self), key)

    def stats(self) -> StorageStats:
        """Stored vs raw bytes per version and in total (indexes only, nothing decoded)."""
        return payloads.storage_stats(cast("Repository", self))

    def stored_nbytes(self, key: str | None = None) -> tuple[int, int]:
        """(stored bytes charged to ``key``, or of the whole repository; raw bytes)."""
        acc = self.accounts()
        if key is None:
            return acc.stored_bytes, sum(v.raw_nbytes for v in self.versions())
        v = self.version(key)
        return acc.charged.get(v.id, 0), v.raw_nbytes


class Maintenance(_RepositoryAttributes):
    """Garbage collection and verification."""

    def live_objects(self) -> set[str]:
        return {t.oid for v in self.versions() for t in v.manifest.values()}

    def gc(self, progress: Progress | None = None) -> RepoGcReport:
        """Drop objects, sketches and manifest files no version references; repack the rest
        into one pack; recompute every version's stored figures."""
        with self.lock.hold():
            versions = self.versions()
            live = {v.id for v in versions}
            removed = 0
            for f in (self.mgit_dir / SKETCH_DIR).glob("*" + SKETCH_SUFFIX):
                if f.name[: -len(SKETCH_SUFFIX)] not in live:
                    f.unlink(missing_ok=True)
                    removed += 1
            report = collect_garbage(self.store, self.live_objects(), progress)
            acc = charge(self.graph, self.store)
            if any(
                (v.summary or {}).get("stored_bytes") != acc.charged[v.id]
                or (v.summary or {}).get("objects") != acc.counts[v.id]
                for v in self.versions()
            ):
                with self.transaction():  # the charging changed: write the figures again
                    self._recharge = True
            named = {v.manifest_file for v in self.versions() if v.manifest_file}
            for f in stale_manifests(self.mgit_dir, named):
                f.unlink(missing_ok=True)
                removed += 1
            return RepoGcReport(**asdict(report), sketches_removed=removed)

    def verify(self, progress: Progress | None = None, repair: bool = False) -> VerifyReport:
        """Re-hash every object and check every delta chain; name the versions affected."""
        repaired = repair_indexes(self.store) if repair else []
        report = verify_store(self.store, progress=progress)
        report.packs_repaired = repaired
        bad = {p.oid for p in report.problems if p.oid}
        if bad:
            # objects whose chain runs through a damaged object are damaged too
            for oid in self.store.object_ids():
                chain: list[str] = []
                cur: str | None = oid
                while cur and self.store.has(cur):
                    chain.append(cur)
                    cur = self.store.info(cur).base
                if cur:
                    chain.append(cur)
                if bad.intersection(chain):
                    bad.add(oid)
        damaged: set[str] = set()
        manifests: list[tuple[ModelVersion, dict[str, TensorRef]]] = []
        for v in self.versions():
            try:
                manifests.append((v, v.manifest))
            except MgitError as exc:
                report.problems.append(Problem("", f"version {v.name!r}: {exc.message}"))
                damaged.add(v.name)
        for _, manifest in manifests:
            for t in manifest.values():
                if not self.store.has(t.oid) and t.oid not in bad:
                    bad.add(t.oid)
                    report.problems.append(Problem(t.oid, "missing from every pack"))
        damaged.update(v.name for v, manifest in manifests if any(t.oid in bad for t in manifest.values()))
        report.damaged_versions = sorted(damaged)
        return report
