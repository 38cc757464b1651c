"""Per-version manifest files: ``.mgit/manifests/<version id>.json``.

A version's parameter manifest (``{name: [oid, dtype, shape]}``) is written once, when the
version is created, inside the same transaction and before ``lineage.json`` is replaced
(objects, then manifest, then lineage: git's order).  It is never rewritten: a version
whose manifest is replaced (the lossy gate keeps lossy objects) gets a new file named
with the content's hash, and the lineage record names the file it uses.  ``gc`` deletes
the files no live record names.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import Corrupt, NotFound
from ..store import atomic_write_bytes
from . import ModelVersion, TensorRef, manifest_from_json, manifest_to_json

MANIFEST_DIR = "manifests"


def manifest_dir(mgit_dir: Path) -> Path:
    return mgit_dir / MANIFEST_DIR


def read_manifest(mgit_dir: Path, file: str) -> dict[str, TensorRef]:
    """The manifest stored in ``file``.

    Raises
    ------
    NotFound, Corrupt
        When the file is missing or not a manifest.
    """
    path = manifest_dir(mgit_dir) / file
    try:
        doc = json.loads(path.read_bytes())
        return manifest_from_json(doc["tensors"])
    except FileNotFoundError:
        raise NotFound(
            f"the manifest file {path} is missing", hint="restore it from a backup; `mgit verify` names the version"
        ) from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise Corrupt(f"the manifest file {path} is damaged: {exc}", hint="restore it from a backup") from None


def write_manifest(mgit_dir: Path, version: ModelVersion) -> str:
    """Write ``version``'s manifest to a new file (durably); returns the file name.

    The first file of a version is ``<id>.json``; a replaced manifest gets
    ``<id>.<content hash>.json`` so no file is ever rewritten in place."""
    path, raw = manifest_file(mgit_dir, version)
    atomic_write_bytes(path, raw)
    return path.name


def manifest_file(mgit_dir: Path, version: ModelVersion) -> tuple[Path, bytes]:
    """Where :func:`write_manifest` would write ``version``'s manifest, and the bytes (for a
    caller that writes several files at once)."""
    folder = manifest_dir(mgit_dir)
    folder.mkdir(exist_ok=True)
    data = json.dumps({"version": version.id, "tensors": manifest_to_json(version.manifest)}, separators=(",", ":"))
    raw = data.encode()
    name = f"{version.id}.json"
    if version.manifest_file is not None or (folder / name).exists():
        import hashlib  # writes only

        name = f"{version.id}.{hashlib.sha256(raw).hexdigest()[:12]}.json"
    return folder / name, raw


def stale_manifests(mgit_dir: Path, live: set[str]) -> list[Path]:
    """Manifest files no live version names (left by removed versions or aborted commits)."""
    folder = manifest_dir(mgit_dir)
    if not folder.is_dir():
        return []
    return [f for f in folder.glob("*.json") if f.name not in live]
