"""breadcrumbs: Model Breadcrumbs (Davari & Belilovsky, 2023): drop the outliers and the smallest.

Each task vector loses its ``int(gamma*n)`` largest entries and its smallest ones, keeping
``int(density*n)``; the weighted vectors are summed onto the ancestor.
"""

from __future__ import annotations

from .base import Argument
from .task_vectors import LAMBDA, WEIGHT, TaskVectorStrategy, density_argument, normalize_argument

GAMMA = Argument(
    "gamma", "float", 0.01, "fraction of largest-magnitude entries dropped as outliers", 0.0, 1.0, per_model=True
)
RESCALE_OFF = Argument("rescale", "bool", False, "rescale kept entries to the task vector's L1 norm")
BREADCRUMBS_TIES = (
    "mergekit order: entries of equal magnitude are cut in torch.sort order, so exactly int(density*n) "
    "survive (the paper's top-beta/bottom-gamma masks are the same selection)"
)


class Breadcrumbs(TaskVectorStrategy):
    name = "breadcrumbs"
    description = "Model Breadcrumbs: drop the largest (gamma) and smallest entries, keep density, add the weighted sum"
    reference = "https://arxiv.org/abs/2312.06795"
    ties = BREADCRUMBS_TIES + "; opposite entries cancel arithmetically"
    sparsification = "magnitude_outliers"
    arguments = (WEIGHT, density_argument(0.9), GAMMA, normalize_argument(False), RESCALE_OFF, LAMBDA)
