"""Remotes over REST: list/add/remove remotes; push, fetch and pull as jobs with progress.

A folder remote named over REST is a path relative to the server's root and must stay
inside it (like every path the API takes); ``s3://`` remotes are URLs.  Answers carry
remote names, URLs and options only: the config holds no credential to leak.
"""

from __future__ import annotations

from typing import Any

from tornado import web

from ..core.errors import InvalidInput
from ..core.progress import Progress
from ..core.remotes import status, tracking
from ..core.remotes.fetch import fetch, pull
from ..core.remotes.push import push
from ..core.repository import Repository
from ..core.schema import RemoteList, RemoteTracking, TransferPayload
from .base import MgitHandler, field, string_list
from .job_handlers import JobLauncher, RepoWork

_MAX_VERSIONS = 1000


def _url(handler: MgitHandler, url: str) -> str:
    """``url`` as the core takes it: a folder inside the server's root, or a scheme URL."""
    if "://" in url:
        if url.startswith("file://"):
            raise InvalidInput(
                "file:// remotes are refused over REST", hint="give a folder relative to the server's root"
            )
        return url
    return str(handler.root.resolve(url))


class RemotesHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        payload: RemoteList = await self.call(status.remotes_payload, repo)
        self.reply(payload)

    @web.authenticated
    async def post(self) -> None:
        doc = self.body({"repo", "name", "url", "options"})
        _, repo = self.repository(field(doc, "repo", str, ""))
        options = field(doc, "options", dict, {})
        name = field(doc, "name", str)
        await self.call(status.add, repo, name, _url(self, field(doc, "url", str)), options)
        await self.call(tracking.forget, repo, name)  # a former remote of that name: its state is not this one's
        self.reply(await self.call(status.remotes_payload, repo))


class RemoteHandler(MgitHandler):
    @web.authenticated
    async def delete(self, name: str) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        await self.call(status.remove, repo, name)
        await self.call(tracking.forget, repo, name)
        self.reply(await self.call(status.remotes_payload, repo))


class RemoteStatusHandler(MgitHandler):
    """``GET remotes/{name}/status``: versions to push and to pull, as of the last read of
    the remote's lineage (no network: a fetch, a pull or a push refreshes it)."""

    @web.authenticated
    async def get(self, name: str) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        payload: RemoteTracking = await self.call(tracking.tracking, repo, name)
        self.reply(payload)


def _versions(doc: dict[str, Any]) -> list[str] | None:
    versions = string_list(doc, "versions", [])
    if len(versions) > _MAX_VERSIONS:
        raise InvalidInput(f"field 'versions' names more than {_MAX_VERSIONS} versions", hint="push them in turns")
    return versions or None


class TransferLauncher(JobLauncher):
    """``POST {repo, remote, versions}``: a push, fetch or pull job (its result: TransferPayload)."""

    fields = frozenset({"remote", "versions"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        remote = field(doc, "remote", str, "") or None
        versions = _versions(doc)
        for key in versions or []:
            if self.kind == "push":
                repo.version(key)  # unknown versions answer 404 before anything is queued
        kind = self.kind
        verb = {"push": push, "fetch": fetch, "pull": pull}[kind]
        status.check_remote(repo, remote)

        offline = bool(field(doc, "offline", bool, False))

        def work(repo: Repository, progress: Progress) -> TransferPayload:
            # each verb keeps its copy of the remote's lineage (for status), also when refused
            if offline:  # what the last fetch brought: nothing is asked of the remote
                return pull(repo, remote, versions, progress, offline=True).to_json()
            return verb(repo, remote, versions, progress).to_json()

        title = f"{self.kind} {remote or 'origin'}" + (f" ({', '.join(versions[:5])})" if versions else "")
        return title, work


class PushHandler(TransferLauncher):
    kind = "push"


class FetchHandler(TransferLauncher):
    kind = "fetch"


class PullHandler(TransferLauncher):
    """``POST {repo, remote, versions, offline}``: ``offline`` adds what the last fetch brought."""

    kind = "pull"
    fields = frozenset({"remote", "versions", "offline"})
