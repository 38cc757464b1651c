"""How many threads the codecs use, and the one pool they share.

Codecs that cut a tensor into independent blocks (``float-planes``, ``ordered-delta``
with ``block``) encode and decode the blocks on this pool: zstd and numpy release the
GIL, so two cores encode almost twice as fast.  The bytes written never depend on the
thread count (block boundaries are part of the format, not of the schedule).

The count comes from :func:`using` (the store wraps its reads and writes in its
``threads`` setting), else :func:`set_threads`, else the environment variable
``MGIT_THREADS``, else the machine's cores (at most 8).

:func:`measuring` splits the CPU time of work run on one thread into the part inside
:func:`pmap` (what more threads share) and the rest (serial), the Amdahl figure that a
busy machine's wall clock cannot give.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_MAX_DEFAULT = 8
_lock = threading.Lock()
_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()


def default_threads() -> int:
    """``MGIT_THREADS`` if set (and a positive integer), else the cores, at most 8."""
    env = os.environ.get("MGIT_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(_MAX_DEFAULT, os.cpu_count() or 1))


def threads() -> int:
    """The number of threads codecs use now (in this calling thread)."""
    local = getattr(_local, "threads", None)
    if local is not None:
        return int(local)
    return _threads if _threads is not None else default_threads()


def _check(n: int | None) -> None:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"threads must be a positive integer, got {n!r}")


@contextmanager
def using(n: int | None) -> Iterator[None]:
    """Codec calls made by this thread inside the block use ``n`` threads (None: unchanged)."""
    _check(n)
    old = getattr(_local, "threads", None)
    if n is not None:
        _local.threads = n
    try:
        yield
    finally:
        _local.threads = old


def set_threads(n: int | None) -> None:
    """Use ``n`` threads from now on (None: back to :func:`default_threads`).

    Raises
    ------
    ValueError
        When ``n`` is not a positive integer.
    """
    global _threads
    _check(n)
    _threads = n


def _get_pool(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != n:
            old = _pool
            _pool, _pool_size = ThreadPoolExecutor(max_workers=n, thread_name_prefix="mgit-codec"), n
            if old is not None:
                old.shutdown(wait=False)
        return _pool


@dataclass
class CpuSplit:
    """CPU seconds of this thread's work: ``total`` and the part ``parallel`` inside :func:`pmap`."""

    total: float = 0.0
    parallel: float = 0.0

    @property
    def serial_share(self) -> float:
        return 1.0 - self.parallel / self.total if self.total > 0 else 0.0

    def bound(self, n: int) -> float:
        """Amdahl's bound on the speedup with ``n`` threads."""
        s = self.serial_share
        return 1.0 / (s + (1.0 - s) / n)


@contextmanager
def measuring() -> Iterator[CpuSplit]:
    """Measure the work of this thread inside the block, run on one thread (as :func:`using`
    ``(1)``): every :func:`pmap` of more than one item then runs inline and its CPU time is
    counted as parallel."""
    split = CpuSplit()
    old = getattr(_local, "split", None)
    _local.split = split
    start = time.thread_time()
    try:
        with using(1):
            yield split
    finally:
        split.total += time.thread_time() - start
        _local.split = old


def pmap(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, run on the shared pool when more than one thread is set.

    Calls made from inside a pool task run serially (no nested fan-out, no deadlock).
    """
    work = list(items)
    n = threads()
    if n <= 1 or len(work) <= 1 or getattr(_local, "inside", False):
        split = getattr(_local, "split", None)
        if split is None or len(work) <= 1 or getattr(_local, "inside", False):
            return [fn(x) for x in work]
        start = time.thread_time()
        _local.inside = True  # nested pmaps are counted once
        try:
            return [fn(x) for x in work]
        finally:
            _local.inside = False
            split.parallel += time.thread_time() - start

    def task(x: T) -> R:
        _local.inside = True
        try:
            return fn(x)
        finally:
            _local.inside = False

    return list(_get_pool(n).map(task, work))
