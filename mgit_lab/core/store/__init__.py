"""Content-addressed tensor objects in immutable HDF5 packs; index; gc; verify.

The names below load on first use (PEP 562): a command that only reads the lineage, or
only takes the writer lock, never imports numpy or h5py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .atomic import atomic_write_bytes, atomic_write_json, disk_full_as_error
    from .hashing import object_id
    from .lock import WriterLock
    from .maintenance import GcReport, Problem, VerifyReport, collect_garbage, repair_indexes, verify_store
    from .object_info import ObjectInfo
    from .objects import ObjectStore
    from .writer import StoreWriter

#: exported name -> the submodule that defines it
_EXPORTS = {
    "atomic_write_bytes": "atomic",
    "atomic_write_json": "atomic",
    "disk_full_as_error": "atomic",
    "object_id": "hashing",
    "WriterLock": "lock",
    "GcReport": "maintenance",
    "Problem": "maintenance",
    "VerifyReport": "maintenance",
    "collect_garbage": "maintenance",
    "repair_indexes": "maintenance",
    "verify_store": "maintenance",
    "ObjectInfo": "object_info",
    "ObjectStore": "objects",
    "StoreWriter": "writer",
}

__all__ = [
    "GcReport",
    "ObjectInfo",
    "ObjectStore",
    "Problem",
    "StoreWriter",
    "VerifyReport",
    "WriterLock",
    "atomic_write_bytes",
    "atomic_write_json",
    "collect_garbage",
    "disk_full_as_error",
    "disk_full_as_error",
    "object_id",
    "repair_indexes",
    "verify_store",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
