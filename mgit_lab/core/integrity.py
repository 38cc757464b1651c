"""Checks that tie stored objects to the versions that record them.

The store checks each object against its content hash; this module checks that the object
a manifest names is the tensor the manifest describes (dtype and shape), and turns damage
into one error that names the object and every version that needs it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .errors import Corrupt, MgitError, NotFound
from .lineage import ModelVersion, TensorRef
from .store import ObjectStore


def chain_of(store: ObjectStore, oid: str) -> list[str]:
    """``oid`` and the delta bases it depends on, nearest first (stops at a missing one)."""
    chain: list[str] = []
    cur: str | None = oid
    while cur and cur not in chain:
        chain.append(cur)
        try:
            cur = store.info(cur).base
        except MgitError:
            break
    return chain


def versions_needing(store: ObjectStore, versions: Iterable[ModelVersion], oids: set[str]) -> list[str]:
    """Names of the versions whose tensors are, or are deltas on, one of ``oids``."""
    names = []
    for v in versions:
        try:
            refs = v.manifest.values()
        except MgitError:
            continue
        if any(oids.intersection(chain_of(store, t.oid)) for t in refs):
            names.append(v.name)
    return sorted(names)


def mismatch(store: ObjectStore, ref: TensorRef) -> str | None:
    """Why the stored object differs from what the manifest records (None when it fits)."""
    spec = store.info(ref.oid).spec
    if spec.dtype != ref.dtype or list(spec.shape) != list(ref.shape):
        return (
            f"the manifest records {ref.dtype}{list(ref.shape)} but object {ref.oid[:12]} "
            f"holds {spec.dtype}{list(spec.shape)}"
        )
    return None


def decode_checked(
    store: ObjectStore, version: ModelVersion, name: str, ref: TensorRef, every: Iterable[ModelVersion]
) -> np.ndarray:
    """Tensor ``name`` of ``version``, or :class:`Corrupt` naming the object and the versions
    that need it (a missing object, damaged bytes, or a dtype/shape the manifest does not record)."""
    why: str | None
    try:
        if store.has(ref.oid):
            why = mismatch(store, ref)
            if why is None:
                return store.get(ref.oid)  # an unknown codec (a newer mgit) stays NotFound
        else:
            why = f"object {ref.oid[:12]} is missing from every pack"
            store.info(ref.oid)  # raises NotFound naming the damaged packs, if any
    except Corrupt as exc:
        why = exc.message
    except NotFound as exc:
        if store.has(ref.oid):
            raise  # an unknown codec (written by a newer mgit) is not damage
        why = exc.message
    problem = f"tensor {name!r} of version {version.name!r}: {why}"
    needing = versions_needing(store, every, set(chain_of(store, ref.oid)[:1]))
    raise Corrupt(
        f"{problem}; versions that need it: {', '.join(needing) or version.name}",
        hint="run `mgit verify` for the full damage report; restore the repository's packs from a backup",
    )
