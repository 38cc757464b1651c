"""Remote-tracking state: what this repository last saw of each remote (git's ``refs/remotes``).

``.mgit/remotes/<name>/`` holds, per configured remote:

* ``lineage.json``: the remote's lineage as the last fetch, pull or push saw it.  What a
  fetch brought (manifests, sketches, files records, tensors) is kept by ``gc`` as long as
  this copy names the versions that need it, so ``mgit fetch`` then ``mgit gc`` then
  ``mgit pull --offline`` loses nothing;
* ``synced.json``: the names and tags both sides agreed on after the last pull or push,
  the common base from which a rename or a tag move is told apart from a conflict
  (:mod:`.labels`);
* ``catalogue.json``: a cache of the remote's pack indexes (:mod:`.packs`).

``mgit remote remove`` deletes the folder (git drops ``refs/remotes/<name>`` likewise).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Corrupt
from ..lineage.files_manifest import read_files
from ..lineage.manifests import manifest_dir
from ..store import atomic_write_json
from .config import list_remotes
from .labels import Labels, labels_of
from .union import check_lineage

TRACKED = "lineage.json"
SYNCED = "synced.json"


def state_dir(mgit_dir: Path, remote: str) -> Path:
    """``.mgit/remotes/<remote>/``."""
    return mgit_dir / "remotes" / remote


def read_tracked(mgit_dir: Path, remote: str) -> dict[str, Any] | None:
    """The remote's lineage as last seen here (None: never fetched, pulled or pushed)."""
    path = state_dir(mgit_dir, remote) / TRACKED
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Corrupt(f"{path} cannot be read: {exc}", hint=f"run `mgit fetch {remote}` to write it again") from None
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise Corrupt(f"{path} is not valid JSON: {exc}", hint=f"run `mgit fetch {remote}` to write it again") from None
    return check_lineage(doc, str(path))


def write_tracked(mgit_dir: Path, remote: str, doc: dict[str, Any]) -> None:
    folder = state_dir(mgit_dir, remote)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / TRACKED, doc)


def read_base(mgit_dir: Path, remote: str) -> Labels:
    """The names and tags both sides agreed on after the last pull or push.

    A repository synchronised before this record existed uses the tracked lineage."""
    path = state_dir(mgit_dir, remote) / SYNCED
    try:
        doc = json.loads(path.read_bytes())
        names, tags = doc["names"], doc["tags"]
        if all(isinstance(k, str) and isinstance(v, str) for d in (names, tags) for k, v in d.items()):
            return dict(names), dict(tags)
    except FileNotFoundError:
        tracked = read_tracked(mgit_dir, remote)
        return labels_of(tracked["nodes"]) if tracked else ({}, {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    raise Corrupt(f"{path} is damaged", hint=f"delete it; the next `mgit pull {remote}` reports what differs")


def write_base(mgit_dir: Path, remote: str, base: Labels) -> None:
    folder = state_dir(mgit_dir, remote)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / SYNCED, {"names": base[0], "tags": base[1]})


def forget(mgit_dir: Path, remote: str) -> None:
    """Drop everything remembered about ``remote`` (on ``mgit remote remove``)."""
    shutil.rmtree(state_dir(mgit_dir, remote), ignore_errors=True)


@dataclass
class TrackedRoots:
    """What the remote-tracking lineages keep alive through ``gc``."""

    version_ids: set[str] = field(default_factory=set)
    manifest_files: set[str] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)


def tracked_roots(mgit_dir: Path) -> TrackedRoots:
    """Versions, manifest files and objects named by the tracked lineage of every configured
    remote, for the versions whose manifest is stored here (fetched)."""
    roots = TrackedRoots()
    folder = manifest_dir(mgit_dir)
    for remote in list_remotes(mgit_dir):
        doc = read_tracked(mgit_dir, remote.name)
        for node in (doc or {}).get("nodes", []):
            path = folder / node["manifest_file"]
            roots.version_ids.add(node["id"])
            roots.manifest_files.add(node["manifest_file"])
            if path.is_file():
                try:
                    tensors = json.loads(path.read_bytes())["tensors"]
                    roots.objects |= {t[0] for t in tensors.values()}
                except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                    raise Corrupt(
                        f"the fetched manifest {path} is damaged: {exc}",
                        hint=f"delete it and run `mgit fetch {remote.name}` again",
                    ) from None
            record = read_files(mgit_dir, node["id"])
            if record is not None:
                roots.objects |= record.oids()
    return roots
