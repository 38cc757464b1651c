"""The names of the store's files on disk, and the dtype names an index may hold.

Standard library only: the index readers (:mod:`.index_doc`, :mod:`.index`) and the HDF5
side (:mod:`.pack`) share these without importing each other.
"""

from __future__ import annotations

PACK_SUFFIX = ".h5"
INDEX_SUFFIX = ".idx.json"
#: the logical dtypes an index entry may name (the keys of ``codecs.abc.STORAGE_DTYPES``,
#: checked equal by a test; repeated here so that reading an index needs no numpy)
STORAGE_DTYPE_NAMES = frozenset(
    ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
    + ("complex64", "complex128")
)
