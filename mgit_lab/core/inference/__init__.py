"""Parent inference: which stored version a new model most likely came from, and why.

The names below load on first use (PEP 562): numpy is imported only when inference runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .confidence import DEFAULT_MAX_DISTANCE

if TYPE_CHECKING:
    from .infer import Compatibility, compatibility, infer_parent
    from .sketch_index import SketchIndex

_EXPORTS = {
    "Compatibility": "infer",
    "compatibility": "infer",
    "infer_parent": "infer",
    "SketchIndex": "sketch_index",
}

__all__ = ["DEFAULT_MAX_DISTANCE", "Compatibility", "SketchIndex", "compatibility", "infer_parent"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
