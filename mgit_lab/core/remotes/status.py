"""What the faces show about remotes: the configured list, and what a partial clone holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..codecs.abc import TensorSpec
from ..schema import RemoteInfo, RemoteList
from .config import add_remote, get_remote, list_remotes, promisor, remove_remote
from .tracking import forget

if TYPE_CHECKING:
    from ..repository import Repository


def remotes_payload(repo: Repository) -> RemoteList:
    """Every remote with its URL and options (the config never holds a credential)."""
    lender = promisor(repo.mgit_dir)
    infos: list[RemoteInfo] = [
        {"name": r.name, "url": r.url, "options": dict(r.options), "promisor": r.name == lender}
        for r in list_remotes(repo.mgit_dir)
    ]
    return {"remotes": infos}


def add(
    repo: Repository, name: str, url: str, options: dict[str, str] | None = None, cwd: Path | None = None
) -> RemoteInfo:
    """Add a remote; a relative folder is taken from ``cwd`` (default: the repository's root)."""
    r = add_remote(repo.mgit_dir, repo.lock, name, url, options, cwd or repo.root)
    return {"name": r.name, "url": r.url, "options": dict(r.options), "promisor": False}


def remove(repo: Repository, name: str) -> RemoteInfo:
    """Forget a remote and what was fetched from it (git drops ``refs/remotes/NAME`` too):
    versions fetched but never pulled become garbage for ``mgit gc``."""
    r = remove_remote(repo.mgit_dir, repo.lock, name)
    forget(repo, name)
    return {"name": r.name, "url": r.url, "options": dict(r.options), "promisor": False}


def check_remote(repo: Repository, name: str | None) -> None:
    """Raise NotFound unless ``name`` (None: the default remote) is configured."""
    get_remote(repo.mgit_dir, name)


def local_note(repo: Repository) -> str | None:
    """For ``mgit du`` on a partial clone: which versions are whole here, what is fetched on demand."""
    lender = promisor(repo.mgit_dir)
    if lender is None:
        return None
    store = repo.store
    store.refresh()
    whole: list[str] = []
    missing: dict[str, int] = {}
    for v in repo.versions():
        absent = {
            t.oid: TensorSpec(t.dtype, tuple(t.shape)).nbytes for t in v.manifest.values() if not store.has(t.oid)
        }
        missing.update(absent)
        if not absent:
            whole.append(v.name)
    total = len(repo.versions())
    raw = sum(missing.values())
    return (
        f"partial clone of {lender!r}: {len(whole)} of {total} versions have every tensor here"
        + (f" ({', '.join(whole[:8])}{' ...' if len(whole) > 8 else ''})" if whole else "")
        + f"; {len(missing)} tensor(s), {raw / 1e6:.1f} MB raw, are fetched from {lender!r} when first needed"
    )
