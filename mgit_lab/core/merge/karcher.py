"""karcher: the Karcher (Riemannian) mean of the models' directions on the unit sphere.

Iterates the mean direction (at most ``max_iter`` steps, until the tangent norm is below
``tol``), then scales it by the mean of the models' norms.  Models with a norm at or below
``tol`` do not steer the direction.  Follows mergekit 0.1.5's ``karcher`` (equal weights).
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob


def karcher(tensors: list[torch.Tensor], alphas: list[float], max_iter: int, tol: float) -> torch.Tensor:
    norms = [torch.linalg.vector_norm(t) for t in tensors]
    units = [torch.zeros_like(t) if n.item() == 0.0 else t / n for t, n in zip(tensors, norms, strict=True)]
    valid = [i for i, n in enumerate(norms) if n.item() > tol]
    if not valid:
        return sum(t * 0 for t in tensors)  # type: ignore[return-value]
    total = sum(alphas[i] for i in valid)
    weights = [alphas[i] / total for i in valid]
    vunits = [units[i] for i in valid]
    mean = torch.zeros_like(vunits[0])
    for a, u in zip(weights, vunits, strict=True):
        mean += a * u
    mean_norm = torch.linalg.vector_norm(mean)
    mean = vunits[0].clone() if mean_norm.item() < tol else mean / mean_norm
    for _ in range(max_iter):
        tangent = torch.zeros_like(mean)
        for a, u in zip(weights, vunits, strict=True):
            dot = torch.clamp(torch.dot(mean.flatten(), u.flatten()), -1.0, 1.0)
            theta = torch.arccos(dot)
            if theta.item() < tol:
                continue
            tangent += a * (theta / torch.sin(theta)) * (u - dot * mean)
        tangent_norm = torch.linalg.vector_norm(tangent)
        if tangent_norm.item() < tol:
            break
        mean = torch.cos(tangent_norm) * mean + torch.sin(tangent_norm) * (tangent / tangent_norm)
        unit_norm = torch.linalg.vector_norm(mean)
        if unit_norm.item() > tol:
            mean = mean / unit_norm
    scale = sum(a * n for a, n in zip(alphas, norms, strict=True))
    return scale * mean


class Karcher(TensorStrategy):
    name = "karcher"
    description = "Karcher mean on the sphere: iterated mean direction, scaled by the mean norm"
    reference = "https://arxiv.org/abs/2603.04972"
    ties = "no selection; if the directions cancel, the first model's direction starts the iteration"
    arguments = (
        Argument("max_iter", "int", 10, "most iterations", 1, 1000),
        Argument("tol", "float", 1e-5, "stop when the tangent norm is below this", 0.0, 1.0),
    )

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        n = len(models)
        return karcher(models, [1.0 / n] * n, int(job.args["max_iter"]), float(job.args["tol"]))
