"""What a remote holds compared with this repository: versions to push, versions to pull.

A fetch or pull keeps a copy of the remote's lineage in ``.mgit/remotes/<name>/lineage.json``
(:mod:`.fetch`); :func:`remember_lineage` refreshes that copy with one small read (the panel
calls it after a push).  :func:`tracking` compares the copy with the local lineage by version
id, without touching the network, so its answer is as of the copy's time (``checked``).
:func:`forget` drops the copy, so a remote removed and added again under the same name with
another URL never shows the old remote's state.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import Corrupt
from ..schema import RemoteTracking
from ..store import atomic_write_json
from .config import check_remote_name, get_remote
from .lineage_slot import LineageSlot
from .push import state_dir
from .transport import RemoteFS
from .union import check_lineage, empty_lineage

if TYPE_CHECKING:
    from ..repository import Repository

#: names listed per direction (the counts are always whole)
MAX_NAMES = 50
LINEAGE_COPY = "lineage.json"


def tracking(repo: Repository, name: str) -> RemoteTracking:
    """Versions to push and to pull for the configured remote ``name`` (no network).

    Raises
    ------
    NotFound
        When no remote ``name`` is configured.
    """
    cfg = get_remote(repo.mgit_dir, name)
    copy = state_dir(repo, cfg.name) / LINEAGE_COPY
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


def remember_lineage(repo: Repository, name: str | None) -> None:
    """Read the remote's lineage (one small read) and keep it as the copy :func:`tracking` uses.

    Raises
    ------
    RemoteError
        When the remote cannot be reached.
    """
    cfg = get_remote(repo.mgit_dir, name)
    doc: dict[str, Any] = LineageSlot(RemoteFS(cfg)).read() or empty_lineage()  # None: nothing pushed yet
    folder = state_dir(repo, cfg.name)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / LINEAGE_COPY, doc)


def forget(repo: Repository, name: str) -> None:
    """Drop what this repository remembers about a remote named ``name`` (lineage copy, caches)."""
    folder = state_dir(repo, check_remote_name(name))
    if folder.parent == repo.mgit_dir / "remotes" and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
