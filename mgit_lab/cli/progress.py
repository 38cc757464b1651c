"""tqdm progress bars for core callbacks (stderr, hidden when not a terminal unless forced)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..core.progress import Progress


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A core progress callback drawing one tqdm bar per step name.

    Off a terminal nothing is drawn and tqdm is never imported (its own ``disable=None``
    rule, checked before paying ~30 ms for the import)."""
    bars: dict[str, Any] = {}
    enabled = enabled and _is_terminal(sys.stderr)

    def update(done: int, total: int, step: str) -> None:
        if not enabled:
            return
        bar = bars.get(step)
        if bar is None:
            from tqdm import tqdm  # on the first step only: fast verbs never draw a bar

            bar = bars[step] = tqdm(total=total, desc=step, file=sys.stderr, leave=False, disable=None)
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
