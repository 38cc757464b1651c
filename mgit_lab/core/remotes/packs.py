"""Remote packs: many objects per file, so a model's hundreds of small tensors travel in a
few requests.

On the remote::

    packs/<name>.pack       the objects' encoded chunks, back to back (as stored locally:
                            same codecs, same delta bases; nothing is re-encoded)
    packs/<name>.idx.json   {"format": 1, "pack": name, "size": bytes,
                             "objects": {oid: {dtype, shape, base, depth, gen,
                                               chunks: [[offset, length, elems, codec]]}}}

The index is written after its pack, so an object is visible exactly when every byte of
it is there; an interrupted push leaves at worst a pack without an index, which the next
push simply does not count (and sends again).  The remote's object set is the union of
its indexes; :class:`Catalogue` keeps the indexes it has read in
``.mgit/remotes/<remote>/catalogue.json``, so a push or fetch lists ``packs/`` once and
reads only indexes it has not seen.  Indexes are data from elsewhere: each entry is
checked before use, and every object's content hash is checked when it is received.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..codecs.abc import STORAGE_DTYPES
from ..errors import Corrupt
from ..store import ObjectStore, atomic_write_json
from .transport import RemoteFS, new_name

PACKS = "packs"
PACK_SUFFIX = ".pack"
INDEX_SUFFIX = ".idx.json"
#: objects are grouped into packs of about this many stored bytes (a larger object: alone)
PACK_TARGET = 16 << 20
#: parallel requests per transfer
PARALLEL = 4
_OID = re.compile(r"^[0-9a-f]{64}$")
_PACK = re.compile(r"^pack-[0-9a-f]{16}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class RemoteObject:
    """Where one object lives on the remote."""

    oid: str
    pack: str
    entry: dict[str, Any]

    @property
    def base(self) -> str | None:
        return self.entry.get("base")

    @property
    def span(self) -> tuple[int, int]:
        """``[start, end)`` of the object's bytes in its pack (its chunks are contiguous)."""
        chunks = self.entry["chunks"]
        return chunks[0][0], chunks[-1][0] + chunks[-1][1]

    @property
    def nbytes(self) -> int:
        return sum(c[1] for c in self.entry["chunks"])


def check_entry(oid: str, entry: Any, size: int) -> dict[str, Any]:
    """An index entry from the remote, checked field by field (raises ValueError)."""
    if not _OID.match(oid) or not isinstance(entry, dict):
        raise ValueError(f"bad object id {oid[:70]!r}")
    dtype, shape, base = entry.get("dtype"), entry.get("shape"), entry.get("base")
    if (
        dtype not in STORAGE_DTYPES
        or not isinstance(shape, list)
        or not all(isinstance(d, int) and d >= 0 for d in shape)
    ):
        raise ValueError(f"object {oid[:12]}: bad dtype or shape")
    if base is not None and (not isinstance(base, str) or not _OID.match(base)):
        raise ValueError(f"object {oid[:12]}: bad delta base")
    chunks, pos, elems = entry.get("chunks"), None, 0
    if not isinstance(chunks, list) or not chunks:
        raise ValueError(f"object {oid[:12]}: no chunks")
    for c in chunks:
        if not (isinstance(c, list) and len(c) == 4 and all(isinstance(x, int) and x >= 0 for x in c[:3])):
            raise ValueError(f"object {oid[:12]}: bad chunk")
        if not isinstance(c[3], dict) or not isinstance(c[3].get("id"), str):
            raise ValueError(f"object {oid[:12]}: bad codec")
        if (pos is not None and c[0] != pos) or c[0] + c[1] > size:
            raise ValueError(f"object {oid[:12]}: chunk outside its pack")
        pos = c[0] + c[1]
        elems += c[2]
    n = 1
    for d in shape:
        n *= d
    if elems != n:
        raise ValueError(f"object {oid[:12]}: chunks hold {elems} elements, its shape {n}")
    gen = entry.get("gen")  # skip-delta generation (absent in packs of older versions)
    if gen is not None and (isinstance(gen, bool) or not isinstance(gen, int) or gen < 0):
        raise ValueError(f"object {oid[:12]}: bad generation")
    out = {"dtype": dtype, "shape": shape, "base": base, "depth": int(entry.get("depth", 0)), "chunks": chunks}
    return out if gen is None else {**out, "gen": gen}


def parse_index(data: bytes, name: str, where: str) -> dict[str, RemoteObject]:
    try:
        doc = json.loads(data)
        size = int(doc["size"])
        return {oid: RemoteObject(oid, name, check_entry(oid, e, size)) for oid, e in doc["objects"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Corrupt(
            f"the index of pack {name} at {where} is damaged: {exc}",
            hint="delete that pack's .idx.json on the remote; the next push sends its objects again",
        ) from None


class Catalogue:
    """The objects a remote holds (from its pack indexes; cached locally)."""

    def __init__(self, rfs: RemoteFS, cache_dir: Path | None) -> None:
        self.rfs = rfs
        self.cache = cache_dir / "catalogue.json" if cache_dir is not None else None
        self.objects: dict[str, RemoteObject] = {}
        self.packs: dict[str, int] = {}  # pack -> size in bytes
        self.damaged: list[str] = []  # messages about unreadable indexes

    def load(self) -> Catalogue:
        """List ``packs/`` once; read the indexes not in the cache (in parallel)."""
        names = self.rfs.listdir(PACKS)
        listed = {
            n[: -len(INDEX_SUFFIX)] for n in names if n.endswith(INDEX_SUFFIX) and _PACK.match(n[: -len(INDEX_SUFFIX)])
        }
        cached = self._read_cache()
        docs: dict[str, dict[str, Any]] = {name: cached[name] for name in listed & cached.keys()}
        todo = sorted(listed - docs.keys())

        def read(name: str) -> tuple[str, bytes | None]:
            return name, self.rfs.cat(f"{PACKS}/{name}{INDEX_SUFFIX}")

        with ThreadPoolExecutor(PARALLEL) as pool:
            for name, data in pool.map(read, todo):
                if data is None:
                    continue
                try:
                    objs = parse_index(data, name, self.rfs.url)
                except Corrupt as exc:
                    self.damaged.append(str(exc))
                    continue
                size = json.loads(data)["size"]
                docs[name] = {"size": size, "objects": {o.oid: o.entry for o in objs.values()}}
        for name in sorted(docs):
            self.packs[name] = int(docs[name]["size"])
            for oid, entry in docs[name]["objects"].items():
                self.objects.setdefault(oid, RemoteObject(oid, name, entry))
        if todo or set(cached) != set(docs):
            self._write_cache(docs)
        return self

    def remember(self, indexes: dict[str, bytes]) -> None:
        """Add packs this process just sent (their index bytes) to the cache."""
        if not indexes:
            return
        docs = self._read_cache()
        for name, data in indexes.items():
            doc = json.loads(data)
            docs[name] = {"size": doc["size"], "objects": doc["objects"]}
        self._write_cache(docs)

    def _read_cache(self) -> dict[str, dict[str, Any]]:
        if self.cache is None:
            return {}
        try:
            doc = json.loads(self.cache.read_text())
            return doc["packs"] if doc.get("url") == self.rfs.url else {}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def _write_cache(self, docs: dict[str, dict[str, Any]]) -> None:
        if self.cache is None:
            return
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_json(self.cache, {"url": self.rfs.url, "packs": docs})
        except OSError:
            pass  # a cache: the next transfer reads the indexes again

    def closure(self, oids: set[str], local: ObjectStore) -> tuple[set[str], set[str]]:
        """(objects to fetch: ``oids`` and their delta bases not stored locally, ids absent from the remote)."""
        want: set[str] = set()
        absent: set[str] = set()
        stack = list(oids)
        while stack:
            oid = stack.pop()
            if oid in want or oid in absent or local.has(oid):
                continue
            obj = self.objects.get(oid)
            if obj is None:
                absent.add(oid)
                continue
            want.add(oid)
            if obj.base:
                stack.append(obj.base)
        return want, absent


def plan_packs(store: ObjectStore, oids: set[str]) -> list[list[str]]:
    """Group ``oids`` into packs of about :data:`PACK_TARGET` stored bytes, bases first."""
    infos = sorted((store.info(o) for o in oids), key=lambda i: (i.depth, i.oid))
    groups: list[list[str]] = []
    size = PACK_TARGET
    for info in infos:
        if size + info.stored_nbytes > PACK_TARGET and size > 0:
            groups.append([])
            size = 0
        groups[-1].append(info.oid)
        size += info.stored_nbytes
    return groups


def build_pack(store: ObjectStore, oids: list[str]) -> tuple[str, bytes, bytes]:
    """(name, pack bytes, index bytes) of a new remote pack holding ``oids`` as stored."""
    blob = bytearray()
    objects: dict[str, Any] = {}
    for oid in oids:
        entry, chunks = store.read_encoded(oid)
        layout = []
        for (_, length, n, config), data in zip(entry["chunks"], chunks, strict=True):
            layout.append([len(blob), length, n, config])
            blob += data
        objects[oid] = {
            "dtype": entry["dtype"],
            "shape": entry["shape"],
            "base": entry.get("base"),
            "depth": entry.get("depth", 0),
            **({"gen": entry["gen"]} if "gen" in entry else {}),
            "chunks": layout,
        }
    name = new_name("pack")
    index = json.dumps({"format": 1, "pack": name, "size": len(blob), "objects": objects}, separators=(",", ":"))
    return name, bytes(blob), index.encode()


def read_objects(rfs: RemoteFS, pack: str, objs: list[RemoteObject], pack_size: int) -> dict[str, list[bytes]]:
    """The chunks of ``objs`` (all in ``pack``): the whole pack in one read when most of it is
    wanted, else one ranged read per object.  A truncated pack gives short chunks."""
    path = f"{PACKS}/{pack}{PACK_SUFFIX}"
    wanted = sum(o.nbytes for o in objs)
    out: dict[str, list[bytes]] = {}
    if wanted * 2 >= pack_size:
        blob = rfs.cat(path) or b""
        for o in objs:
            out[o.oid] = [blob[c[0] : c[0] + c[1]] for c in o.entry["chunks"]]
        return out
    for o in objs:
        start, end = o.span
        data = rfs.cat_range(path, start, end)
        out[o.oid] = [data[c[0] - start : c[0] - start + c[1]] for c in o.entry["chunks"]]
    return out
