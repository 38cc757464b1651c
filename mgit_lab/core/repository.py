"""The repository: one facade over the lineage graph and the object store.

On disk (``<work dir>/.mgit/``)::

    config.json     format version and settings
    lineage.json    nodes (with summary figures, no manifests) and edges; replaced
                    atomically, the commit point
    manifests/      one immutable manifest file per version (see :mod:`.manifests`)
    lock            writer lock (flock)
    packs/          immutable HDF5 packs + their .idx.json
    sketches/       per-version weight samples for parent inference (an index)
    tmp/            packs being written

Every write runs in :meth:`Repository.transaction`: take the writer lock, re-read the
lineage, write objects (a new pack, durable first), then index files and new versions'
manifest files, then replace ``lineage.json``.  A crash before the last step leaves orphans that ``gc`` removes;
readers never see a version whose objects are not durable.
"""

from __future__ import annotations

import gc
import getpass
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .codecs.choose import EFFORTS
from .errors import Conflict, Corrupt, InvalidInput, NotFound, UnsupportedFormat
from .inference import DEFAULT_MAX_DISTANCE, SketchIndex
from .inference.sketch import SKETCH_DIR, Layout, layout_of, sketch_arrays, sketch_path
from .io.state import ArrayState
from .lineage import SUMMARY_KEYS, LineageGraph, ModelVersion, Relation, TensorRef, check_label, manifest_figures
from .lineage.accounting import Accounts, charge, charge_new
from .lineage.manifests import MANIFEST_DIR, read_manifest, write_manifest
from .progress import Progress
from .repository_parts import LineageEdits, LineageViews, Maintenance
from .schema import InferenceResult
from .store import (
    ObjectStore,
    WriterLock,
    atomic_write_bytes,
    atomic_write_json,
)

if TYPE_CHECKING:  # torch loads lazily: read-only verbs start without it
    import torch

    from .io.formats import Format

MGIT_DIR = ".mgit"
FORMAT_VERSION = 1
_LOSSY_DTYPES = ("float32", "float64", "float16", "bfloat16")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def find_repository_root(start: str | Path = ".") -> Path:
    """The nearest folder at or above ``start`` that holds a ``.mgit`` repository."""
    here = Path(start).resolve()
    for folder in [here, *here.parents]:
        if (folder / MGIT_DIR / "config.json").is_file():
            return folder
    raise NotFound(f"{here} is not inside an mgit repository", hint="create one with `mgit init`")


class Repository(LineageEdits, LineageViews, Maintenance):
    """A model repository; open one with :meth:`open`, create one with :meth:`init`.

    Editing and reading the lineage, and maintenance, live in :mod:`.repository_parts`."""

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
        self.sketch_index = SketchIndex(self.mgit_dir, self._rebuild_sketch)
        self._graph: LineageGraph | None = None
        self._graph_stamp: tuple[int, int, int] | None = None
        self._revision = 0
        self._read_lock = threading.RLock()
        self._writer: Any = None
        self._pending: list[tuple[Path, bytes]] = []
        self._txn: LineageGraph | None = None
        self._node_json: dict[str, str] = {}  # version id -> its JSON in lineage.json (unchanged ones)
        self._accounts: tuple[Any, Accounts] | None = None
        self._recharge = False  # set by gc: recompute every version's stored figures at commit

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
                    self._graph = LineageGraph.from_json(doc, partial(read_manifest, self.mgit_dir))
                except ValueError as exc:
                    raise Corrupt(f"{path} is not valid JSON: {exc}", hint="restore it from a backup") from None
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

    @contextmanager
    def transaction(self) -> Iterator[LineageGraph]:
        """Lock, yield a private copy of the graph, then commit objects and graph atomically.

        Objects go first (a durable pack), then files queued with :meth:`_queue_file`, then
        ``lineage.json``.  An exception inside the block leaves the repository unchanged.
        """
        with self.lock.hold():
            if self._txn is not None:  # nested in this thread: join the open transaction
                yield self._txn
                return
            before = self._load_graph()
            graph = before.copy()
            revision = self._revision
            self._txn, self._pending = graph, []
            try:
                with self.store.writer() as writer:
                    self._writer = writer
                    try:
                        yield graph
                        written = set(writer.pack.objects)
                    finally:
                        self._writer = None
                for path, data in self._pending:
                    atomic_write_bytes(path, data)
                self._commit_manifests(before, graph, written)
            finally:
                self._txn, self._pending = None, []
                self._recharge = False
            data, node_json = self._serialise(graph, revision + 1)
            atomic_write_bytes(self._lineage_path(), data)
            with self._read_lock:
                self._node_json = node_json
                graph._shared = set()
                self._graph, self._graph_stamp, self._revision = graph, self._stamp(), revision + 1

    def _commit_manifests(self, before: LineageGraph, graph: LineageGraph, written: set[str]) -> None:
        """Write new manifests to their files, then fill in the versions' summary figures.

        New versions are charged from their parents' manifests alone; every version is
        recharged when the charging changed (a version removed, an edge added between old
        versions, a manifest replaced, gc, or an older lineage without figures)."""
        old_ids = set(before.g.nodes)
        ids = graph.ids()
        new_ids = [vid for vid in ids if vid not in old_ids]
        for vid in ids:
            v = graph.g.nodes[vid]["version"]
            if v.manifest_dirty:
                v = graph.edit(vid)
                v.manifest_file = write_manifest(self.mgit_dir, v)
                v.manifest_dirty = False
        removed = len(old_ids) != len(ids) - len(new_ids)
        fresh = set(new_ids)
        old_edges = {(u, c) for u, c, _ in graph.edges() if c not in fresh}
        replaced = any(
            not set(SUMMARY_KEYS) <= (graph.g.nodes[vid]["version"].summary or {}).keys()
            for vid in ids
            if vid not in fresh
        )
        if not (removed or replaced or self._recharge or old_edges != {(u, c) for u, c, _ in before.edges()}):
            charged = charge_new(graph, self.store, new_ids, written) if new_ids else {}
            if charged is not None:
                for vid, (stored, objects) in charged.items():
                    v = graph.edit(vid)
                    v.summary = {**manifest_figures(v.manifest), "stored_bytes": stored, "objects": objects}
                return
        acc = charge(graph, self.store)
        for vid in ids:
            v = graph.g.nodes[vid]["version"]
            figures = {**manifest_figures(v.manifest), "stored_bytes": acc.charged[vid], "objects": acc.counts[vid]}
            if v.summary != figures:
                graph.edit(vid).summary = figures

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

    def _queue_file(self, path: Path, data: bytes) -> None:
        """Write ``path`` when the current transaction commits (after its objects)."""
        self._pending.append((path, data))

    def version(self, key: str) -> ModelVersion:
        """The version named, tagged or with id ``key``."""
        return self.graph.get(key)

    def versions(self) -> list[ModelVersion]:
        """Every version, parents before children."""
        return self.graph.versions()

    # ------------------------------------------------------------ add
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
        check_label(name)
        if not state:
            raise InvalidInput(f"version {name!r} would hold no tensors", hint="pass a non-empty state")
        if lossy_bound is not None and not (lossy_bound > 0):
            raise InvalidInput(
                f"the lossy error bound must be positive, got {lossy_bound}", hint="e.g. --lossy 1e-4, or leave it out"
            )
        with self.transaction() as graph:
            if name in graph:
                raise Conflict(f"a version named {name!r} already exists", hint="choose another name")
            resolved = [(graph.resolve(p), Relation.parse(r)) for p, r in (parents or [])]
            base_manifest = graph.g.nodes[resolved[0][0]]["version"].manifest if resolved else {}
            manifest: dict[str, TensorRef] = {}
            assert self._writer is not None
            for i, (key, (array, dtype)) in enumerate(state.items()):
                base = base_manifest.get(key)
                bound = lossy_bound if dtype in _LOSSY_DTYPES else None
                oid = self._writer.put(
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
            self._queue_file(sketch_path(self.mgit_dir, version.id), np.asarray(sketch, dtype="<f4").tobytes())
            graph.add_version(version, resolved)
        self.sketch_index.remember(version.id, np.asarray(sketch, dtype=np.float32))
        return version

    def _decoded(self, state: ArrayState, manifest: dict[str, TensorRef], lossy: float | None) -> ArrayState:
        if lossy is None:
            return state
        return {
            k: (self.store.get(t.oid), t.dtype) if t.dtype in _LOSSY_DTYPES else state[k] for k, t in manifest.items()
        }

    def _rebuild_sketch(self, version: ModelVersion, layout: Layout) -> np.ndarray:
        state = {k: (self.store.get(version.manifest[k].oid), version.manifest[k].dtype) for k in layout.names}
        vec = sketch_arrays(state, layout)
        try:
            atomic_write_bytes(sketch_path(self.mgit_dir, version.id), vec.astype("<f4").tobytes())
        except OSError:
            pass  # a read-only repository still answers; the sketch is rebuilt next time
        return vec

    def add(
        self,
        model: Any,
        name: str | None = None,
        parent: str | list[str] | None = None,
        relation: str | Relation | None = None,
        model_type: str | None = None,
        message: str | None = None,
        lossy: float | None = None,
        *,
        author: str | None = None,
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        recipe: dict[str, Any] | None = None,
        infer: bool = True,
        max_distance: float = DEFAULT_MAX_DISTANCE,
        progress: Progress | None = None,
    ) -> ModelVersion:
        """Add a model as a new version.

        Parameters
        ----------
        model
            An ``nn.Module``, a state dict, a ``.safetensors`` file, a ``.pt``/``.bin`` state
            dict (read with ``weights_only=True``) or a local Hugging Face model folder.
        name
            The version's name (default: the file or folder name).
        parent
            A version name, tag or id, or a list of them (a merge).  When None the parent is
            inferred (see :mod:`.inference`), unless ``infer`` is False; the decision is kept in
            ``metadata["inference"]``.
        relation
            ``finetune`` (default), ``version``, ``prune``, ``quantize``, ``distill``,
            ``adapter`` or ``merge`` (default with several parents).  With an inferred parent
            the evidence's suggestion is used when this is None.
        model_type
            The key tests are registered on; default: the first parent's.
        lossy
            An absolute error bound: float tensors may be stored lossy within it.
        recipe
            How the model was made from its parent (``{"kind": "function", "ref":
            "package.module:function", "kwargs": {...}, "parent": id}``), for cascades.

        Raises
        ------
        NotFound, InvalidInput, Conflict
            Missing file, unreadable or unsafe pickle, unknown or incompatible parent,
            duplicate name.  The repository is unchanged.
        """
        from .verbs.add import prepare_add, store_prepared

        prep = prepare_add(
            self,
            model,
            name=name,
            parent=parent,
            relation=relation,
            lossy=lossy,
            infer=infer,
            max_distance=max_distance,
            progress=progress,
        )
        return store_prepared(
            self,
            prep,
            model_type=model_type,
            message=message,
            lossy=lossy,
            author=author,
            metadata=metadata,
            metrics=metrics,
            recipe=recipe,
            progress=progress,
        )

    def infer_parent(self, model: Any, *, max_distance: float = DEFAULT_MAX_DISTANCE) -> InferenceResult:
        """The parent :meth:`add` would infer for ``model``, and why; writes nothing."""
        from .verbs.add import prepare_add

        prep = prepare_add(
            self, model, name="(dry run)", parent=None, relation=None, lossy=None, infer=True, max_distance=max_distance
        )
        if prep.inference is not None:
            return prep.inference
        return {
            "parent": None,
            "parent_id": None,
            "confidence": 1.0,
            "relation": None,
            "candidates": [],
            "reason": "the repository is empty",
            "compared": 0,
            "refined_tensors": 0,
            "elapsed_ms": 0.0,
        }

    # ------------------------------------------------------------ checkout / load / export
    def checkout_arrays(self, key: str, progress: Progress | None = None) -> ArrayState:
        """``{name: (array, dtype)}`` of a stored version, bit-exact."""
        version = self.version(key)
        out: ArrayState = {}
        for i, (k, t) in enumerate(version.manifest.items()):
            out[k] = (self.store.get(t.oid), t.dtype)
            if progress:
                progress(i + 1, len(version.manifest), "decoding")
        return out

    def checkout(self, key: str) -> dict[str, torch.Tensor]:
        """The state dict of a version: ``{name: tensor}``, bit-exact, in the stored dtypes."""
        from .io.modules import tensors_of

        return tensors_of(self.checkout_arrays(key))

    def load(self, key: str) -> torch.nn.Module:
        """Rebuild the ``nn.Module`` of a version (Hugging Face config or importable class).

        Raises
        ------
        InvalidInput
            When the version records no architecture or its tensors do not fit it.
        """
        from .io.modules import load_module

        version = self.version(key)
        return load_module(self.checkout_arrays(key), version.architecture, name=repr(version.name))

    def export(
        self,
        key: str,
        path: str | Path,
        format: Format | None = None,
        *,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Write a version to ``path``: ``safetensors`` / ``pt`` file or ``hf`` folder (guessed
        from the suffix when ``format`` is None).  Returns the path written."""
        from .io.export import guess_format, write_hf_folder, write_state

        version = self.version(key)
        fmt = format or guess_format(path)
        if fmt not in ("hf", "safetensors", "pt"):
            raise InvalidInput(f"unknown export format {fmt!r}", hint="use safetensors, pt or hf")
        state = self.checkout_arrays(key, progress)
        if fmt == "hf":
            write_hf_folder(state, version.architecture, path, name=repr(version.name), overwrite=overwrite)
        else:
            write_state(state, path, fmt, metadata={"mgit_version": version.name}, overwrite=overwrite)
        return Path(path)

    def close(self) -> None:
        self.store.close()
