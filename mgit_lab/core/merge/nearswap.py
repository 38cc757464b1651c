"""nearswap: take B's value where A and B are close, keep A's where they are far.

Per entry ``w = clamp(t / max(|A - B|, 1e-6), 0, 1)`` and the result is ``w B + (1 - w) A``
(A plays mergekit's base model).  Follows mergekit 0.1.5's ``nearswap``.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob


class NearSwap(TensorStrategy):
    name = "nearswap"
    description = "per entry, move A toward B by t / |A - B| (clamped to [0, 1]): close values swap to B"
    reference = "https://huggingface.co/alchemonaut/QuartetAnemoi-70B-t0.0001"
    ties = "no selection; equal entries (|A - B| < 1e-6) are treated as 1e-6 apart"
    max_models = 2
    arguments = (Argument("t", "float", 0.0001, "distance under which B's value is taken whole", 0.0, 1e6),)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        a, b = models
        weight = (float(job.args["t"]) / torch.abs(a - b).clamp(min=1e-6)).clamp(min=0, max=1)
        return weight * b + (1 - weight) * a
