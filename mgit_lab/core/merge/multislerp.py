"""multislerp: barycentric interpolation of any number of models on the hypersphere.

Each (flattened) model is projected onto the unit sphere, the weighted mean direction is
found, the points are mapped to its tangent space, averaged with the weights, mapped back
with the exponential map and scaled by the weighted mean norm.  With ``task_vectors`` it
runs on the differences from the common ancestor.  Follows mergekit 0.1.5's ``multislerp``.
"""

from __future__ import annotations

import torch

from ..errors import InvalidInput
from .arithmetic import TensorStrategy
from .base import Argument, TensorJob
from .nuslerp import TASK_VECTORS


class MultiSlerp(TensorStrategy):
    name = "multislerp"
    description = "spherical barycentre of the models by weight (tangent-space mean, mapped back)"
    reference = "https://goddard.blog/posts/multislerp-wow-what-a-cool-idea"
    ties = (
        "no selection; when the weighted directions cancel exactly, two models interpolate linearly "
        "and more models are refused (an error names the parameter)"
    )
    resolves = ("both_changed", "both_added")
    arguments = (
        Argument("weight", "float", 1.0, "this model's weight", -10.0, 10.0, per_model=True),
        Argument("normalize_weights", "bool", True, "divide the weights by their sum"),
        TASK_VECTORS,
    )

    def uses_ancestor(self, job: TensorJob) -> bool:
        return bool(job.args.get("task_vectors"))

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        eps = 1e-8
        if len(models) == 1:
            return models[0]
        tensors = torch.stack(models, dim=0)
        if base is not None:
            tensors -= base
        flat = tensors.view(tensors.shape[0], -1)
        weights = torch.tensor([float(x) for x in job.per_model("weight", 1.0)], dtype=tensors.dtype)
        if job.args.get("normalize_weights", True):
            weights = weights / weights.sum()
        norms = torch.norm(flat, dim=-1, keepdim=True)
        units = flat / (norms + eps)
        mean = (units * weights.view(-1, 1)).sum(0)
        mean_norm = torch.norm(mean)
        if mean_norm < eps:
            if tensors.shape[0] != 2:
                raise InvalidInput(
                    f"multislerp: the weighted directions of {job.name!r} cancel exactly",
                    hint="change the weights, or merge this parameter another way (an override)",
                )
            res = (tensors[0] * weights[0] + tensors[1] * weights[1]).view(tensors.shape[1:])
            return res + base if base is not None else res
        mean = mean / mean_norm
        tangents = units - (units * mean).sum(-1, keepdim=True) * mean
        tangent = (tangents * weights.view(-1, 1)).sum(0)
        tangent_norm = torch.norm(tangent) + eps
        result = mean * torch.cos(tangent_norm) + tangent * (torch.sin(tangent_norm) / tangent_norm)
        result = (result * (norms.squeeze(-1) * weights).sum()).view(tensors.shape[1:])
        return result + base if base is not None else result
