"""take-b: keep B's value (or B's removal) for every conflicting parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import MergeStrategy, Param


class TakeB(MergeStrategy):
    name = "take-b"
    description = "keep B's value for every conflict (a removal in B removes it)"
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
        return b
