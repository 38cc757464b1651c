"""dare-linear: DARE (Yu et al., 2023) drop-and-rescale, then task arithmetic.

Each task-vector entry is kept with probability ``density`` (seeded per tensor), the kept
ones rescaled, and the weighted vectors summed onto the ancestor.
"""

from __future__ import annotations

from .task_vectors import (
    LAMBDA,
    RESCALE,
    WEIGHT,
    TaskVectorStrategy,
    density_argument,
    mode_argument,
    normalize_argument,
)

DARE_TIES = (
    "no magnitude selection (random drops); mergekit rescales kept entries to the task vector's L1 norm, "
    "paper divides them by density"
)


class DareLinear(TaskVectorStrategy):
    name = "dare-linear"
    description = "DARE: drop task-vector entries at random (keep density), rescale, add the weighted sum"
    reference = "https://arxiv.org/abs/2311.03099"
    modes = ("mergekit", "paper")
    ties = DARE_TIES + "; opposite entries cancel arithmetically"
    randomised = True
    sparsification = "random"
    arguments = (WEIGHT, density_argument(0.5), normalize_argument(False), RESCALE, LAMBDA, mode_argument(modes))
