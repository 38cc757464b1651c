"""take-a, take-b, take-ancestor: resolve every conflict by keeping one side's value.

One side's value includes its removal: taking a side that removed a parameter removes it.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from .base import MergeStrategy, Param


class TakeSide(MergeStrategy):
    """Keep the value of the side named by ``side`` (``"a"``, ``"b"`` or ``"ancestor"``)."""

    @property
    @abstractmethod
    def side(self) -> str:
        """``"a"``, ``"b"`` or ``"ancestor"`` (subclasses set it as a class attribute)."""

    resolves = (
        "both_changed",
        "both_added",
        "removed_a_changed_b",
        "changed_a_removed_b",
        "shape_conflict",
    )

    def merge(
        self,
        a: Param | None,
        b: Param | None,
        ancestor: Param | None,
        args: Mapping[str, Any],
    ) -> Param | None:
        return {"a": a, "b": b, "ancestor": ancestor}[self.side]


class TakeA(TakeSide):
    name = "take-a"
    side = "a"
    description = "keep A's value for every conflict (a removal in A removes it)"


class TakeB(TakeSide):
    name = "take-b"
    side = "b"
    description = "keep B's value for every conflict (a removal in B removes it)"


class TakeAncestor(TakeSide):
    name = "take-ancestor"
    side = "ancestor"
    description = "revert every conflict to the common ancestor (parameters it lacks are dropped)"
    needs_ancestor = True
