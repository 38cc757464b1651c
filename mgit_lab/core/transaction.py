"""The handle of one open write: what :meth:`Repository.transaction` yields.

The kernel commits what the handle gathered in git's order (objects, then files, then the
lineage); see :mod:`.repository`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .lineage import LineageGraph

if TYPE_CHECKING:
    import numpy as np

    from .store import StoreWriter


class Transaction:
    """The handle of one open write (see :meth:`Repository.transaction`).

    ``graph`` is the transaction's private copy of the lineage; :meth:`put` stores an
    object in the pack being written; :meth:`write_file` queues a file written after the
    objects and before the lineage."""

    def __init__(self, graph: LineageGraph, writer: StoreWriter) -> None:
        self.graph = graph
        self._writer = writer
        self.files: list[tuple[Path, bytes]] = []
        self.recharge = False  # recompute every version's stored figures at commit (gc)

    def put(
        self,
        array: np.ndarray,
        dtype: str,
        *,
        base: str | None = None,
        lossy_bound: float | None = None,
        oid: str | None = None,
    ) -> str:
        """Store one tensor (a delta against object ``base`` when that is smaller); returns
        its object id.  ``oid`` is its content hash when already known."""
        return self._writer.put(array, dtype, base=base, lossy_bound=lossy_bound, oid=oid)

    def write_file(self, path: Path, data: bytes) -> None:
        """Write ``path`` when the transaction commits (after its objects)."""
        self.files.append((path, data))

    @property
    def written(self) -> set[str]:
        """The objects written by this transaction so far."""
        return set(self._writer.pack.objects)
