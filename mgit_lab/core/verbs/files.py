"""The files of a version: recorded by ``add``, given back by ``checkout``, carried by
``export --format hf``, listed by ``show`` and counted by ``du``.

See :mod:`..lineage.files_manifest` for what is kept and :mod:`..io.file_record` /
:mod:`..io.file_rebuild` for how.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lineage.files_manifest import FILES_DIR, FileEntry, FilesRecord, encode_record, files_path, read_files

if TYPE_CHECKING:
    from ..io.file_record import RecordedSource
    from ..io.state import ArrayState
    from ..lineage import ModelVersion
    from ..repository import Repository
    from ..transaction import Transaction

#: kinds of file the model's weights are (an ``hf`` export writes them anew)
WEIGHT_KINDS = ("safetensors", "weights", "index")


def record_for_add(model: Any) -> RecordedSource | None:
    """The files of ``model`` when it is a file or folder path (read, nothing stored)."""
    if not isinstance(model, (str, Path)):
        return None
    from ..io.file_record import record_source

    path = Path(model).expanduser()
    return record_source(path) if path.exists() else None


def store_files(
    repo: Repository, txn: Transaction, version: ModelVersion, rec: RecordedSource, state: ArrayState | None = None
) -> FilesRecord:
    """Store ``rec``'s objects and queue its files manifest, inside the open transaction.

    ``state``: the version's tensors as stored; those that are views of ``rec``'s own bytes
    (a safetensors file read once) are not hashed a second time."""
    from ..io.file_record import store_record

    put, write_file = txn.put, txn.write_file
    parent = None
    parents = txn.graph.parents(version.id)
    if parents:
        parent = parents[0][0].manifest

    def base_of(name: str) -> str | None:
        ref = parent.get(name) if parent else None
        return ref.oid if ref else None

    hashed = None
    if state is not None:
        hashed = {k: (a, d, version.manifest[k].oid) for k, (a, d) in state.items() if k in version.manifest}
    record = store_record(rec, lambda a, d, b, oid: put(a, d, base=b, oid=oid), base_of, hashed)
    (repo.mgit_dir / FILES_DIR).mkdir(exist_ok=True)
    write_file(files_path(repo.mgit_dir, version.id), encode_record(version.id, record))
    return record


def files_of(repo: Repository, key: str) -> FilesRecord | None:
    """The files ``key`` was added from, or None (added from an in-memory model)."""
    return read_files(repo.mgit_dir, repo.version(key).id)


def checkout_files_known(repo: Repository, key: str) -> bool:
    """Whether ``key`` was added from files (checkout can give them back exactly)."""
    return files_path(repo.mgit_dir, repo.version(key).id).is_file()


def checkout_files(repo: Repository, key: str, path: str | Path, *, overwrite: bool = False) -> Path | None:
    """Write the exact files of ``key`` to ``path`` (None when it has no files: the caller
    writes a canonical file instead).

    Raises
    ------
    Corrupt
        When a rebuilt file's hash differs from the one recorded at add time.
    """
    from ..io.file_rebuild import write_record

    version = repo.version(key)
    record = read_files(repo.mgit_dir, version.id)
    if record is None:
        return None
    get = checked_get(repo, version)
    write_record(record, get, Path(path), label=repr(version.name), overwrite=overwrite, repo_root=repo.root)
    return Path(path)


def checked_get(repo: Repository, version: ModelVersion) -> Any:
    """``get(oid)`` for rebuilding ``version``'s files: damage is one :class:`Corrupt` naming
    the object and the versions that need it, as for every checkout.  The version's manifest
    is checked against the store first (index only): a manifest that no longer describes its
    objects is damage even where the files' own objects are intact."""
    from ..errors import Corrupt, NotFound
    from ..integrity import decode_checked, mismatch

    store, every = repo.store, repo.versions()
    by_oid = {ref.oid: (name, ref) for name, ref in version.manifest.items()}
    for name, ref in version.manifest.items():
        if not store.has(ref.oid) or mismatch(store, ref) is not None:
            decode_checked(store, version, name, ref, every)  # raises, naming tensor and versions

    def get(oid: str) -> Any:
        hit = by_oid.get(oid)
        if hit is not None:
            return decode_checked(store, version, hit[0], hit[1], every)
        try:
            return store.get(oid)
        except (Corrupt, NotFound) as exc:
            needing = sorted(v.name for v in every if oid in ((read_files(repo.mgit_dir, v.id) or _EMPTY).oids()))
            raise Corrupt(
                f"a file object of version {version.name!r}: {exc.message}; "
                f"versions that need it: {', '.join(needing) or version.name}",
                hint="run `mgit verify` for the full damage report; restore the repository's packs from a backup",
            ) from None

    return get


_EMPTY = FilesRecord("folder", [])


def hf_extras(repo: Repository, key: str) -> tuple[Any, list[str]]:
    """For ``export --format hf``: a function that writes the version's other files into the
    folder being exported (tokenizer, ``modules.json``, pooling config, model card...), and
    notes of what a library will miss."""
    from ..io.file_rebuild import copy_files

    version = repo.version(key)
    record = read_files(repo.mgit_dir, version.id)
    notes = []
    if record is None or record.root != "folder":
        notes.append(
            f"{version.name} was not added from a model folder: the export holds only config.json and the weights"
        )
    if record is None or not any(f.kind == "tokenizer" for f in record.files):
        notes.append(
            "no tokenizer was stored with this version: AutoTokenizer.from_pretrained will not load the export"
        )
    if record is None:
        return None, notes

    def skip(entry: FileEntry) -> bool:
        return entry.kind in WEIGHT_KINDS

    def extra(folder: Path) -> list[str]:
        return copy_files(record, repo.store.get, folder, skip=skip)

    return extra, notes


def files_listing(repo: Repository, key: str) -> list[dict[str, Any]]:
    """``[{path, size, kind}]`` of a version's files (empty when it has none)."""
    record = files_of(repo, key)
    return [] if record is None else [{"path": f.path, "size": f.size, "kind": f.kind} for f in record.files]


def blob_objects(record: FilesRecord) -> set[str]:
    """The objects of ``record`` that are not tensors: whole-file blobs, safetensors headers
    and raw byte runs (tensor segments are the tensors' own objects, charged with them)."""
    out: set[str] = set()
    for f in record.files:
        if f.oid is not None:
            out.add(f.oid)
        else:
            out.add(str(f.header))
            out.update(str(s[1]) for s in f.segments if s[0] is None or s[2] == "raw")
    return out


def new_blob_bytes(repo: Repository, key: str) -> int:
    """Stored bytes of the objects of ``key``'s files that are not tensors and that no parent's
    files name (what its files cost besides the tensors: a shared tokenizer is not counted)."""
    from ..store import index as pack_index

    version = repo.version(key)
    record = read_files(repo.mgit_dir, version.id)
    if record is None:
        return 0
    own = blob_objects(record)
    for parent, _ in repo.graph.parents(version.id):
        other = read_files(repo.mgit_dir, parent.id)
        if other is not None:
            own -= blob_objects(other)
    hits = (repo.pack_index.get(oid) for oid in own)
    return sum(pack_index.stored_nbytes(hit[0]) for hit in hits if hit is not None)


def blob_figures(repo: Repository) -> dict[str, Any]:
    """Files and blob objects over every live version, and the blobs' stored bytes charged
    to the first version (parents first) that names each: what ``du`` adds to the tensors'
    figures.  Reads the files manifests and the pack indexes, never a tensor manifest."""
    from ..store import index as pack_index

    index = repo.pack_index  # the indexes alone: no numpy, no HDF5
    owned: set[str] = set()
    files = 0
    charged: dict[str, int] = {}
    for v in repo.versions():
        record = read_files(repo.mgit_dir, v.id)
        if record is None:
            continue
        files += len(record.files)
        total = 0
        for oid in sorted(blob_objects(record) - owned):
            owned.add(oid)
            hit = index.get(oid)
            if hit is not None:
                total += pack_index.stored_nbytes(hit[0])
        charged[v.id] = total
    return {
        "files": files,
        "blob_objects": len(owned),
        "blob_stored_bytes": sum(charged.values()),
        "charged": charged,
    }
