"""sce: SCE (Wan et al., FuseChat 2024): select by variance, calculate weights, erase by sign.

Select the ``select_topk`` fraction of entries whose task vectors vary most across models
(zero the rest); weight each task vector by its mean square (normalised to sum to 1);
erase entries disagreeing with the elected sign (``+`` on an exact cancellation, as
mergekit); divide by the kept weights.  Follows mergekit 0.1.5's ``sce``.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob


def sce_mask(tvs: torch.Tensor, density: float) -> torch.Tensor:
    if density <= 0:
        return torch.zeros_like(tvs[0])
    if density >= 1:
        return torch.ones_like(tvs[0])
    var = torch.var(tvs, dim=0, unbiased=False)
    k = int(torch.count_nonzero(var) * density)
    mask = torch.zeros_like(var)
    if k == 0:
        return mask
    _, indices = torch.topk(var.abs().view(-1), k=k, largest=True)
    mask.view(-1)[indices] = 1
    return mask


def sce_weight(tvs: torch.Tensor) -> torch.Tensor:
    weights = tvs.square().reshape(tvs.shape[0], -1).mean(dim=1)
    total = torch.sum(weights).item()
    if abs(total) < 1e-6:
        return torch.ones_like(weights) / weights.shape[0]
    return weights / total


class Sce(TensorStrategy):
    name = "sce"
    description = "SCE: keep the highest-variance entries, weight task vectors by mean square, erase minority signs"
    reference = "https://arxiv.org/abs/2408.07990"
    ties = (
        "torch.topk order among equal variances (exactly int(k) kept); an exact sign cancellation elects +; "
        "the kept weights' sum is clamped at 1e-6"
    )
    needs_ancestor = True
    resolves = ("both_changed",)
    arguments = (Argument("select_topk", "float", 1.0, "fraction of highest-variance entries kept", 0.0, 1.0),)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        assert base is not None
        tvs = torch.stack([m - base for m in models], dim=0)
        topk = float(job.args["select_topk"])
        if topk < 1:
            tvs = tvs * sce_mask(tvs, topk).unsqueeze(0)
        majority = (tvs.sum(dim=0) >= 0).to(tvs.dtype) * 2 - 1
        erase = tvs.sign() == majority
        weights = sce_weight(tvs)
        while weights.dim() < tvs.dim():
            weights = weights.unsqueeze(-1)
        kept = weights * erase
        return base + (tvs * kept).sum(dim=0) / torch.sum(kept, dim=0).clamp(min=1e-6)
