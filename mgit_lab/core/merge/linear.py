"""Linear merging (Wortsman et al., "Model soups", 2022): the weighted sum of the models.

``sum_i w_i * model_i``, divided by ``sum_i w_i`` with ``normalize``.  The arithmetic
follows mergekit 0.1.5's ``linear`` (a float32 accumulator, fused multiply-adds in model
order, one division), so float32 results are bit-identical to it.  No ancestor is used.
"""

from __future__ import annotations

from abc import abstractmethod

import torch

from .arithmetic import TensorStrategy
from .base import TensorJob


def linear(models: list[torch.Tensor], weights: list[float], normalize: bool) -> torch.Tensor:
    """The (normalized) weighted sum of ``models``."""
    first = models[0].unsqueeze(0)
    w = torch.tensor([weights], dtype=first.dtype)
    shape = (1,) + (1,) * (first.ndim - 1)
    result = torch.zeros_like(first)
    for tensor, coefficient in zip(models, w.unbind(1), strict=True):
        result.addcmul_(tensor.unsqueeze(0), coefficient.reshape(shape))
    if normalize:
        result.div_(w.sum(dim=1).reshape(shape))
    return result[0]


class LinearStrategy(TensorStrategy):
    """A weighted sum whose weights subclasses choose."""

    ties = "no selection: opposite values cancel arithmetically"
    reference = "https://arxiv.org/abs/2203.05482"

    @abstractmethod
    def weights(self, job: TensorJob) -> tuple[list[float], bool]:
        """The models' weights and whether to normalize by their sum."""

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        weights, normalize = self.weights(job)
        return linear(models, weights, normalize)
