"""The repository kernel: open or create one, read its lineage graph and revision, write
through :meth:`Repository.transaction`, and store or read a version's arrays.

Every verb (add, rename, log, gc, checkout, merge, ...) is a function over this kernel in
its own module (:mod:`mgit_lab.core.verbs`, :mod:`~mgit_lab.core.merge`, ...);
:mod:`mgit_lab.api` gathers them as the methods of the ``Repository`` users know.

On disk (``<work dir>/.mgit/``)::

    config.json     format version and settings
    lineage.json    nodes (with summary figures, no manifests) and edges; replaced
                    atomically, the commit point
    manifests/      one immutable manifest file per version (see :mod:`.lineage.manifests`)
    lock            writer lock (flock)
    packs/          immutable HDF5 packs + their .idx.json
    sketches/       per-version weight samples for parent inference (an index)
    tmp/            packs being written

The write order of a commit (:meth:`Repository.transaction`): take the writer lock, re-read
the lineage, write objects (a new pack, durable first), then the files the transaction
queued (sketches, index files) and new versions' manifest files, then replace
``lineage.json``.  A crash before the last step leaves orphans that ``gc`` removes; readers
never see a version whose objects are not durable.

Reading the lineage needs only the standard library: the object store (numpy, h5py) and the
sketch index load on first use, so ``mgit log`` starts as fast as git's.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Conflict, Corrupt, InvalidInput, NotFound, UnsupportedFormat
from .io.state import ArrayState
from .lineage import LineageGraph, ModelVersion, Relation, TensorRef, check_label
from .lineage.accounting import Accounts, charge, settle_figures
from .lineage.checks import check_config, check_lineage
from .lineage.manifests import MANIFEST_DIR, manifest_file, read_manifest
from .progress import Progress
from .store.atomic import atomic_write_bytes, atomic_write_json, atomic_write_many, disk_full_as_error
from .store.index import PackIndex
from .store.lock import WriterLock
from .transaction import Transaction

if TYPE_CHECKING:
    from typing import Self  # 3.11+: only the type checker reads it

    import numpy as np

    from .inference.sketch import Layout
    from .inference.sketch_index import SketchIndex
    from .store import ObjectStore

MGIT_DIR = ".mgit"
FORMAT_VERSION = 1
SKETCH_DIR = "sketches"  # .inference.sketch.SKETCH_DIR (repeated: init needs no numpy)
LOSSY_DTYPES = ("float32", "float64", "float16", "bfloat16")
EFFORTS = ("fast", "small")  # .codecs.choose.EFFORTS (checked equal by a test)


def _now() -> str:
    from datetime import datetime, timezone  # writes only: `mgit log` never needs it

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def find_repository_root(start: str | Path = ".") -> Path:
    """The nearest folder at or above ``start`` that holds a ``.mgit`` repository."""
    here = Path(start).resolve()
    for folder in [here, *here.parents]:
        if (folder / MGIT_DIR / "config.json").is_file():
            return folder
    raise NotFound(f"{here} is not inside an mgit repository", hint="create one with `mgit init`")


class Repository:
    """A model repository kernel; open one with :meth:`open`, create one with :meth:`init`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.mgit_dir = self.root / MGIT_DIR
        config_path = self.mgit_dir / "config.json"
        try:
            self.config: dict[str, Any] = json.loads(config_path.read_text())
        except FileNotFoundError:
            raise NotFound(f"{self.root} is not an mgit repository", hint="create one with `mgit init`") from None
        except ValueError as exc:
            raise Corrupt(f"{config_path} is not valid JSON: {exc}", hint="restore it from a backup") from None
        if not isinstance(self.config, dict):
            check_config(self.config, config_path)  # raises: not an object
        version = self.config.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise UnsupportedFormat(
                f"this repository uses format version {version}, newer than this mgit-lab understands "
                f"(up to {FORMAT_VERSION})",
                hint="upgrade with `pip install -U mgit-lab`",
            )
        check_config(self.config, config_path)
        self.lock = WriterLock(self.mgit_dir / "lock")
        self._graph: LineageGraph | None = None
        self._graph_stamp: tuple[int, int, int] | None = None
        self._revision = 0
        self._read_lock = threading.RLock()
        self._txn: Transaction | None = None
        self._node_json: dict[str, str] = {}  # version id -> its JSON in lineage.json (unchanged ones)
        self._accounts: tuple[Any, Accounts] | None = None
        self._packs: PackIndex | None = None

    @cached_property
    def store(self) -> ObjectStore:
        """The object store (imports numpy and h5py: made on first use)."""
        from .remotes.ondemand import attach_on_demand
        from .store import ObjectStore

        store = ObjectStore(
            self.mgit_dir,
            max_depth=int(self.config.get("max_delta_depth", 8)),
            codec_effort=str(self.config.get("codec_effort", "fast")),
            threads=self.config.get("threads"),  # checked by check_config
        )
        attach_on_demand(store, self.mgit_dir, self.lock, self.config)  # a partial clone fetches on first use
        return store

    @property
    def pack_index(self) -> PackIndex:
        """Which pack holds each object, from the index files alone (no numpy, no HDF5)."""
        if self._packs is None:
            self._packs = PackIndex(self.mgit_dir / "packs")
        return self._packs

    @cached_property
    def sketch_index(self) -> SketchIndex:
        """Every version's sketch for parent inference (made on first use)."""
        from .inference.sketch_index import SketchIndex

        return SketchIndex(self.mgit_dir, self._rebuild_sketch)

    # ------------------------------------------------------------ open / init
    @classmethod
    def init(
        cls,
        path: str | Path = ".",
        *,
        max_delta_depth: int = 8,
        codec_effort: str = "fast",
        threads: int | None = None,
    ) -> Self:
        """Create an empty repository in ``path`` (made if missing).

        Raises
        ------
        Conflict
            If ``path`` already holds one.
        """
        if codec_effort not in EFFORTS:
            raise InvalidInput(f"unknown codec effort {codec_effort!r}", hint=f"use one of {', '.join(EFFORTS)}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise InvalidInput(f"threads must be a positive integer, got {threads!r}", hint="e.g. threads=2")
        root = Path(path).resolve()
        if root.exists() and not root.is_dir():
            raise InvalidInput(f"{root} is a file, not a folder", hint="choose a folder for the repository")
        mgit = root / MGIT_DIR
        if (mgit / "config.json").exists():
            raise Conflict(f"{root} already holds an mgit repository", hint="open it, or choose another folder")
        for sub in ("packs", "tmp", SKETCH_DIR, MANIFEST_DIR):
            (mgit / sub).mkdir(parents=True, exist_ok=True)
        atomic_write_json(mgit / "lineage.json", {"revision": 0, "nodes": [], "edges": []})
        atomic_write_json(
            mgit / "config.json",
            {
                "format_version": FORMAT_VERSION,
                "max_delta_depth": max_delta_depth,
                "codec_effort": codec_effort,
                **({"threads": threads} if threads is not None else {}),
            },
        )
        return cls(root)

    @classmethod
    def open(cls, path: str | Path = ".") -> Self:
        """Open the repository at or above ``path`` (like git)."""
        return cls(find_repository_root(path))

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    # ------------------------------------------------------------ lineage
    def _lineage_path(self) -> Path:
        return self.mgit_dir / "lineage.json"

    def _stamp(self) -> tuple[int, int, int]:
        st = self._lineage_path().stat()
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _load_graph(self) -> LineageGraph:
        path = self._lineage_path()
        with self._read_lock:
            stamp = self._stamp()
            if self._graph is None or stamp != self._graph_stamp:
                # tens of thousands of acyclic objects: pause the cycle collector while they are
                # made, so the burst does not set off full collections of the host's whole heap
                paused = gc.isenabled()
                gc.disable()
                try:
                    doc = json.loads(path.read_text())
                except (ValueError, RecursionError) as exc:
                    raise Corrupt(f"{path} is not valid JSON: {exc}", hint="restore it from a backup") from None
                try:
                    check_lineage(doc, path)
                    self._graph = LineageGraph.from_json(doc, partial(read_manifest, self.mgit_dir))
                except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a field check_lineage allows
                    raise Corrupt(
                        f"{path} is damaged: {type(exc).__name__}: {str(exc)[:200]}",
                        hint="restore .mgit/lineage.json from a backup",
                    ) from None
                finally:
                    if paused:
                        gc.enable()
                self._node_json = {}
                self._graph_stamp = stamp
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

    def version(self, key: str) -> ModelVersion:
        """The version named, tagged or with id ``key``."""
        return self.graph.get(key)

    def versions(self) -> list[ModelVersion]:
        """Every version, parents before children."""
        return self.graph.versions()

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

    # ------------------------------------------------------------ writes
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, yield a :class:`Transaction` on a private copy of the graph, then commit
        objects, queued files, manifests and the graph, in that order (see the module
        docstring).  An exception inside the block leaves the repository unchanged; a
        transaction opened inside another (same thread) joins it."""
        with self.lock.hold(), disk_full_as_error(self.mgit_dir):
            if self._txn is not None:
                yield self._txn
                return
            before = self._load_graph()
            graph = before.copy()
            revision = self._revision
            try:
                with self.store.writer() as writer:
                    txn = self._txn = Transaction(graph, writer)
                    yield txn
                    written = txn.written
                writes = list(txn.files)
                for vid in graph.ids():
                    if graph.g.nodes[vid]["version"].manifest_dirty:
                        v = graph.edit(vid)
                        path, raw = manifest_file(self.mgit_dir, v)
                        writes.append((path, raw))
                        v.manifest_file, v.manifest_dirty = path.name, False
                atomic_write_many(writes)  # all durable before the lineage names them
                settle_figures(before, graph, self.store, written, recharge=txn.recharge)
            finally:
                self._txn = None
            data, node_json = self._serialise(graph, revision + 1)
            atomic_write_bytes(self._lineage_path(), data)
            with self._read_lock:
                self._node_json = node_json
                graph._shared = set()
                self._graph, self._graph_stamp, self._revision = graph, self._stamp(), revision + 1

    def _serialise(self, graph: LineageGraph, revision: int) -> tuple[bytes, dict[str, str]]:
        """``lineage.json`` of ``graph`` and each node's JSON text (unchanged ones are reused)."""
        unchanged = graph.unchanged()
        cache: dict[str, str] = {}
        parts = []
        for v in graph.versions():
            text = self._node_json.get(v.id) if v.id in unchanged else None
            if text is None:
                text = json.dumps(v.to_json(), separators=(",", ":"))
            cache[v.id] = text
            parts.append(text)
        edges = json.dumps(graph.edges_json(), separators=(",", ":"))
        return f'{{"revision":{revision},"nodes":[{",".join(parts)}],"edges":{edges}}}'.encode(), cache

    # ------------------------------------------------------------ arrays
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
        metrics: dict[str, Any] | None = None,
        oids: dict[str, str] | None = None,
        sketch: np.ndarray | None = None,
        progress: Progress | None = None,
    ) -> ModelVersion:
        """Store a state of ``{name: (array, dtype)}`` as a new version.

        Tensors equal to stored ones cost nothing; changed ones are encoded against the
        first parent's tensor of the same name with the best codec.  ``oids`` (content
        hashes already computed) and ``sketch`` save recomputing them.
        """
        import getpass
        import uuid

        import numpy as np

        from .inference.sketch import layout_of, sketch_arrays, sketch_path

        check_label(name)
        if not state:
            raise InvalidInput(f"version {name!r} would hold no tensors", hint="pass a non-empty state")
        if lossy_bound is not None and not (lossy_bound > 0):
            raise InvalidInput(
                f"the lossy error bound must be positive, got {lossy_bound}", hint="e.g. --lossy 1e-4, or leave it out"
            )
        with self.transaction() as txn:
            graph = txn.graph
            if name in graph:
                raise Conflict(f"a version named {name!r} already exists", hint="choose another name")
            resolved = [(graph.resolve(p), Relation.parse(r)) for p, r in (parents or [])]
            base_manifest = graph.g.nodes[resolved[0][0]]["version"].manifest if resolved else {}
            manifest: dict[str, TensorRef] = {}
            for i, (key, (array, dtype)) in enumerate(state.items()):
                base = base_manifest.get(key)
                bound = lossy_bound if dtype in LOSSY_DTYPES else None
                oid = txn.put(
                    array,
                    dtype,
                    base=base.oid if base else None,
                    lossy_bound=bound,
                    oid=oids.get(key) if (oids and bound is None) else None,
                )
                manifest[key] = TensorRef(oid, dtype, list(array.shape))
                if progress:
                    progress(i + 1, len(state), "storing")
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
                metrics=dict(metrics or {}),
                recipe=recipe,
            )
            if lossy_bound is not None:
                version.metadata["lossy_bound"] = lossy_bound
                sketch = None  # the stored tensors are the decoded ones
            if sketch is None:
                sketch = sketch_arrays(self._decoded(state, manifest, lossy_bound), layout_of(manifest))
            txn.write_file(sketch_path(self.mgit_dir, version.id), np.asarray(sketch, dtype="<f4").tobytes())
            graph.add_version(version, resolved)
        self.sketch_index.remember(version.id, np.asarray(sketch, dtype=np.float32))
        return version

    def _decoded(self, state: ArrayState, manifest: dict[str, TensorRef], lossy: float | None) -> ArrayState:
        if lossy is None:
            return state
        return {
            k: (self.store.get(t.oid), t.dtype) if t.dtype in LOSSY_DTYPES else state[k] for k, t in manifest.items()
        }

    def _rebuild_sketch(self, version: ModelVersion, layout: Layout) -> np.ndarray:
        from .inference.sketch import sketch_arrays, sketch_path

        state = {k: (self.store.get(version.manifest[k].oid), version.manifest[k].dtype) for k in layout.names}
        vec = sketch_arrays(state, layout)
        try:
            atomic_write_bytes(sketch_path(self.mgit_dir, version.id), vec.astype("<f4").tobytes())
        except OSError:
            pass  # a read-only repository still answers; the sketch is rebuilt next time
        return vec

    def checkout_arrays(self, key: str, progress: Progress | None = None) -> ArrayState:
        """``{name: (array, dtype)}`` of a stored version, bit-exact."""
        from .integrity import decode_checked

        version = self.version(key)
        items = list(version.manifest.items())
        every = self.versions()
        done = [0]
        count = threading.Lock()

        def decode(i: int) -> np.ndarray:  # small tensors run on the codec threads at once
            k, t = items[i]
            arr = decode_checked(self.store, version, k, t, every)
            if progress:
                with count:
                    done[0] += 1
                    progress(done[0], len(items), "decoding")
            return arr

        # partial clones fetch the missing objects in one batch first
        arrays = self.store.map_objects([t.oid for _, t in items], decode)
        return {k: (a, t.dtype) for (k, t), a in zip(items, arrays, strict=True)}
