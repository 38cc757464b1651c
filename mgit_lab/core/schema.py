"""Every JSON payload mgit-lab emits (REST API, widget traitlets, ``mgit ... --json``).

One block per feature; ``src/tokens.ts`` mirrors these shapes.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


# ============================================================== REST server (server helper)
class ErrorPayload(TypedDict):
    """The body of every 4xx/5xx answer of the REST API."""

    message: str
    hint: str | None


class ServerVersion(TypedDict):
    version: str


class RepositoryInfo(TypedDict):
    """A repository under the server's root; ``path`` is relative to the root ('' = the root)."""

    path: str
    name: str


class RepositoryList(TypedDict):
    repositories: list[RepositoryInfo]
    #: the repository at or above the ``near`` path asked about (None when there is none)
    nearest: str | None
    #: True when the search stopped before reading every folder
    truncated: bool


class RevisionPayload(TypedDict):
    repo: str
    revision: int


class JobProgress(TypedDict):
    done: int
    total: int
    #: done / total, or None while the total is unknown
    fraction: float | None
    step: str


class JobError(TypedDict):
    message: str
    hint: str | None
    #: the HTTP status the same error would have had as a direct answer
    status: int


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["diff", "tests", "merge", "cascade", "gc", "verify"]


class JobPayload(TypedDict):
    """A long operation run by the server (diff, tests, merge, cascade, gc, verify)."""

    id: str
    kind: JobKind
    repo: str
    title: str
    status: JobStatus
    cancel_requested: bool
    created: str
    started: str | None
    finished: str | None
    progress: JobProgress
    log: list[str]
    #: the operation's payload once done (shape depends on ``kind``)
    result: Any
    error: JobError | None


class JobList(TypedDict):
    jobs: list[JobPayload]


# ============================================================== end of REST server block
