"""Content-addressed tensor objects in immutable HDF5 packs; index; gc; verify."""

from .atomic import atomic_write_bytes, atomic_write_json, disk_full_as_error
from .hashing import object_id
from .lock import WriterLock
from .maintenance import GcReport, Problem, VerifyReport, collect_garbage, repair_indexes, verify_store
from .objects import ObjectInfo, ObjectStore, StoreWriter

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
    "object_id",
    "repair_indexes",
    "verify_store",
]
