"""The Jupyter server extension: mgit's REST API under ``<base_url>/mgit/api/``.

:data:`ROUTES` is the one table of routes; ``openapi.yaml`` beside this file documents each
(a test checks the two agree).  Handlers are thin (see :mod:`.handlers`); long operations
run as jobs (:mod:`.jobs`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from jupyter_server.utils import url_path_join

from ..core.verbs import views
from . import handlers as h
from . import job_handlers as jh
from . import operation_handlers as oh
from . import remote_handlers as rh
from . import version_handlers as vh
from .jobs import JobLogHandler, JobRunner
from .paths import RootDir
from .repos import RepositoryCache

#: (path template as in openapi.yaml, handler class); {name} matches one path segment
ROUTES: list[tuple[str, type]] = [
    ("/version", h.VersionHandler),
    ("/repos", h.RepositoriesHandler),
    ("/graph", h.GraphHandler),
    ("/revision", h.RevisionHandler),
    ("/versions/{key}", vh.ModelVersionHandler),
    ("/versions/{key}/rename", vh.RenameHandler),
    ("/versions/{key}/reparent", vh.ReparentHandler),
    ("/versions/{key}/export", vh.ExportHandler),
    ("/tags", vh.TagsHandler),
    ("/tags/{tag}", vh.TagHandler),
    ("/stats", vh.StatsHandler),
    ("/diff", oh.DiffHandler),
    ("/tests", oh.TestsHandler),
    ("/tests/run", oh.TestRunHandler),
    ("/merge/strategies", oh.StrategiesHandler),
    ("/merge/plan", oh.MergePlanHandler),
    ("/merge", oh.MergeHandler),
    ("/cascade", oh.CascadeHandler),
    ("/codecs", h.CodecsHandler),
    ("/gc", jh.GcHandler),
    ("/verify", jh.VerifyHandler),
    ("/remotes", rh.RemotesHandler),
    ("/remotes/{name}", rh.RemoteHandler),
    ("/remotes/{name}/status", rh.RemoteStatusHandler),
    ("/push", rh.PushHandler),
    ("/fetch", rh.FetchHandler),
    ("/pull", rh.PullHandler),
    ("/jobs", jh.JobsHandler),
    ("/jobs/{job_id}", jh.JobHandler),
]


def route_regex(template: str) -> str:
    """The tornado pattern of a route template: ``{name}`` becomes a named segment group."""
    return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)


def setup_routes(server_app: Any) -> None:
    """Register every mgit route on ``server_app``'s web application."""
    web_app = server_app.web_app
    root = RootDir(server_app.root_dir)
    web_app.settings["mgit_root"] = root
    web_app.settings["mgit_repos"] = RepositoryCache(root, views.graph_payload)
    web_app.settings["mgit_jobs"] = JobRunner()
    package_log = logging.getLogger("mgit_lab")
    for old in [x for x in package_log.handlers if isinstance(x, JobLogHandler)]:
        package_log.removeHandler(old)
    package_log.addHandler(JobLogHandler(server_app.log))
    base = url_path_join(web_app.settings["base_url"], "mgit", "api")
    web_app.add_handlers(".*$", [(base + route_regex(t) + "$", cls) for t, cls in ROUTES])
