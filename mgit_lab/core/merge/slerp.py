"""slerp: spherical linear interpolation from A (t = 0) to B (t = 1), over the flattened tensor.

The angle between A and B (each normalised) sets the arc; when they are (anti)parallel
(``|cos| > 0.9995``) it falls back to linear interpolation.  The arithmetic follows
mergekit 0.1.5's ``slerp`` (norms and dot product accumulated in chunks of 2**20
entries), with A in the role of mergekit's base model.  No ancestor is used.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob

CHUNK = 1024 * 1024


def slerp(
    t: float, v0: torch.Tensor, v1: torch.Tensor, dot_threshold: float = 0.9995, eps: float = 1e-8
) -> torch.Tensor:
    """Spherical interpolation between ``v0`` and ``v1`` (same shape, float32 or float64)."""
    dtype = v0.dtype
    a, b = v0.reshape(1, -1), v1.reshape(1, -1)
    tt = torch.tensor([t], dtype=dtype).reshape(-1, 1)
    if not a.shape[1]:
        return ((1 - tt) * a + tt * b).reshape(v0.shape)
    starts = range(0, a.shape[1], CHUNK)
    norm_a = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(a[:, s : s + CHUNK], dim=1, keepdim=True) for s in starts]), dim=0
    )
    norm_b = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(b[:, s : s + CHUNK], dim=1, keepdim=True) for s in starts]), dim=0
    )
    norm_a = torch.where(norm_a > eps, norm_a, 1)
    norm_b = torch.where(norm_b > eps, norm_b, 1)
    parts = [((a[:, s : s + CHUNK] / norm_a) * (b[:, s : s + CHUNK] / norm_b)).sum(dim=1, keepdim=True) for s in starts]
    dot = torch.stack(parts).sum(dim=0).clamp(-1, 1)
    linear = dot.abs() > dot_threshold
    theta = torch.acos(torch.where(linear, 0, dot))
    sin_theta = torch.sin(theta)
    coef_a = torch.where(linear, 1 - tt, torch.sin((1 - tt) * theta) / sin_theta)
    coef_b = torch.where(linear, tt, torch.sin(tt * theta) / sin_theta)
    result = torch.empty_like(a)
    for s in starts:
        result[:, s : s + CHUNK] = coef_a * a[:, s : s + CHUNK] + coef_b * b[:, s : s + CHUNK]
    return result.reshape(v0.shape)


class Slerp(TensorStrategy):
    name = "slerp"
    description = "spherical interpolation from A (t=0) to B (t=1); linear when A and B are (anti)parallel"
    reference = "https://en.wikipedia.org/wiki/Slerp"
    ties = "no selection; (anti)parallel tensors (|cos| > 0.9995) interpolate linearly"
    max_models = 2
    arguments = (Argument("t", "float", 0.5, "position on the arc from A (0) to B (1)", 0.0, 1.0),)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        return slerp(float(job.args["t"]), models[0], models[1])
