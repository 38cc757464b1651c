"""What the index knows about one stored object (shared by the store's reader and writer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..codecs.abc import TensorSpec


@dataclass(frozen=True)
class ObjectInfo:
    """What the index knows about one stored object."""

    oid: str
    spec: TensorSpec
    base: str | None
    depth: int
    stored_nbytes: int
    codecs: tuple[str, ...]
    pack: str
    #: successive deltas since the last whole object in the lineage (>= depth, the hops
    #: decoding takes; see :mod:`.base_choice`)
    generation: int = 0

    @property
    def raw_nbytes(self) -> int:
        return self.spec.nbytes


def object_info(oid: str, entry: dict[str, Any], pack: str) -> ObjectInfo:
    depth = int(entry.get("depth", 0))
    return ObjectInfo(
        oid=oid,
        spec=TensorSpec(entry["dtype"], tuple(entry["shape"])),
        base=entry.get("base"),
        depth=depth,
        stored_nbytes=sum(c[1] for c in entry["chunks"]),
        codecs=tuple(sorted({c[3]["id"] for c in entry["chunks"]})),
        pack=pack,
        # objects from before generations were recorded have linear chains: gen == depth
        generation=int(entry.get("gen", depth)),
    )
