"""ties: TIES-merging (Yadav et al., NeurIPS 2023): trim, elect sign, disjoint mean.

For each conflicting parameter, with task vectors ``t_a = A - ancestor`` and
``t_b = B - ancestor``:

1. trim: keep in each task vector its ``ceil(density * n)`` entries of largest magnitude
   (at least one), zero the rest;
2. elect: the sign of each entry is the sign of the sum of the trimmed vectors;
3. disjoint mean: average, per entry, only the trimmed values that agree with the
   elected sign (zero where none does);

and the result is ``ancestor + scale * merged``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import Argument, ArithmeticStrategy


def trim(task: np.ndarray, density: float) -> np.ndarray:
    """``task`` with all but its ``ceil(density * n)`` largest-magnitude entries zeroed."""
    flat = task.reshape(-1)
    keep = max(1, math.ceil(density * flat.size)) if flat.size else 0
    if keep >= flat.size:
        return task.copy()
    threshold = np.partition(np.abs(flat), flat.size - keep)[flat.size - keep]
    return np.where(np.abs(task) >= threshold, task, 0.0)


class Ties(ArithmeticStrategy):
    name = "ties"
    description = "TIES-merging: trim task vectors to the top density, elect signs, average the agreeing entries"
    needs_ancestor = True
    resolves = ("both_changed",)
    arguments = (
        Argument(
            "density",
            "float",
            0.2,
            "fraction of each task vector kept (largest magnitudes)",
            0.0001,
            1.0,
        ),
        Argument("scale", "float", 1.0, "scale of the merged task vector", 0.0, 10.0),
    )

    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        assert ancestor is not None
        density = float(args["density"])
        tasks = np.stack([trim(a - ancestor, density), trim(b - ancestor, density)])
        elected = np.sign(tasks.sum(axis=0))
        agree = (np.sign(tasks) == elected) & (tasks != 0)
        count = agree.sum(axis=0)
        merged = np.where(count > 0, (tasks * agree).sum(axis=0) / np.maximum(count, 1), 0.0)
        return ancestor + float(args["scale"]) * merged
