"""Diff, model tests, merge and update cascades over REST; the registries the panel renders.

Launchers check the request with the core before queuing anything: unknown versions,
strategies, arguments or tests answer 4xx at once (a merge or cascade is first planned as a
dry run, which is the core's own check).  Modules that import torch are imported when a
route is first used, so the server starts without it.
"""

from __future__ import annotations

from typing import Any

from tornado import web

from ..core.errors import InvalidInput
from ..core.merge import describe_strategies, plan_merge
from ..core.progress import Progress
from ..core.repository import Repository
from ..core.schema import ModelTestList, ModelTestRunPayload, StrategyList
from .base import MgitHandler, field, string_list
from .job_handlers import JobLauncher, RepoWork


class StrategiesHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        payload: StrategyList = {"strategies": await self.call(describe_strategies)}
        self.reply(payload)


class MergePlanHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        plan = await self.call(plan_merge, repo, self.query_str("a"), self.query_str("b"))
        self.reply(plan.to_json())


class MergeHandler(JobLauncher):
    kind = "merge"
    fields = frozenset({"a", "b", "strategy", "args", "overrides", "name", "message", "dry_run"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        from ..core.merge import merge_versions  # imports torch

        options = {
            "strategy": field(doc, "strategy", str, "average"),
            "args": field(doc, "args", dict, {}),
            "overrides": field(doc, "overrides", dict, {}),
            "name": field(doc, "name", str, None),
            "message": field(doc, "message", str, ""),
        }
        if not all(isinstance(v, str) for v in options["overrides"].values()):
            raise InvalidInput("field 'overrides' must map parameter patterns to A, B, ancestor or a strategy name")
        a, b = field(doc, "a", str), field(doc, "b", str)
        preview = merge_versions(repo, a, b, dry_run=True, **options)  # raises on bad input
        title = f"merge {a} and {b} ({options['strategy']})"
        if field(doc, "dry_run", bool, False):
            return "plan " + title, lambda repo, progress: preview.to_json()
        return title, lambda repo, progress: merge_versions(repo, a, b, progress=progress, **options).to_json()


class CascadeHandler(JobLauncher):
    kind = "cascade"
    fields = frozenset({"old", "new", "select", "model_type", "dry_run", "stop_on_failure"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        from ..core.cascade import run_cascade  # imports torch

        old, new = field(doc, "old", str), field(doc, "new", str)
        options = {
            "select": field(doc, "select", str, None),
            "model_type": field(doc, "model_type", str, None),
            "stop_on_failure": field(doc, "stop_on_failure", bool, False),
        }
        preview = run_cascade(repo, old, new, dry_run=True, **options)  # raises on bad input
        title = f"cascade {old} -> {new}"
        if field(doc, "dry_run", bool, False):
            return "plan " + title, lambda repo, progress: preview.to_json()
        return title, lambda repo, progress: run_cascade(repo, old, new, progress=progress, **options).to_json()


class TestsHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        from ..core.evaluation import list_tests  # imports torch

        _, repo = self.repository(self.query_str("repo", ""))
        payload: ModelTestList = {"tests": await self.call(list_tests, repo, self.query_str("version", None))}
        self.reply(payload)


class TestRunHandler(JobLauncher):
    kind = "tests"
    fields = frozenset({"versions", "names"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        from ..core.evaluation import run_tests, specs_for  # imports torch

        keys = string_list(doc, "versions")
        if not keys:
            raise InvalidInput("field 'versions' lists no version", hint="name at least one version")
        names = string_list(doc, "names", None)
        for key in keys:
            specs_for(repo, repo.version(key), names)  # unknown versions and tests raise here

        def work(repo: Repository, progress: Progress) -> ModelTestRunPayload:
            results = []
            for i, key in enumerate(keys):

                def each(done: int, total: int, step: str, i: int = i, key: str = key) -> None:
                    part = done / total if total else 0.0
                    progress(int(1000 * (i + part)), 1000 * len(keys), f"{key}: {step}")

                results.extend(run_tests(repo, key, names=names, progress=each))
            return {"results": results}

        return f"run tests on {', '.join(keys)}", work


class DiffHandler(JobLauncher):
    kind = "diff"
    fields = frozenset({"a", "b", "structural", "lcs", "collapse", "stats", "params_only"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        from ..core.diff import diff_versions  # imports torch

        a, b = field(doc, "a", str), field(doc, "b", str)
        repo.version(a), repo.version(b)  # unknown versions raise here
        collapse = field(doc, "collapse", (str, list), None)
        if isinstance(collapse, list) and not all(isinstance(c, str) for c in collapse):
            raise InvalidInput("field 'collapse' must be a module type or a list of them")
        options = {
            "structural": field(doc, "structural", bool, False),
            "lcs": field(doc, "lcs", bool, False),
            "collapse": collapse,
            "stats": field(doc, "stats", bool, True),
            "params_only": field(doc, "params_only", bool, False),
        }
        mode = "structural" if options["structural"] else "contextual"
        return f"{mode} diff {a} -> {b}", lambda repo, progress: diff_versions(
            repo, a, b, progress=progress, **options
        ).to_json()
