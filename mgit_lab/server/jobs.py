"""Long operations run as jobs on worker threads, off the server's event loop.

A job wraps one core call taking a :data:`~mgit_lab.core.progress.Progress` callback.  The
callback records progress (fraction, current step, log lines) and is where cancellation
happens: once cancelled, the next progress report raises :class:`Cancelled`, which unwinds
the core call; writes run in ``repo.transaction()``, so a cancelled write leaves nothing
behind.  Finished jobs keep their result or error for a while, then are forgotten.

Workers are daemon threads started on demand and ended when idle, so a server that stops
never waits for them (an interrupted write costs at worst an orphan pack that ``gc`` drops).
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from ..core.errors import Conflict, MgitError, NotFound
from ..core.progress import Progress
from ..core.schema import JobError, JobKind, JobPayload, JobStatus

log = logging.getLogger(__name__)

#: a job's work: called with the job's progress callback, returns a JSON-ready result
Work = Callable[[Progress], Any]

_current = threading.local()

#: a running job sleeps YIELD_FOR seconds in its progress reports at most every
#: YIELD_EVERY seconds, so that the server's other threads get the GIL (see Job.progress)
YIELD_EVERY = 0.005
YIELD_FOR = 0.0002

_heap_lock = threading.Lock()
_heap_jobs = 0
_heap_frozen = False


@contextmanager
def server_heap_frozen() -> Iterator[None]:
    """Keep the objects the server held before a job started out of the cycle collector's
    full collections while jobs run (``gc.freeze()`` at the first job, ``gc.unfreeze()``
    after the last).

    A job makes tens of thousands of objects (a store's index, manifests) that live for
    the whole job; enough of them set off full collections, which walk every object of
    the process with the GIL held: 0.24-0.45 s each in a server of 620,000 objects,
    during which no request is answered.  Frozen, the server's own objects are not
    walked; the job's are, and its garbage is collected as before.  Nothing is kept
    alive: the frozen objects go back to the oldest generation when the jobs end.  When
    something else froze objects first, this does nothing (it would unfreeze theirs).
    """
    global _heap_jobs, _heap_frozen
    with _heap_lock:
        if _heap_jobs == 0:
            _heap_frozen = gc.get_freeze_count() == 0
            if _heap_frozen:
                gc.freeze()
        _heap_jobs += 1
    try:
        yield
    finally:
        with _heap_lock:
            _heap_jobs -= 1
            if _heap_jobs == 0 and _heap_frozen:
                gc.unfreeze()
                _heap_frozen = False


class Cancelled(BaseException):
    """Raised in a running job's progress callback once the job is cancelled.

    A ``BaseException`` (like ``KeyboardInterrupt``), so that core code catching
    ``Exception`` or ``MgitError`` to report a failure does not swallow it; transactions
    roll back on any exception.
    """


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Job:
    """One long operation: its state, progress, log and outcome (thread-safe)."""

    def __init__(self, kind: JobKind, repo: str, title: str, work: Work, log_lines: int = 200) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.kind = kind
        self.repo = repo
        self.title = title
        self.work = work
        self.status: JobStatus = "queued"
        self.created = _now()
        self.started: str | None = None
        self.finished: str | None = None
        self.done = 0
        self.total = 0
        self.step = ""
        self.result: Any = None
        self.error: JobError | None = None
        self.ended_at: float | None = None
        self._t0 = 0.0
        self._yielded = 0.0
        self._log: deque[str] = deque(maxlen=log_lines)
        self._lock = threading.Lock()
        self._cancel = threading.Event()

    # ------------------------------------------------------------ called by the work
    def progress(self, done: int, total: int, step: str) -> None:
        """The core's progress callback; raises :class:`Cancelled` once cancelled."""
        if self._cancel.is_set():
            raise Cancelled(f"job {self.id} ({self.title}) was cancelled")
        now = time.monotonic()
        if now - self._yielded >= YIELD_EVERY:
            # a job's thread gives the GIL away now and then: CPython hands it over on its
            # own only after 5 ms, and not at all to a waiting thread that each of the
            # job's brief releases (a small read, a hash) wakes and then outruns; the
            # server's event loop needs it several times per request
            time.sleep(YIELD_FOR)
            self._yielded = time.monotonic()
        with self._lock:
            if step != self.step:
                self._append(step)
            self.done, self.total, self.step = int(done), int(total), str(step)

    def note(self, line: str) -> None:
        """Append one line to the job's log."""
        with self._lock:
            self._append(line)

    def _append(self, line: str) -> None:
        self._log.append(f"{time.strftime('%H:%M:%S')} {line}")

    # ------------------------------------------------------------ called by the runner
    def cancel(self) -> bool:
        """Ask the job to stop; True when it had not finished yet."""
        with self._lock:
            if self.status in ("done", "failed", "cancelled"):
                return False
            self._cancel.set()
            if self.status == "queued":
                self._end("cancelled")
                self._append("cancelled before it started")
            else:
                self._append("cancel requested")
            return True

    def _start(self) -> bool:
        with self._lock:
            if self.status != "queued":
                return False
            self.status, self.started, self._t0 = "running", _now(), time.monotonic()
            self._append(f"started: {self.title}")
            return True

    def _end(self, status: JobStatus) -> None:
        self.status, self.finished, self.ended_at = status, _now(), time.monotonic()

    def run(self) -> None:
        """Run the work on this thread and record its outcome; never raises."""
        if not self._start():
            return
        _current.job = self
        try:
            result = self.work(self.progress)
        except Cancelled:
            with self._lock:
                self._end("cancelled")
                self._append("cancelled")
        except MgitError as exc:
            with self._lock:
                self.error = {
                    "message": exc.message,
                    "hint": exc.hint,
                    "status": exc.http_status,
                }
                self._end("failed")
                self._append(f"failed: {exc}")
        except Exception as exc:  # a job records every failure rather than kill its worker
            log.exception("mgit job %s (%s) failed", self.id, self.title)
            with self._lock:
                self.error = {
                    "message": f"internal error: {type(exc).__name__}: {exc}",
                    "hint": "see the Jupyter server log for details",
                    "status": 500,
                }
                self._end("failed")
                self._append(f"failed: {type(exc).__name__}: {exc}")
        else:
            with self._lock:
                self.result = result
                if self.total:
                    self.done = self.total
                self._end("done")
                self._append(f"finished in {time.monotonic() - self._t0:.2f} s")
        finally:
            _current.job = None

    def to_json(self) -> JobPayload:
        with self._lock:
            fraction = min(1.0, self.done / self.total) if self.total else (1.0 if self.status == "done" else None)
            return {
                "id": self.id,
                "kind": self.kind,
                "repo": self.repo,
                "title": self.title,
                "status": self.status,
                "cancel_requested": self._cancel.is_set(),
                "created": self.created,
                "started": self.started,
                "finished": self.finished,
                "progress": {
                    "done": self.done,
                    "total": self.total,
                    "fraction": fraction,
                    "step": self.step,
                },
                "log": list(self._log),
                "result": self.result,
                "error": self.error,
            }


class JobLogHandler(logging.Handler):
    """Passes mgit's log records to the server's log, and copies those emitted on a
    job's thread into that job's log."""

    def __init__(self, server_log: logging.Logger) -> None:
        super().__init__()
        self.server_log = server_log

    def emit(self, record: logging.LogRecord) -> None:
        job = getattr(_current, "job", None)
        if job is not None:
            job.note(f"{record.levelname.lower()}: {record.getMessage()}")
        self.server_log.handle(record)


class JobRunner:
    """Runs jobs on up to ``workers`` daemon threads and remembers finished ones.

    Parameters
    ----------
    workers : int
        Jobs running at once; later ones wait in order.
    keep_seconds : float
        How long a finished job stays readable.
    keep_max : int
        At most this many finished jobs are kept (oldest dropped first).
    """

    def __init__(
        self,
        workers: int = 2,
        keep_seconds: float = 3600.0,
        keep_max: int = 100,
        idle_seconds: float = 5.0,
    ):
        self.workers = workers
        self.keep_seconds = keep_seconds
        self.keep_max = keep_max
        self.idle_seconds = idle_seconds
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._closed = False

    def submit(self, kind: JobKind, repo: str, title: str, work: Work) -> Job:
        """Queue ``work`` as a new job and return it at once."""
        job = Job(kind, repo, title, work)
        with self._lock:
            if self._closed:
                raise Conflict(
                    "the server is shutting down",
                    hint="try again once it has restarted",
                )
            self._prune()
            self._jobs[job.id] = job
            self._queue.put(job)
            if self._queue.qsize() > self._idle and len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._worker,
                    name=f"mgit-job-{len(self._threads)}",
                    daemon=True,
                )
                self._threads.add(thread)
                thread.start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(
                f"no job {job_id!r}",
                hint="finished jobs are forgotten after a while; list them with GET jobs",
            )
        return job

    def jobs(self) -> list[Job]:
        """Known jobs, newest first."""
        with self._lock:
            self._prune()
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        job.cancel()
        return job

    def shutdown(self) -> None:
        """Cancel every job and let the workers end."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
            for _ in self._threads:
                self._queue.put(None)
        for job in jobs:
            job.cancel()

    def _prune(self) -> None:
        now = time.monotonic()
        ended = sorted(
            (j for j in self._jobs.values() if j.ended_at is not None),
            key=lambda j: j.ended_at or 0.0,
        )
        for i, job in enumerate(ended):
            if now - (job.ended_at or now) > self.keep_seconds or len(ended) - i > self.keep_max:
                del self._jobs[job.id]

    def _worker(self) -> None:
        me = threading.current_thread()
        while True:
            with self._lock:
                self._idle += 1
            try:
                job = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                job = None
            with self._lock:
                self._idle -= 1
                if job is None:
                    if self._queue.empty() or self._closed:
                        self._threads.discard(me)
                        return
                    continue
            with server_heap_frozen():
                job.run()
