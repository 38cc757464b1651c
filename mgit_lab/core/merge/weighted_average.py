"""weighted-average: alpha * A + (1 - alpha) * B (weights sum to one; divided once)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import Argument, ArithmeticStrategy


class WeightedAverage(ArithmeticStrategy):
    name = "weighted-average"
    description = "alpha * A + (1 - alpha) * B; needs no ancestor"
    arguments = (Argument("alpha", "float", 0.5, "weight of A (B gets 1 - alpha)", 0.0, 1.0),)

    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        alpha = float(args["alpha"])
        return alpha * a + (1.0 - alpha) * b
