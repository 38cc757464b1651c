"""The repository: one facade over the lineage graph and the object store.

On disk (``<work dir>/.mgit/``)::

    config.json     format version and settings
    lineage.json    nodes and edges; replaced atomically, the commit point
    lock            writer lock (flock)
    packs/          immutable HDF5 packs + their .idx.json
    tmp/            packs being written

Every write runs in :meth:`Repository.transaction`: take the writer lock, re-read the
lineage, write objects (a new pack, durable first), then replace ``lineage.json``.  A crash
before the last step leaves an orphan pack that ``gc`` removes; readers never see a
version whose objects are not durable.
"""

from __future__ import annotations

import getpass
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .codecs.choose import EFFORTS
from .errors import Conflict, Corrupt, InvalidInput, NotFound, UnsupportedFormat
from .lineage import LineageGraph, ModelVersion, Relation, TensorRef
from .store import (
    GcReport,
    ObjectStore,
    Problem,
    VerifyReport,
    WriterLock,
    atomic_write_json,
    collect_garbage,
    repair_indexes,
    verify_store,
)

MGIT_DIR = ".mgit"
FORMAT_VERSION = 1
ArrayState = dict[str, tuple[np.ndarray, str]]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def find_repository_root(start: str | Path = ".") -> Path:
    """The nearest folder at or above ``start`` that holds a ``.mgit`` repository."""
    here = Path(start).resolve()
    for folder in [here, *here.parents]:
        if (folder / MGIT_DIR / "config.json").is_file():
            return folder
    raise NotFound(f"{here} is not inside an mgit repository", hint="create one with `mgit init`")


class Repository:
    """A model repository; open one with :meth:`open`, create one with :meth:`init`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.mgit_dir = self.root / MGIT_DIR
        config_path = self.mgit_dir / "config.json"
        try:
            self.config: dict[str, Any] = json.loads(config_path.read_text())
        except FileNotFoundError:
            raise NotFound(f"{self.root} is not an mgit repository", hint="create one with `mgit init`") from None
        except ValueError as exc:
            raise Corrupt(f"{config_path} is not valid JSON: {exc}") from None
        version = self.config.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise UnsupportedFormat(
                f"this repository uses format version {version}, newer than this mgit-lab understands "
                f"(up to {FORMAT_VERSION})",
                hint="upgrade with `pip install -U mgit-lab`",
            )
        self.store = ObjectStore(
            self.mgit_dir,
            max_depth=int(self.config.get("max_delta_depth", 8)),
            codec_effort=str(self.config.get("codec_effort", "fast")),
        )
        self.lock = WriterLock(self.mgit_dir / "lock")
        self._graph: LineageGraph | None = None
        self._graph_stamp: tuple[int, int] | None = None
        self._revision = 0
        self._read_lock = threading.RLock()

    # ------------------------------------------------------------ open / init
    @classmethod
    def init(cls, path: str | Path = ".", *, max_delta_depth: int = 8, codec_effort: str = "fast") -> Repository:
        """Create an empty repository in ``path`` (made if missing).

        Raises
        ------
        Conflict
            If ``path`` already holds one.
        """
        if codec_effort not in EFFORTS:
            raise InvalidInput(f"unknown codec effort {codec_effort!r}", hint=f"use one of {', '.join(EFFORTS)}")
        root = Path(path).resolve()
        mgit = root / MGIT_DIR
        if (mgit / "config.json").exists():
            raise Conflict(f"{root} already holds an mgit repository")
        for sub in ("packs", "tmp"):
            (mgit / sub).mkdir(parents=True, exist_ok=True)
        atomic_write_json(mgit / "lineage.json", {"revision": 0, "nodes": [], "edges": []})
        atomic_write_json(
            mgit / "config.json",
            {"format_version": FORMAT_VERSION, "max_delta_depth": max_delta_depth, "codec_effort": codec_effort},
        )
        return cls(root)

    @classmethod
    def open(cls, path: str | Path = ".") -> Repository:
        """Open the repository at or above ``path`` (like git)."""
        return cls(find_repository_root(path))

    # ------------------------------------------------------------ lineage
    def _lineage_path(self) -> Path:
        return self.mgit_dir / "lineage.json"

    def _load_graph(self) -> LineageGraph:
        path = self._lineage_path()
        with self._read_lock:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if self._graph is None or stamp != self._graph_stamp:
                try:
                    doc = json.loads(path.read_text())
                except ValueError as exc:
                    raise Corrupt(f"{path} is not valid JSON: {exc}") from None
                self._graph = LineageGraph.from_json(doc)
                self._graph_stamp = stamp  # type: ignore[assignment]
                self._revision = int(doc.get("revision", 0))
            return self._graph

    @property
    def graph(self) -> LineageGraph:
        """The current lineage graph (re-read when another process changed it)."""
        return self._load_graph()

    @property
    def revision(self) -> int:
        """A counter bumped by every committed change (clients poll it to refresh)."""
        self._load_graph()
        return self._revision

    @contextmanager
    def transaction(self) -> Iterator[LineageGraph]:
        """Lock, yield a private copy of the graph, then commit objects and graph atomically."""
        with self.lock.hold():
            graph = self._load_graph().copy()
            with self.store.writer() as writer:
                self._writer = writer
                try:
                    yield graph
                finally:
                    self._writer = None
            doc = graph.to_json()
            doc["revision"] = self._revision + 1
            atomic_write_json(self._lineage_path(), doc)
            self._graph = None

    def version(self, key: str) -> ModelVersion:
        """The version named, tagged or with id ``key``."""
        return self.graph.get(key)

    def versions(self) -> list[ModelVersion]:
        return self.graph.versions()

    # ------------------------------------------------------------ add / checkout
    def add_arrays(
        self,
        state: ArrayState,
        name: str,
        *,
        parents: list[tuple[str, Relation | str]] | None = None,
        model_type: str | None = None,
        architecture: dict[str, Any] | None = None,
        message: str = "",
        author: str | None = None,
        metadata: dict[str, Any] | None = None,
        lossy_bound: float | None = None,
        recipe: dict[str, Any] | None = None,
    ) -> ModelVersion:
        """Store a state of ``{name: (array, dtype)}`` as a new version.

        Tensors equal to stored ones cost nothing; changed ones are encoded against the
        first parent's tensor of the same name with the best codec.
        """
        if not name or not isinstance(name, str) or "/" in name or name.strip() != name:
            raise InvalidInput(f"invalid version name {name!r}", hint="use a non-empty name without '/' or surrounding spaces")
        if lossy_bound is not None and not (lossy_bound > 0):
            raise InvalidInput(f"the lossy error bound must be positive, got {lossy_bound}")
        with self.transaction() as graph:
            if name in graph:
                raise Conflict(f"a version named {name!r} already exists", hint="choose another name")
            resolved = [(graph.resolve(p), Relation.parse(r)) for p, r in (parents or [])]
            base_manifest = graph.g.nodes[resolved[0][0]]["version"].manifest if resolved else {}
            manifest: dict[str, TensorRef] = {}
            assert self._writer is not None
            for key, (array, dtype) in state.items():
                base = base_manifest.get(key)
                oid = self._writer.put(
                    array, dtype, base=base.oid if base else None, lossy_bound=lossy_bound if dtype in (
                        "float32", "float64", "float16", "bfloat16") else None,
                )
                manifest[key] = TensorRef(oid, dtype, list(array.shape))
            version = ModelVersion(
                id=uuid.uuid4().hex[:16],
                name=name,
                model_type=model_type,
                architecture=architecture,
                manifest=manifest,
                message=message,
                author=author if author is not None else getpass.getuser(),
                created=_now(),
                metadata=dict(metadata or {}),
                recipe=recipe,
            )
            if lossy_bound is not None:
                version.metadata["lossy_bound"] = lossy_bound
            graph.add_version(version, resolved)
        return version

    def checkout_arrays(self, key: str) -> ArrayState:
        """``{name: (array, dtype)}`` of a stored version, bit-exact."""
        version = self.version(key)
        return {k: (self.store.get(t.oid), t.dtype) for k, t in version.manifest.items()}

    # ------------------------------------------------------------ maintenance
    def live_objects(self) -> set[str]:
        return {t.oid for v in self.versions() for t in v.manifest.values()}

    def gc(self, progress: Any = None) -> GcReport:
        """Drop objects no version references and repack the rest into one pack."""
        with self.lock.hold():
            return collect_garbage(self.store, self.live_objects(), progress)

    def verify(self, progress: Any = None, repair: bool = False) -> VerifyReport:
        """Re-hash every object and check every delta chain; name the versions affected."""
        repaired = repair_indexes(self.store) if repair else []
        report = verify_store(self.store, progress=progress)
        report.packs_repaired = repaired
        bad = {p.oid for p in report.problems if p.oid}
        if bad:
            # objects whose chain runs through a damaged object are damaged too
            for oid in self.store.object_ids():
                chain, cur = [], oid
                while cur and self.store.has(cur):
                    chain.append(cur)
                    cur = self.store.info(cur).base
                if cur:
                    chain.append(cur)
                if bad.intersection(chain):
                    bad.add(oid)
        for v in self.versions():
            for t in v.manifest.values():
                if not self.store.has(t.oid) and t.oid not in bad:
                    bad.add(t.oid)
                    report.problems.append(Problem(t.oid, "missing from every pack"))
        report.damaged_versions = sorted(
            v.name for v in self.versions() if any(t.oid in bad for t in v.manifest.values())
        )
        return report

    def stored_nbytes(self, key: str | None = None) -> tuple[int, int]:
        """(stored bytes new to ``key`` or in the whole repository, raw bytes)."""
        if key is None:
            oids = self.live_objects()
            raw = sum(v.raw_nbytes for v in self.versions())
        else:
            v = self.version(key)
            parents = self.graph.parents(key)
            seen = {t.oid for p, _ in parents for t in p.manifest.values()}
            oids = {t.oid for t in v.manifest.values()} - seen
            raw = v.raw_nbytes
        return sum(self.store.info(o).stored_nbytes for o in oids), raw

    def close(self) -> None:
        self.store.close()
