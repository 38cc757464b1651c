"""average: the element-wise mean of A and B."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import ArithmeticStrategy


class Average(ArithmeticStrategy):
    name = "average"
    description = "the element-wise mean (A + B) / 2; needs no ancestor"

    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        return (a + b) / 2.0
