"""A version's files manifest: ``.mgit/files/<version id>.json``.

A version added from a file or a model folder records every file it was made of, so
checkout can give back the same bytes under the same names::

    {"version": id, "root": "folder" | "file",
     "files": [{"path": "tokenizer.json", "size": 711396, "sha256": "...", "kind": "tokenizer",
                "oid": "<blob object>"},
               {"path": "model.safetensors", "size": ..., "sha256": ..., "kind": "safetensors",
                "header": "<blob object>", "segments": [[name or null, oid, dtype, shape], ...]},
               {"path": "pytorch_model.bin", ..., "kind": "weights", "layout": "cut",
                "header": "<blob object>", "segments": [[name, oid, dtype, shape, offset], ...]}]}

Every byte lives in the object store: small files as ``uint8`` blob objects (content
addressed, so a tokenizer shared by a hundred fine-tunes is stored once), a safetensors file
as its header bytes plus its tensors (see :mod:`..io.safetensors_layout`), a ``torch.save``
zip archive as its tensors cut out of it plus the rest of its bytes (``"layout": "cut"``: the
header blob is the file without the segments, each segment names its offset in the file; see
:mod:`..io.zip_layout`).  ``sha256`` is the
hash of the original file: checkout checks it and never writes bytes that differ.

The file is written once, in the transaction that creates the version (before
``lineage.json``), and never rewritten.  A version without one (added from an in-memory
model) has no files: checkout writes a canonical file for it.  ``gc`` keeps the objects the
files manifests of live versions name, and deletes the files of versions that are gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Corrupt

FILES_DIR = "files"


@dataclass
class FileEntry:
    """One file of a version."""

    path: str
    size: int
    sha256: str
    kind: str
    #: the blob holding the whole file (None for a safetensors file kept by layout)
    oid: str | None = None
    #: a safetensors file: its header bytes' blob and data segments in file order
    header: str | None = None
    segments: list[list[Any]] = field(default_factory=list)
    #: None: a safetensors layout; ``"cut"``: ``header`` is the file without its segments,
    #: and each segment ends with its offset in the file
    layout: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"path": self.path, "size": self.size, "sha256": self.sha256, "kind": self.kind}
        if self.oid is not None:
            doc["oid"] = self.oid
        else:
            doc["header"] = self.header
            doc["segments"] = self.segments
            if self.layout is not None:
                doc["layout"] = self.layout
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> FileEntry:
        return cls(
            path=str(doc["path"]),
            size=int(doc["size"]),
            sha256=str(doc["sha256"]),
            kind=str(doc["kind"]),
            oid=doc.get("oid"),
            header=doc.get("header"),
            segments=list(doc.get("segments") or []),
            layout=doc.get("layout"),
        )

    def oids(self) -> list[str]:
        """Every object this file is rebuilt from."""
        if self.oid is not None:
            return [self.oid]
        return [str(self.header)] + [str(s[1]) for s in self.segments]


@dataclass
class FilesRecord:
    """The files of one version: ``root`` is ``folder`` (a model folder) or ``file``."""

    root: str
    files: list[FileEntry]

    def oids(self) -> set[str]:
        return {oid for f in self.files for oid in f.oids()}


def files_path(mgit_dir: Path, version_id: str) -> Path:
    return mgit_dir / FILES_DIR / f"{version_id}.json"


def encode_record(version_id: str, record: FilesRecord) -> bytes:
    doc = {"version": version_id, "root": record.root, "files": [f.to_json() for f in record.files]}
    return json.dumps(doc, separators=(",", ":")).encode()


def read_files(mgit_dir: Path, version_id: str) -> FilesRecord | None:
    """The files of ``version_id``, or None when it was not added from files.

    Raises
    ------
    Corrupt
        When the file is damaged.
    """
    path = files_path(mgit_dir, version_id)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(raw)
        if doc["version"] != version_id or doc["root"] not in ("folder", "file"):
            raise ValueError("it belongs to another version or has an unknown root")
        return FilesRecord(doc["root"], [FileEntry.from_json(f) for f in doc["files"]])
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise Corrupt(f"the files manifest {path} is damaged: {exc}", hint="restore it from a backup") from None


def live_file_objects(mgit_dir: Path, version_ids: set[str]) -> set[str]:
    """The objects the files manifests of ``version_ids`` name (``gc`` keeps them)."""
    out: set[str] = set()
    for vid in version_ids:
        record = read_files(mgit_dir, vid)
        if record is not None:
            out |= record.oids()
    return out


def stale_files(mgit_dir: Path, live: set[str]) -> list[Path]:
    """Files manifests of versions that no longer exist (removed, or an aborted commit)."""
    folder = mgit_dir / FILES_DIR
    if not folder.is_dir():
        return []
    return [f for f in folder.glob("*.json") if f.stem not in live]
