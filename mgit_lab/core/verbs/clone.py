"""``clone``: a new repository holding a remote's lineage (partial with ``versions``).

It lives among the verbs because it makes a repository (the kernel) and pulls into it
(:mod:`mgit_lab.core.remotes`), which the kernel itself imports for partial clones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import Conflict
from ..progress import Progress
from ..remotes.config import DEFAULT_REMOTE, add_remote, set_promisor
from ..remotes.fetch import pull
from ..remotes.report import TransferReport
from ..repository import MGIT_DIR, Repository


def clone(
    url: str,
    path: str | Path,
    versions: list[str] | None = None,
    options: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[Repository, TransferReport]:
    """A new repository at ``path`` holding the lineage at ``url`` (remote ``origin``).

    With ``versions``: a partial clone (see the module docstring)."""
    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(f"{target} exists and is not an empty folder", hint="clone into a new or empty folder")
    made = not target.exists()
    repo = Repository.init(target)
    try:
        add_remote(repo.mgit_dir, repo.lock, DEFAULT_REMOTE, url, options)
        if versions:
            set_promisor(repo.mgit_dir, repo.lock, DEFAULT_REMOTE)
            repo.close()
            repo = Repository(repo.root)  # reopened: the promisor hook is attached at open
        report = pull(repo, DEFAULT_REMOTE, versions, progress)
    except BaseException:
        repo.close()
        shutil.rmtree(target / MGIT_DIR, ignore_errors=True)
        if made:
            shutil.rmtree(target, ignore_errors=True)
        raise
    report.verb = "clone"
    return repo, report
