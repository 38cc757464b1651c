"""The content-addressed object store.

Objects are tensors addressed by :func:`~.hashing.object_id`.  Each object is a list of
*chunks* (one for tensors up to ``chunk_elems`` elements, flat slices of that many
elements beyond), each encoded by a codec, possibly as a delta against the same chunk of a
*base object*.  Chunking by element count keeps a multi-GB tensor from ever being held
twice in memory and keeps chunk boundaries aligned across dtypes (a cast child's chunk *i*
lines up with its fp32 parent's chunk *i*).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..codecs import delta_chain, parallel
from ..codecs.abc import TensorSpec
from ..codecs.registry import get_codec
from ..errors import Corrupt, NotFound
from .chain_decode import delta_run
from .hashing import hash_threads, object_id
from .index_doc import load_index
from .object_info import ObjectInfo, object_info
from .pack import PACK_SUFFIX, PackReader, PackWriter
from .repack import repack_small_packs
from .writer import StoreWriter

DEFAULT_CHUNK_ELEMS = 1 << 24  # 64 MiB of float32
DEFAULT_MAX_DEPTH = 8
DEFAULT_CACHE_BYTES = 512 << 20
#: objects up to this many elements are one codec block (see ``ordered_delta.DEFAULT_BLOCK``):
#: :meth:`ObjectStore.get_many` decodes them concurrently rather than block by block
SMALL_OBJECT_ELEMS = 1 << 20
#: a delta chain longer than this is damage (the writer caps chains at max_delta_depth)
_MAX_CHAIN = 256


T = TypeVar("T")


def _chain_key(config: dict[str, Any]) -> int | None:
    return delta_chain.chain_block(get_codec(config))


class _PackGone(Exception):
    """A pack named by the (stale) index no longer exists."""


class ObjectStore:
    """Reads objects from the packs of one ``.mgit`` folder; writes through :meth:`writer`."""

    def __init__(
        self,
        root: Path,
        *,
        chunk_elems: int = DEFAULT_CHUNK_ELEMS,
        max_depth: int = DEFAULT_MAX_DEPTH,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        codec_effort: str = "fast",
        threads: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.packs_dir = self.root / "packs"
        self.tmp_dir = self.root / "tmp"
        self.chunk_elems = chunk_elems
        self.max_depth = max_depth
        self.cache_bytes = cache_bytes
        #: "fast" or "small": what the automatic codec choice optimises for
        self.codec_effort = codec_effort
        #: threads the codecs use for this store's reads and writes (None: the codecs'
        #: default, see :mod:`..codecs.parallel`); the bytes written do not depend on it
        self.threads = threads
        #: re-hash every object decoded by :meth:`get` (off only to measure what it costs)
        self.check_hashes = True
        self._lock = threading.RLock()
        self._index: dict[str, tuple[dict[str, Any], str]] = {}
        self._pack_docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._seen: frozenset[str] = frozenset()
        self._readers: dict[str, PackReader] = {}
        self._cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._cached = 0
        self._writer: StoreWriter | None = None
        #: pack name -> what is wrong with its ``.idx.json`` (its objects read via the pack's copy)
        self.index_problems: dict[str, str] = {}
        #: pack name -> why neither of its index copies can be read (its objects are missing)
        self.damaged_packs: dict[str, str] = {}
        #: set on a partial clone: ``fetch_missing(oids)`` brings objects from a remote
        #: into this store (see :mod:`mgit_lab.core.remotes.ondemand`); None elsewhere
        self.fetch_missing: Callable[[list[str]], None] | None = None

    # ----------------------------------------------------------------- index
    def refresh(self) -> None:
        """Pick up packs added or removed by any process (cheap when nothing changed).

        Only new packs' indexes are read; removed packs are dropped from memory.  A pack
        whose ``.idx.json`` is missing or unusable is read through the copy inside it
        (:attr:`index_problems`); one with neither copy readable is listed in
        :attr:`damaged_packs` and its objects are missing, the rest stay readable.
        """
        with self._lock:
            names = frozenset(p.name[: -len(PACK_SUFFIX)] for p in self.packs_dir.glob("*" + PACK_SUFFIX))
            if names == self._seen:
                return
            removed = self._seen - names
            for name in sorted(names - self._seen):
                objects, index_problem, pack_problem = load_index(self.packs_dir, name)
                if index_problem:
                    self.index_problems[name] = index_problem
                if objects is None:
                    if (self.packs_dir / (name + PACK_SUFFIX)).exists():  # else gc removed it meanwhile
                        self.damaged_packs[name] = pack_problem or "unreadable"
                    continue
                self._pack_docs[name] = objects
                if not removed:
                    for oid, entry in objects.items():
                        self._index.setdefault(oid, (entry, name))
            if removed:
                for gone in removed:
                    self._pack_docs.pop(gone, None)
                    self.index_problems.pop(gone, None)
                    self.damaged_packs.pop(gone, None)
                    reader = self._readers.pop(gone, None)
                    if reader is not None:
                        reader.close()
                index: dict[str, tuple[dict[str, Any], str]] = {}
                for name in sorted(self._pack_docs):
                    for oid, entry in self._pack_docs[name].items():
                        index.setdefault(oid, (entry, name))
                self._index = index
            self._seen = names

    def forget_indexes(self) -> None:
        """Drop every index read so far; the next :meth:`refresh` reads them all again."""
        with self._lock:
            self._index, self._pack_docs, self._seen = {}, {}, frozenset()
            self.index_problems, self.damaged_packs = {}, {}
            for r in self._readers.values():
                r.close()
            self._readers.clear()
            self.clear_cache()

    def pack_names(self) -> list[str]:
        self.refresh()
        return sorted(self._seen)

    def _lookup(self, oid: str) -> tuple[dict[str, Any], str] | None:
        w = self._writer
        if w is not None and oid in w.pack.objects:
            return w.pack.objects[oid], ""
        hit = self._index.get(oid)
        if hit is None:
            self.refresh()
            hit = self._index.get(oid)
        return hit

    def _entry(self, oid: str) -> tuple[dict[str, Any], str]:
        hit = self._lookup(oid)
        if hit is None:
            if self.damaged_packs:  # NotFound still: callers treat a missing object alike
                raise NotFound(
                    f"object {oid[:12]} is not in any readable pack; damaged: "
                    + "; ".join(f"pack {n}: {why}" for n, why in sorted(self.damaged_packs.items())),
                    hint="run `mgit verify`; restore the damaged pack from a backup",
                )
            raise NotFound(f"object {oid[:12]} is not in the store", hint="run `mgit verify` to check the repository")
        return hit

    def has(self, oid: str) -> bool:
        return self._lookup(oid) is not None

    def info(self, oid: str) -> ObjectInfo:
        self.prefetch([oid])
        entry, pack = self._entry(oid)
        return object_info(oid, entry, pack)

    def prefetch(self, oids: list[str]) -> None:
        """On a partial clone, fetch those of ``oids`` that are not here (a no-op elsewhere)."""
        if self.fetch_missing is not None:
            missing = [oid for oid in oids if not self.has(oid)]
            if missing:
                self.fetch_missing(missing)

    def read_encoded(self, oid: str) -> tuple[dict[str, Any], list[bytes | memoryview]]:
        """Object ``oid`` as stored: its index entry and the bytes of each chunk (not decoded)."""
        entry, pack = self._entry(oid)
        return entry, [self._read(pack, c[0], c[1]) for c in entry["chunks"]]

    def object_ids(self) -> list[str]:
        self.refresh()
        return list(self._index)

    # ----------------------------------------------------------------- reads
    def _read(self, pack: str, offset: int, length: int) -> bytes | memoryview:
        """Bytes of a pack.  The lock covers the pack being written and the readers' table,
        not a committed pack's read: threads read those at once (see :class:`PackReader`)."""
        with self._lock:
            if pack == "":
                assert self._writer is not None
                return self._writer.pack.read(offset, length)
            reader = self._readers.get(pack)
            if reader is None:
                path = self.packs_dir / (pack + PACK_SUFFIX)
                if not path.exists():
                    raise _PackGone(pack)
                reader = self._readers[pack] = PackReader(path)
        try:
            return reader.read(offset, length)
        except Exception as exc:  # noqa: BLE001 - h5py raises many kinds on a damaged file
            if not (self.packs_dir / (pack + PACK_SUFFIX)).exists():
                raise _PackGone(pack) from None
            raise Corrupt(
                f"pack {pack} cannot be read at bytes {offset}..{offset + length}: {exc}",
                hint="run `mgit verify`; restore the pack from a backup",
            ) from None

    def _chunk(self, oid: str, i: int, *, keep: bool, hops: int = 0) -> np.ndarray:
        """Chunk ``i`` of object ``oid``, decoded.  The lock covers the cache and the index,
        never a read of a committed pack nor a decode: several threads read and decode
        different objects at once (see :meth:`get_many`)."""
        key = (oid, i)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            entry, pack = self._entry(oid)
        spec = TensorSpec(entry["dtype"], tuple(entry["shape"]))
        chunks = entry["chunks"]
        offset, length, n, config = chunks[i]
        chunk_spec = spec if len(chunks) == 1 else TensorSpec(spec.dtype, (n,))
        codec = get_codec(config)
        base = None
        run = [(oid, entry, pack)]
        if codec.needs_base:
            if not entry.get("base"):
                raise Corrupt(f"object {oid[:12]} needs a delta base but records none")
            if hops > _MAX_CHAIN:
                raise Corrupt(f"object {oid[:12]}: its delta chain is longer than {_MAX_CHAIN} (a loop?)")
            if delta_chain.chain_block(codec) is not None:  # consecutive hops that chain: one pass
                with self._lock:
                    cached = self._cache.__contains__
                    run = delta_run(oid, i, entry, pack, self._entry, lambda b: cached((b, i)), _chain_key, _MAX_CHAIN)
            # a chunked tensor uses each base chunk once per decode: caching them all
            # would hold a second full copy; small tensors' bases are worth keeping
            base = self._chunk(run[-1][1]["base"], i, keep=len(chunks) == 1, hops=hops + len(run))
        try:
            if len(run) > 1 and base is not None:
                steps = [(get_codec(e["chunks"][i][3]), self._read(p, *e["chunks"][i][:2])) for _, e, p in run[::-1]]
                arr = delta_chain.decode_chain(steps, base, chunk_spec)
            else:
                arr = codec.decode(self._read(pack, offset, length), base, chunk_spec)
        except (NotFound, Corrupt, _PackGone):
            raise
        except Exception as exc:
            via = f" (with the deltas {', '.join(o[:12] for o, _, _ in run[1:])} below it)" if len(run) > 1 else ""
            where = pack or "the pack being written"
            raise Corrupt(f"object {oid[:12]} in {where}{via} cannot be decoded: {exc}") from exc
        if keep:
            arr.flags.writeable = False
            with self._lock:
                if key in self._cache:  # another thread decoded it meanwhile
                    return self._cache[key]
                self._cache[key] = arr
                self._cached += arr.nbytes
                while self._cached > self.cache_bytes and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._cached -= old.nbytes
        return arr

    def keep_decoded(self, oid: str, arr: np.ndarray) -> None:
        """Cache ``arr`` (as :meth:`get` returned it; the cache takes it over, read-only), the
        checked content of single-chunk object ``oid``, as a delta base: objects received
        together decode their dependants from it instead of decoding it again."""
        with self._lock:
            key = (oid, 0)
            if key in self._cache or arr.nbytes > self.cache_bytes:
                return
            kept = arr
            kept.flags.writeable = False
            self._cache[key] = kept
            self._cached += kept.nbytes
            while self._cached > self.cache_bytes and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached -= old.nbytes

    def get(self, oid: str) -> np.ndarray:
        """Decode object ``oid``: a new, writable array of its storage dtype and shape."""
        self.prefetch([oid])
        with parallel.using(self.threads):
            return self._get_retrying(oid)

    def get_many(self, oids: list[str]) -> list[np.ndarray]:
        """``[self.get(oid) for oid in oids]`` on all threads (see :meth:`map_objects`)."""
        return self.map_objects(oids, lambda i: self.get(oids[i]))

    def map_objects(self, oids: list[str], fn: Callable[[int], T]) -> list[T]:
        """``[fn(i) for i in range(len(oids))]`` where ``fn(i)`` decodes object ``oids[i]``, on
        all threads: objects small enough to be one codec block each are decoded concurrently,
        one per thread; larger ones one after the other, each cut into blocks over the threads
        (the codecs' own parallelism, which a task on the pool would not use)."""
        self.prefetch(oids)
        small = [i for i, oid in enumerate(oids) if self._elements(oid) <= SMALL_OBJECT_ELEMS]
        with parallel.using(self.threads):
            got = dict(zip(small, parallel.pmap(fn, small), strict=True))
        for i in range(len(oids)):
            if i not in got:
                got[i] = fn(i)
        return [got[i] for i in range(len(oids))]

    def _elements(self, oid: str) -> int:
        hit = self._lookup(oid)
        return 0 if hit is None else int(np.prod(hit[0]["shape"], dtype=np.int64))

    def _get_retrying(self, oid: str) -> np.ndarray:
        try:
            return self._get(oid)
        except _PackGone:
            # another process's gc repacked it: re-read the indexes once and retry
            with self._lock:
                self.forget_indexes()
                self.refresh()
            try:
                return self._get(oid)
            except _PackGone as gone:
                raise Corrupt(f"object {oid[:12]} is listed in pack {gone} which is missing") from None

    def _get(self, oid: str) -> np.ndarray:
        entry, pack = self._entry(oid)
        spec = TensorSpec(entry["dtype"], tuple(entry["shape"]))
        chunks = entry["chunks"]
        if sum(c[2] for c in chunks) != spec.size:
            raise Corrupt(f"object {oid[:12]} in pack {pack}: its chunks do not add up to its shape {spec.shape}")
        if len(chunks) == 1:
            arr = self._chunk(oid, 0, keep=False)
            out = (arr if arr.flags.writeable else arr.copy()).reshape(spec.shape)
        else:
            out = np.empty(spec.size, dtype=spec.storage_dtype)
            pos = 0
            for i, c in enumerate(chunks):
                out[pos : pos + c[2]] = self._chunk(oid, i, keep=False).reshape(-1)
                pos += c[2]
            out = out.reshape(spec.shape)
        if self.check_hashes:
            self._check_hash(oid, out, entry, pack)
        return out

    def _check_hash(self, oid: str, arr: np.ndarray, entry: dict[str, Any], pack: str) -> None:
        """Raise :class:`Corrupt` unless ``arr`` is exactly what ``oid`` names."""
        if object_id(arr, entry["dtype"], threads=hash_threads(arr.nbytes)) == oid:
            return
        # a damaged cached chunk must not poison later reads
        with self._lock:
            for key in [k for k in self._cache if k[0] == oid]:
                self._cached -= self._cache.pop(key).nbytes
        where = pack or "the pack being written"
        via = f" (a delta on object {entry['base'][:12]}: either may be damaged)" if entry.get("base") else ""
        raise Corrupt(
            f"object {oid[:12]} in {where} is damaged: its content does not match its hash{via}",
            hint="run `mgit verify`; restore the pack from a backup",
        )

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached = 0

    # ----------------------------------------------------------------- writes
    @contextmanager
    def writer(self, *, repack: bool = True) -> Iterator[StoreWriter]:
        """A write transaction: objects put inside become visible together on success.

        The caller must hold the repository's writer lock.  After a commit, many small
        packs are merged into one (``repack=False`` skips that: gc and repack use it).
        """
        with self._lock:
            if self._writer is not None:
                yield self._writer  # nested: join the open transaction
                return
            self.tmp_dir.mkdir(exist_ok=True)
            w = StoreWriter(self, PackWriter(self.packs_dir, self.tmp_dir))
            self._writer = w
            try:
                yield w
                name = w.pack.commit()
            except BaseException:
                w.pack.abort()
                raise
            finally:
                self._writer = None
            if name is not None:
                self.refresh()
                if repack:
                    repack_small_packs(self)

    def close(self) -> None:
        with self._lock:
            for r in self._readers.values():
                r.close()
            self._readers.clear()
            self.clear_cache()
