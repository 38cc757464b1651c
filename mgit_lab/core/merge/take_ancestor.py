"""take-ancestor: revert every conflicting parameter to the common ancestor's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import MergeStrategy, Param


class TakeAncestor(MergeStrategy):
    name = "take-ancestor"
    description = "revert every conflict to the common ancestor (parameters it lacks are dropped)"
    needs_ancestor = True
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
        return ancestor
