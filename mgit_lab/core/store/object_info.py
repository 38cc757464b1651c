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

    @property
    def raw_nbytes(self) -> int:
        return self.spec.nbytes


def object_info(oid: str, entry: dict[str, Any], pack: str) -> ObjectInfo:
    return ObjectInfo(
        oid=oid,
        spec=TensorSpec(entry["dtype"], tuple(entry["shape"])),
        base=entry.get("base"),
        depth=int(entry.get("depth", 0)),
        stored_nbytes=sum(c[1] for c in entry["chunks"]),
        codecs=tuple(sorted({c[3]["id"] for c in entry["chunks"]})),
        pack=pack,
    )
