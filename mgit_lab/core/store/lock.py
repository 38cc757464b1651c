"""The writer lock: one writer at a time per repository, across processes and threads.

Readers never take it: packs are immutable and every reference file is replaced
atomically, so a reader sees either the old or the new state.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Conflict


class WriterLock:
    """A re-entrant, inter-process exclusive lock on ``path`` (``fcntl.flock``)."""

    def __init__(self, path: Path, timeout: float = 120.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock for the duration of the ``with`` block.

        Raises
        ------
        Conflict
            When another process keeps it longer than ``timeout`` seconds.
        """
        limit = self.timeout if timeout is None else timeout
        if not self._thread_lock.acquire(timeout=limit):
            raise Conflict("the repository is busy in another thread", hint="try again shortly")
        try:
            if self._depth == 0:
                self._acquire_file(limit)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release_file()
        finally:
            self._thread_lock.release()

    def _acquire_file(self, limit: float) -> None:
        # Fairness: a waiter first takes the turnstile, then waits for the lock.  A holder
        # that releases and wants the lock again must pass the turnstile too, so it cannot
        # starve a waiting process by re-taking the lock before the waiter wakes up.
        deadline = time.monotonic() + limit
        gate = self._flock(self.path.with_name(self.path.name + ".turnstile"), deadline)
        try:
            self._fd = self._flock(self.path, deadline)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
            os.close(gate)

    def _flock(self, path: Path, deadline: float) -> int:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Conflict(
                        f"another mgit process has been writing to this repository for over {self.timeout:.0f} s",
                        hint=f"wait for it to finish; the lock is {self.path}",
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)

    def _release_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
