"""della: DELLA-merging (Deep et al., 2024): magnitude-ranked random drop, then TIES election.

Entries of larger magnitude are kept with higher probability (``density +- epsilon`` by
rank within each row), rescaled, and merged with TIES' sign election and disjoint mean.
"""

from __future__ import annotations

from .base import Argument
from .task_vectors import (
    LAMBDA,
    RESCALE,
    WEIGHT,
    TaskVectorStrategy,
    density_argument,
    mode_argument,
    normalize_argument,
)

EPSILON = Argument(
    "epsilon", "float", 0.15, "keep probabilities span density +- epsilon by magnitude rank", 0.0, 0.5, per_model=True
)
DELLA_TIES = (
    "entries of equal magnitude get ranks in argsort order; mergekit rescales kept entries to the "
    "L1 norm, paper divides each by its keep probability"
)


class Della(TaskVectorStrategy):
    name = "della"
    description = "DELLA: drop entries at random, larger ones kept more often, rescale, elect signs, average"
    reference = "https://arxiv.org/abs/2406.11617"
    modes = ("mergekit", "paper")
    ties = DELLA_TIES + (
        "; mergekit: an exact cancellation elects +, weighted election; paper: unweighted election, "
        "a cancellation keeps the ancestor"
    )
    randomised = True
    sparsification = "della"
    consensus = True
    arguments = (
        WEIGHT,
        density_argument(0.5),
        EPSILON,
        normalize_argument(True),
        RESCALE,
        LAMBDA,
        mode_argument(modes),
    )
