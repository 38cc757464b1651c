"""task-arithmetic: ancestor + scale_a * (A - ancestor) + scale_b * (B - ancestor).

Ilharco et al., "Editing models with task arithmetic" (ICLR 2023): each fine-tune's
task vector is its difference from the shared ancestor; scaled task vectors are added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import Argument, ArithmeticStrategy


class TaskArithmetic(ArithmeticStrategy):
    name = "task-arithmetic"
    description = "ancestor + scale_a * (A - ancestor) + scale_b * (B - ancestor)"
    needs_ancestor = True
    resolves = ("both_changed",)
    arguments = (
        Argument(
            "scale_a",
            "float",
            1.0,
            "scale of A's task vector (negative forgets the task)",
            -10.0,
            10.0,
        ),
        Argument(
            "scale_b",
            "float",
            1.0,
            "scale of B's task vector (negative forgets the task)",
            -10.0,
            10.0,
        ),
    )

    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        assert ancestor is not None
        return ancestor + float(args["scale_a"]) * (a - ancestor) + float(args["scale_b"]) * (b - ancestor)
