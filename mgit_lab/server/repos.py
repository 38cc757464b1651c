"""Open repositories under the server's root, and the graph payload cached per revision.

One :class:`~mgit_lab.core.repository.Repository` object per repository is kept for the
server's life; it re-reads ``lineage.json`` when another process (the CLI, a notebook)
changed it.  The graph payload is rebuilt only when ``repo.revision`` moves, so polling
clients cost a ``stat`` and a cached string.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from ..core.errors import NotFound
from ..core.repository import Repository
from ..core.schema import GraphPayload
from .paths import RootDir


class RepositoryCache:
    """Repositories by real path, and their graph payloads by revision.

    Parameters
    ----------
    root : RootDir
        The server's root; every repository opened lies inside it.
    graph_payload : callable
        ``graph_payload(repo) -> dict`` with a ``"revision"`` key (a core function).
    """

    def __init__(self, root: RootDir, graph_payload: Callable[[Repository], GraphPayload]) -> None:
        self.root = root
        self._graph_payload = graph_payload
        self._repos: dict[Path, Repository] = {}
        self._graphs: dict[Path, tuple[int, str]] = {}
        self._lock = threading.Lock()
        self._build_locks: dict[Path, threading.Lock] = {}

    def open(self, rel: str) -> tuple[str, Repository]:
        """The repository at or above ``rel`` and its path relative to the root.

        Raises
        ------
        NotFound
            When there is none between ``rel`` and the root.
        """
        folder = self.root.nearest_repository(rel)
        if folder is None:
            where = repr(rel) if rel else "the server's root"
            raise NotFound(
                f"no mgit repository at or above {where}",
                hint="create one with `mgit init` in that folder, or list repositories with GET repos",
            )
        with self._lock:
            repo = self._repos.get(folder)
            if repo is None:
                repo = self._repos[folder] = Repository(folder)
                self._build_locks[folder] = threading.Lock()
        return self.root.relative(folder), repo

    def graph_json(self, repo: Repository) -> tuple[int, str]:
        """(revision, graph payload as JSON text), rebuilt only when the revision moved."""
        key = repo.root
        revision = repo.revision
        hit = self._graphs.get(key)
        if hit is not None and hit[0] == revision:
            return hit
        with self._build_locks[key]:
            hit = self._graphs.get(key)
            if hit is not None and hit[0] == repo.revision:
                return hit
            payload = self._graph_payload(repo)
            entry = (int(payload["revision"]), json.dumps(payload))
            self._graphs[key] = entry
            return entry
