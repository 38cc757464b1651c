"""Handlers answering at once: each parses the request, calls one core function, replies.

Long operations are in :mod:`.job_handlers`.
"""

from __future__ import annotations

import hashlib

from tornado import web

from ..core.codecs.registry import describe_codecs
from ..core.repository import Repository
from ..core.schema import RepositoryInfo, RepositoryList, RevisionPayload, ServerVersion
from ..version import __version__
from .base import MgitHandler, field


class VersionHandler(MgitHandler):
    @web.authenticated
    def get(self) -> None:
        payload: ServerVersion = {"version": __version__}
        self.reply(payload)


class RepositoriesHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        near = self.query_str("near", None)
        found, truncated = await self.call(self.root.list_repositories)
        nearest = None
        if near is not None:
            folder = await self.call(self.root.nearest_repository, near)
            nearest = None if folder is None else self.root.relative(folder)
        payload: RepositoryList = {
            "repositories": [{"path": self.root.relative(f), "name": f.name} for f in found],
            "nearest": nearest,
            "truncated": truncated,
        }
        self.reply(payload)

    @web.authenticated
    async def post(self) -> None:
        """``mgit init`` in a folder under the root (made if missing)."""
        doc = self.body({"path"})
        folder = self.root.resolve(field(doc, "path", str))
        repo = await self.call(Repository.init, folder)
        repo.close()
        payload: RepositoryInfo = {"path": self.root.relative(folder), "name": folder.name}
        self.reply(payload, status=201)


class GraphHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        revision, text = await self.call(self.repos.graph_json, repo)
        # clients refresh cheaply: If-None-Match with this tag answers 304 without a body
        tag = hashlib.blake2s(f"{repo.root}\0{revision}".encode(), digest_size=8).hexdigest()
        self.set_header("ETag", f'"{tag}-{revision}"')
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        self.finish(text)


class RevisionHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        rel, repo = self.repository(self.query_str("repo", ""))
        payload: RevisionPayload = {
            "repo": rel,
            "revision": await self.call(lambda: repo.revision),
        }
        self.reply(payload)


class CodecsHandler(MgitHandler):
    @web.authenticated
    def get(self) -> None:
        self.reply({"codecs": describe_codecs()})
