"""take-a: keep A's value (or A's removal) for every conflicting parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import MergeStrategy, Param


class TakeA(MergeStrategy):
    name = "take-a"
    description = "keep A's value for every conflict (a removal in A removes it)"
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
        return a
