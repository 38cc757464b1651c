"""average: the element-wise mean of the models (mergekit's ``linear`` with equal weights)."""

from __future__ import annotations

from .base import TensorJob
from .linear import LinearStrategy


class Average(LinearStrategy):
    name = "average"
    description = "the element-wise mean of the models; needs no ancestor"

    def weights(self, job: TensorJob) -> tuple[list[float], bool]:
        return [1.0] * len(job.models), True
