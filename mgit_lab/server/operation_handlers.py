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


def merge_versions_of(names: list[str]) -> list[str]:
    """The versions a merge request names: two or more, each at most 256 characters.

    Raises
    ------
    InvalidInput
        When fewer than two or more than 64 are named, or a name is too long.
    """
    if len(names) < 2:
        raise InvalidInput("name the versions to merge", hint="give a and b, or versions: [A, B, C, ...]")
    if len(names) > 64 or any(len(n) > 256 for n in names):
        raise InvalidInput("a merge takes at most 64 versions, each named in at most 256 characters")
    return names


class MergePlanHandler(MgitHandler):
    @web.authenticated
    async def get(self) -> None:
        _, repo = self.repository(self.query_str("repo", ""))
        named = self.get_query_arguments("version")
        versions = merge_versions_of(named or [self.query_str("a"), self.query_str("b")])
        plan = await self.call(plan_merge, repo, *versions, ancestor=self.query_str("base", None))
        self.reply(plan.to_json())


class MergeHandler(JobLauncher):
    kind = "merge"
    fields = frozenset(
        {
            "a",
            "b",
            "versions",
            "base",
            "strategy",
            "args",
            "weights",
            "models",
            "rules",
            "dtype",
            "seed",
            "overrides",
            "name",
            "message",
            "dry_run",
        }
    )

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        from ..core.merge import merge_versions  # imports torch
        from ..core.merge.recipe_file import parse_recipe

        kinds = {
            "strategy": str,
            "args": dict,
            "models": dict,
            "rules": list,
            "dtype": str,
            "seed": int,
            "overrides": dict,
        }
        recipe = {k: field(doc, k, kind) for k, kind in kinds.items() if doc.get(k) is not None}
        spec, _, _, _ = parse_recipe(recipe)  # the shapes of args, models and rules, checked like a recipe file
        weights = field(doc, "weights", dict, {})
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights.values()):
            raise InvalidInput("field 'weights' must map version names to numbers")
        options = {
            "spec": spec,
            "weights": weights,
            "ancestor": field(doc, "base", str, None),
            "name": field(doc, "name", str, None),
            "message": field(doc, "message", str, ""),
        }
        if "versions" in doc:
            versions = merge_versions_of(string_list(doc, "versions"))
        else:
            versions = merge_versions_of([field(doc, "a", str), field(doc, "b", str)])
        preview = merge_versions(repo, *versions, dry_run=True, **options)  # raises on bad input
        title = f"merge {', '.join(versions)} ({spec.strategy})"
        if field(doc, "dry_run", bool, False):
            return "plan " + title, lambda repo, progress: preview.to_json()
        return title, lambda repo, progress: merge_versions(repo, *versions, progress=progress, **options).to_json()


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
