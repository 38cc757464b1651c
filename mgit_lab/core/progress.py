"""The progress callback every long core operation accepts.

``progress(done, total, step)``: ``done`` of ``total`` units of the step named ``step``
are finished.  Faces turn it into tqdm bars (CLI), job progress (server) or widgets.
Core code never prints.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, step: str) -> None:
    """A progress callback that ignores everything."""
