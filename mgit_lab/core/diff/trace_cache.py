"""A cache of traced skeletons, keyed by everything a trace depends on.

Tracing a BERT-base takes most of a second; the result depends only on the architecture
(the module tree and its config), the collapse patterns, the example inputs and the
library versions, never on the weights.  Entries live in memory (bounded) and, when a
folder is given (a repository's ``.mgit/cache/diff``), on disk as small JSON files written
atomically.  A cache entry is derived data: deleting the folder is always safe.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import blake3
import torch

from ..store import atomic_write_json
from .flow import Skeleton
from .graph import GRAPH_FORMAT

_MAX_ENTRIES = 32
_memory: OrderedDict[str, Skeleton] = OrderedDict()


def library_versions() -> dict[str, str]:
    out = {"torch": torch.__version__, "graph_format": str(GRAPH_FORMAT)}
    try:
        import transformers

        out["transformers"] = transformers.__version__
    except ImportError:
        pass
    return out


def cache_key(parts: dict[str, Any]) -> str:
    """A stable digest of ``parts`` (JSON-able) plus the library versions."""
    doc = json.dumps({"parts": parts, "versions": library_versions()}, sort_keys=True, default=str)
    return blake3.blake3(doc.encode()).hexdigest()[:32]


def lookup(key: str, folder: Path | None = None) -> Skeleton | None:
    """The cached skeleton for ``key`` (memory first, then ``folder``), or None."""
    hit = _memory.get(key)
    if hit is not None:
        _memory.move_to_end(key)
        return hit
    if folder is not None:
        path = Path(folder) / f"{key}.json"
        try:
            hit = Skeleton.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        _remember(key, hit)
    return hit


def store(key: str, skeleton: Skeleton, folder: Path | None = None) -> None:
    """Remember ``skeleton`` in memory and, best effort, in ``folder``."""
    _remember(key, skeleton)
    if folder is not None:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            atomic_write_json(Path(folder) / f"{key}.json", skeleton.to_json())
        except OSError:
            pass  # a read-only repository still diffs, only slower


def clear_memory() -> None:
    """Forget every in-memory entry (benchmarks measure cold traces with it)."""
    _memory.clear()


def _remember(key: str, skeleton: Skeleton) -> None:
    _memory[key] = skeleton
    _memory.move_to_end(key)
    while len(_memory) > _MAX_ENTRIES:
        _memory.popitem(last=False)
