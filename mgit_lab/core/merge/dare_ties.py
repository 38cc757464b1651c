"""dare-ties: DARE's random drop and rescale, then TIES' sign election and disjoint mean."""

from __future__ import annotations

from .dare_linear import DARE_TIES
from .task_vectors import (
    LAMBDA,
    RESCALE,
    WEIGHT,
    TaskVectorStrategy,
    density_argument,
    mode_argument,
    normalize_argument,
)


class DareTies(TaskVectorStrategy):
    name = "dare-ties"
    description = "DARE then TIES: random drop (keep density) and rescale, elect signs, average the agreeing entries"
    reference = "https://arxiv.org/abs/2311.03099"
    modes = ("mergekit", "paper")
    ties = DARE_TIES + (
        "; mergekit: an exact cancellation elects + and the election is weighted; "
        "paper: unweighted election, a cancellation keeps the ancestor"
    )
    randomised = True
    sparsification = "random"
    consensus = True
    arguments = (WEIGHT, density_argument(0.5), normalize_argument(False), RESCALE, LAMBDA, mode_argument(modes))
