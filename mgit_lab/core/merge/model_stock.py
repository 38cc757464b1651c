"""model-stock: Model Stock (Jang et al., 2024): interpolate the models' mean toward the ancestor.

With ``k`` models and ``cos`` the mean pairwise cosine of their task vectors (per tensor,
or per row with ``filter_wise``), ``t = k cos / (1 + (k - 1) cos)`` and the result is
``t * mean(models) + (1 - t) * ancestor``.  Follows mergekit 0.1.5's ``model_stock``.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob


class ModelStock(TensorStrategy):
    name = "model-stock"
    description = "Model Stock: the models' mean pulled toward the ancestor by their task vectors' mean cosine"
    reference = "https://arxiv.org/abs/2403.19522"
    ties = "no selection; where 1 + (k-1) cos is ~0 (|.| < 1e-6) the ancestor is kept"
    needs_ancestor = True
    resolves = ("both_changed",)
    arguments = (Argument("filter_wise", "bool", False, "one cosine per row instead of per tensor"),)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        assert base is not None
        shape = base.shape
        w0, ws = base, list(models)
        if job.args.get("filter_wise"):
            if w0.dim() == 1:
                w0, ws = w0.unsqueeze(0), [w.unsqueeze(0) for w in ws]
        else:
            w0, ws = w0.reshape(-1), [w.reshape(-1) for w in ws]
        offsets = [w - w0 for w in ws]
        cosines = []
        for i, a in enumerate(offsets):
            for b in offsets[i + 1 :]:
                norms = torch.norm(a, dim=-1) * torch.norm(b, dim=-1)
                cosines.append(((a * b).sum(dim=-1) / norms.clamp(min=1e-6)).clamp(-1, 1))
        cos = torch.stack(cosines).mean(dim=0).unsqueeze(-1)
        k = len(ws)
        denominator = 1 + (k - 1) * cos
        singular = denominator.abs() < 1e-6
        t = torch.where(singular, torch.zeros_like(cos), (k * cos) / torch.where(singular, 1, denominator))
        average = sum(ws) / k
        return (t * average + (1 - t) * w0).reshape(shape)
