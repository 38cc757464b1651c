"""Remote-tracking state: what this repository last saw of each remote (git's ``refs/remotes``).

``.mgit/remotes/<name>/`` holds, per configured remote:

* ``lineage.json``: the remote's lineage as the last fetch, pull or push saw it (a refused
  one included, so status shows both sides of a conflict).  What a fetch
  brought (manifests, sketches, files records, tensors) is kept by ``gc`` as long as this
  copy names the versions that need it (:func:`tracked_roots`), so ``mgit fetch`` then
  ``mgit gc`` then ``mgit pull --offline`` loses nothing.  :func:`tracking` compares it with
  the local lineage by version id, without touching the network (versions to push and to
  pull, as of the copy's time);
* ``synced.json``: the names and tags both sides agreed on after the last pull or push,
  the common base from which a rename or a tag move is told apart from a conflict
  (:mod:`.labels`);
* ``catalogue.json``: a cache of the remote's pack indexes (:mod:`.packs`).

:func:`forget` drops the folder (``mgit remote remove``, and a remote added again under a
former remote's name): git drops ``refs/remotes/<name>`` likewise.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Corrupt
from ..lineage.files_manifest import read_files
from ..lineage.manifests import manifest_dir
from ..schema import RemoteTracking
from ..store import atomic_write_json
from .config import check_remote_name, get_remote, list_remotes
from .labels import Labels, labels_of
from .union import check_lineage

if TYPE_CHECKING:
    from ..repository import Repository

TRACKED = "lineage.json"
SYNCED = "synced.json"
#: names listed per direction (the counts are always whole)
MAX_NAMES = 50


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


def tracking(repo: Repository, name: str) -> RemoteTracking:
    """Versions to push and to pull for the configured remote ``name`` (no network).

    Raises
    ------
    NotFound
        When no remote ``name`` is configured.
    """
    cfg = get_remote(repo.mgit_dir, name)
    copy = state_dir(repo.mgit_dir, cfg.name) / TRACKED
    out: RemoteTracking = {
        "name": cfg.name,
        "url": cfg.url,
        "checked": None,
        "ahead": [],
        "ahead_count": None,
        "behind": [],
        "behind_count": None,
    }
    try:
        checked = copy.stat().st_mtime
        doc = check_lineage(json.loads(copy.read_bytes()), str(copy))
    except (OSError, ValueError, Corrupt):
        return out  # never read (or a copy being replaced): "not fetched yet"
    remote_ids = {str(n["id"]): str(n["name"]) for n in doc["nodes"]}
    local = repo.graph
    ahead = [v.name for v in local.versions() if v.id not in remote_ids]
    behind = [n for vid, n in remote_ids.items() if vid not in local.g]
    out["checked"] = datetime.fromtimestamp(checked, timezone.utc).isoformat(timespec="seconds")
    out["ahead"], out["ahead_count"] = ahead[:MAX_NAMES], len(ahead)
    out["behind"], out["behind_count"] = sorted(behind)[:MAX_NAMES], len(behind)
    return out


def forget(repo: Repository, name: str) -> None:
    """Drop what this repository remembers about a remote named ``name`` (lineage copy, caches)."""
    folder = state_dir(repo.mgit_dir, check_remote_name(name))
    if folder.parent == repo.mgit_dir / "remotes" and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
