"""take-a, take-b, take-ancestor: resolve every conflict by keeping one side's value.

One side's value includes its removal: taking a side that removed a parameter removes it.
"""

from __future__ import annotations

from abc import abstractmethod

from .base import MergeStrategy, Param, TensorJob


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
        "dtype_conflict",
        "removed_and_changed",
    )
    ties = "no arithmetic: one side's value is kept as stored"

    def merge(self, job: TensorJob) -> Param | None:
        if self.side == "ancestor":
            return job.ancestor
        return job.models[{"a": 0, "b": 1}[self.side]]


class TakeModel(MergeStrategy):
    """Keep the value of the ``index``-th merged version (``--take VERSION:PATTERN``); not registered."""

    resolves = TakeSide.resolves
    ties = TakeSide.ties

    def __init__(self, index: int, label: str) -> None:
        self.index = index
        self.name = f"take:{label}"  # type: ignore[misc]
        self.description = f"keep {label}'s value (a removal in {label} removes it)"  # type: ignore[misc]

    def merge(self, job: TensorJob) -> Param | None:
        return job.models[self.index]


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
