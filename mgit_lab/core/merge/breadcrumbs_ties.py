"""breadcrumbs-ties: Model Breadcrumbs' selection with TIES' sign election and disjoint mean."""

from __future__ import annotations

from .breadcrumbs import BREADCRUMBS_TIES, GAMMA, RESCALE_OFF
from .task_vectors import LAMBDA, WEIGHT, TaskVectorStrategy, density_argument, normalize_argument


class BreadcrumbsTies(TaskVectorStrategy):
    name = "breadcrumbs-ties"
    description = "Breadcrumbs selection, then TIES sign election and the mean of the agreeing entries"
    reference = "https://arxiv.org/abs/2312.06795"
    ties = BREADCRUMBS_TIES + "; an exact cancellation elects + (mergekit's weighted election)"
    sparsification = "magnitude_outliers"
    consensus = True
    arguments = (WEIGHT, density_argument(0.9), GAMMA, normalize_argument(False), RESCALE_OFF, LAMBDA)
