"""Handlers of one version and of names: show, remove, rename, reparent, tags; storage statistics."""

from __future__ import annotations

from tornado import web

from ..core.schema import CheckoutPayload, RemovePayload, TagPayload
from ..core.verbs import edit, load, views
from .base import MgitHandler, field, string_list


class StatsHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        self.reply(await self.call(views.stats, repo))


class ModelVersionHandler(MgitHandler):
    @web.authenticated
    async def get(self, key: str) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        self.reply(await self.call(views.show, repo, key))

    @web.authenticated
    async def delete(self, key: str) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        removed, kids = await self.call(edit.remove, repo, key, reroot=self.query_bool("reroot"))
        payload: RemovePayload = {
            "removed": removed.name,
            "id": removed.id,
            "rerooted": kids,
        }
        self.reply(payload)


class RenameHandler(MgitHandler):
    @web.authenticated
    async def post(self, key: str) -> None:
        doc = self.body({"repo", "name"})
        _, repo = self.repository(field(doc, "repo", str, ""))
        version = await self.call(edit.rename, repo, key, field(doc, "name", str))
        self.reply(await self.call(views.show, repo, version.id))


class ReparentHandler(MgitHandler):
    @web.authenticated
    async def post(self, key: str) -> None:
        doc = self.body({"repo", "parents", "relation"})
        _, repo = self.repository(field(doc, "repo", str, ""))
        parents = string_list(doc, "parents")
        relation = field(doc, "relation", str, None)
        version = await self.call(edit.reparent, repo, key, parents, relation=relation)
        self.reply(await self.call(views.show, repo, version.id))


class ExportHandler(MgitHandler):
    @web.authenticated
    async def post(self, key: str) -> None:
        """Write a version to a file or HF folder under the root (as the file browser shows it)."""
        doc = self.body({"repo", "path", "format", "overwrite"})
        _, repo = self.repository(field(doc, "repo", str, ""))
        target = self.root.resolve(field(doc, "path", str))
        version = await self.call(repo.version, key)
        written = await self.call(
            load.export,
            repo,
            key,
            target,
            field(doc, "format", str, None),
            overwrite=field(doc, "overwrite", bool, False),
        )
        files = [written] if written.is_file() else [f for f in written.rglob("*") if f.is_file()]
        payload: CheckoutPayload = {
            "version": version.name,
            "path": self.root.relative(written),
            "format": "hf" if written.is_dir() else (written.suffix.lstrip(".") or "safetensors"),
            "num_tensors": version.num_tensors,
            "bytes_written": sum(f.stat().st_size for f in files),
        }
        self.reply(payload)


class TagsHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        payload: TagPayload = {"tags": await self.call(edit.tags, repo)}
        self.reply(payload)

    @web.authenticated
    async def post(self) -> None:
        doc = self.body({"repo", "version", "tag", "move"})
        _, repo = self.repository(field(doc, "repo", str, ""))
        await self.call(
            edit.tag,
            repo,
            field(doc, "version", str),
            field(doc, "tag", str),
            move=field(doc, "move", bool, False),
        )
        payload: TagPayload = {"tags": await self.call(edit.tags, repo)}
        self.reply(payload)


class TagHandler(MgitHandler):
    @web.authenticated
    async def delete(self, tag: str) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        await self.call(edit.untag, repo, tag)
        payload: TagPayload = {"tags": await self.call(edit.tags, repo)}
        self.reply(payload)
