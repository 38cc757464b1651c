"""ram: Reinforced Agent Merging: unique task-vector entries kept whole, shared ones averaged.

An entry of a task vector counts when ``|d| > epsilon``; an entry changed by one model
keeps that model's change, one changed by several gets their mean.  Follows mergekit
0.1.5's ``ram``.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob


class Ram(TensorStrategy):
    name = "ram"
    description = "RAM: entries changed by one model keep its change; entries changed by several are averaged"
    reference = "https://arxiv.org/abs/2601.13572"
    ties = "entries with |change| <= epsilon do not count; opposite changes average (may cancel)"
    needs_ancestor = True
    resolves = ("both_changed",)
    arguments = (Argument("epsilon", "float", 1e-5, "smallest change that counts", 0.0, 1.0),)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        assert base is not None
        eps = float(job.args["epsilon"])
        tv = torch.stack([m - base for m in models], dim=0).view(len(models), -1)
        nonzero = tv.abs() > eps
        counts = nonzero.sum(dim=0, keepdim=True)
        tvz = tv * nonzero
        merged = ((tvz * (counts == 1)) + (tvz * (counts > 1) / counts.clamp(min=1))).sum(dim=0, keepdim=True)
        return base + merged.reshape_as(base)
