"""Handlers of long operations: ``POST`` validates the request, queues a job, answers 202.

The request is checked before anything is queued (unknown versions, strategies or fields
answer 4xx at once); the job then calls one core function with the job's progress
callback.  ``GET jobs/{id}`` follows it; ``DELETE jobs/{id}`` cancels it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import web

from ..core.progress import Progress
from ..core.repository import Repository
from ..core.schema import GcPayload, JobKind, JobList, VerifyPayload
from .base import MgitHandler, field
from .jobs import Work

#: a job's work on the repository: called on the job's thread as ``fn(repo, progress)``
RepoWork = Callable[[Repository, Progress], Any]


class JobLauncher(MgitHandler):
    """Base of the ``POST`` routes that start a job; subclasses define :meth:`plan`."""

    #: the job's kind, as in JobPayload.kind
    kind: JobKind = "gc"
    #: body fields besides ``repo``
    fields: frozenset[str] = frozenset()

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        """Check the request against ``repo``; return the job's title and its work."""
        raise NotImplementedError

    @web.authenticated
    async def post(self) -> None:
        doc = self.body(set(self.fields) | {"repo"})
        rel, repo = self.repository(field(doc, "repo", str, ""))
        title, fn = await self.call(self.plan, doc, repo)
        job = self.jobs.submit(self.kind, rel, title, on_own_repository(repo.root, fn))
        self.set_header("Location", url_path_join(self.base_url, "mgit", "api", "jobs", job.id))
        self.reply(job.to_json(), status=202)


def on_own_repository(root: Path, fn: RepoWork) -> Work:
    """``fn`` run on a Repository object of its own, so that the server's reads never wait
    on the job's store (the repository's lock still serializes writers)."""

    def work(progress: Progress) -> Any:
        repo = Repository(root)
        try:
            return fn(repo, progress)
        finally:
            repo.close()

    return work


class GcHandler(JobLauncher):
    kind = "gc"

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        def work(repo: Repository, progress: Progress) -> GcPayload:
            from ..core.verbs.maintenance import gc, gc_payload  # numpy, h5py: in the job

            report = gc(repo, progress)
            return gc_payload(report, report.sketches_removed)

        return "collect garbage", work


class VerifyHandler(JobLauncher):
    kind = "verify"
    fields = frozenset({"repair"})

    def plan(self, doc: dict[str, Any], repo: Repository) -> tuple[str, RepoWork]:
        repair = field(doc, "repair", bool, False)

        def work(repo: Repository, progress: Progress) -> VerifyPayload:
            from ..core.verbs.maintenance import verify, verify_payload

            return verify_payload(verify(repo, progress, repair=repair))

        return "verify the repository" + (" and repair indexes" if repair else ""), work


class JobsHandler(MgitHandler):
    @web.authenticated
    def get(self) -> None:
        payload: JobList = {"jobs": [job.to_json() for job in self.jobs.jobs()]}
        self.reply(payload)


class JobHandler(MgitHandler):
    @web.authenticated
    def get(self, job_id: str) -> None:
        self.reply(self.jobs.get(job_id).to_json())

    @web.authenticated
    def delete(self, job_id: str) -> None:
        self.reply(self.jobs.cancel(job_id).to_json())
