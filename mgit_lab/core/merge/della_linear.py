"""della-linear: DELLA's magnitude-ranked random drop, then the weighted sum (no election)."""

from __future__ import annotations

from .della import DELLA_TIES, EPSILON
from .task_vectors import (
    LAMBDA,
    RESCALE,
    WEIGHT,
    TaskVectorStrategy,
    density_argument,
    mode_argument,
    normalize_argument,
)


class DellaLinear(TaskVectorStrategy):
    name = "della-linear"
    description = "DELLA's drop (larger entries kept more often) and rescale, then the weighted sum"
    reference = "https://arxiv.org/abs/2406.11617"
    modes = ("mergekit", "paper")
    ties = DELLA_TIES + "; opposite entries cancel arithmetically"
    randomised = True
    sparsification = "della"
    arguments = (
        WEIGHT,
        density_argument(0.5),
        EPSILON,
        normalize_argument(False),
        RESCALE,
        LAMBDA,
        mode_argument(modes),
    )
