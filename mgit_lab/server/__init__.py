"""The Jupyter server extension: mgit-lab's REST API under ``<base_url>/mgit/api/``.

Handlers are thin: parse the request, call one core function, write its JSON payload.
Core errors (:class:`~mgit_lab.core.errors.MgitError`) become ``{"message", "hint"}`` with
the error's ``http_status`` in one place (:meth:`MgitHandler.write_error`).

Routes so far
-------------
``GET mgit/api/version``
    ``{"version": ...}``: lets the frontend warn when it and the server differ.
``GET mgit/api/graph``
    The lineage graph of the repository at the server's root folder:
    ``{"revision", "nodes": [...], "edges": [{"parent", "child", "relation"}]}``;
    404 ``{"message", "hint"}`` when the root folder holds no repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .. import __version__
from ..core.errors import MgitError
from ..core.repository import Repository


class MgitHandler(APIHandler):
    """Base handler: maps :class:`MgitError` to its HTTP status and a JSON body."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, MgitError):
            self.set_status(exc.http_status)
            self.finish(json.dumps({"message": exc.message, "hint": exc.hint}))
            return
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, MgitError):
            # an expected failure: one line in the log, no traceback
            self.log.info("mgit: %s %s -> %s: %s", self.request.method, self.request.path, value.http_status, value)
            return
        super().log_exception(typ, value, tb)

    @property
    def repository_root(self) -> Path:
        return Path(self.settings["server_root_dir"]).expanduser()


class VersionHandler(MgitHandler):
    @web.authenticated
    def get(self) -> None:
        self.finish(json.dumps({"version": __version__}))


class GraphHandler(MgitHandler):
    @web.authenticated
    def get(self) -> None:
        repo = Repository(self.repository_root)
        try:
            graph = repo.graph
            nodes = []
            for version in graph.versions():
                node = version.to_json()
                node.pop("manifest", None)
                node["parents"] = [p.id for p, _ in graph.parents(version.id)]
                nodes.append(node)
            edges = [{"parent": u, "child": v, "relation": r.value} for u, v, r in graph.edges()]
            self.finish(json.dumps({"revision": repo.revision, "nodes": nodes, "edges": edges}))
        finally:
            repo.close()


def setup_routes(server_app: Any) -> None:
    """Add mgit-lab's handlers to ``server_app.web_app`` under ``<base_url>/mgit/api/``."""
    web_app = server_app.web_app
    base = url_path_join(web_app.settings["base_url"], "mgit", "api")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "version"), VersionHandler),
            (url_path_join(base, "graph"), GraphHandler),
        ],
    )
