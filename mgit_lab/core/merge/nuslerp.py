"""nuslerp: slerp of two models with weights, row-wise or flattened, optionally on task vectors.

``t = w_B / (w_A + w_B)`` (0.5 when the weights sum to ~0).  With ``task_vectors`` the
interpolation runs between ``A - ancestor`` and ``B - ancestor`` and the ancestor is added
back (mergekit with a ``base_model``).  The arithmetic follows mergekit 0.1.5's ``nuslerp``.
"""

from __future__ import annotations

import torch

from .arithmetic import TensorStrategy
from .base import Argument, TensorJob

TASK_VECTORS = Argument(
    "task_vectors", "bool", False, "interpolate the task vectors from the common ancestor (mergekit: with a base model)"
)


def nuslerp(
    t: float, v0: torch.Tensor, v1: torch.Tensor, dim: int = -1, eps: float = 1e-8, flatten: bool = False
) -> torch.Tensor:
    shape = v0.shape

    def normalize(x: torch.Tensor) -> torch.Tensor:
        return x / torch.norm(x, dim=-1, keepdim=True).clamp(min=1e-7)

    if flatten:
        v0, v1 = v0.reshape(-1), v1.reshape(-1)
    elif dim != -1:
        v0, v1 = v0.transpose(dim, -1), v1.transpose(dim, -1)
    cos_theta = torch.sum(normalize(v0) * normalize(v1), dim=-1, keepdim=True).clamp(-1, 1)
    colinear = (1 - cos_theta.square()) <= eps**2
    theta = torch.acos(torch.where(colinear, 0, cos_theta))
    sin_theta = torch.sin(theta)
    result = (torch.sin((1 - t) * theta) * v0 + torch.sin(t * theta) * v1) / sin_theta
    result = torch.where(colinear, (1 - t) * v0 + t * v1, result)
    if dim != -1 and not flatten:
        result = result.transpose(dim, -1)
    return result.reshape(shape)


class NuSlerp(TensorStrategy):
    name = "nuslerp"
    description = "slerp of two models by their weights (t = w_B / (w_A + w_B)), flattened or row-wise"
    ties = "no selection; colinear rows (1 - cos^2 <= 1e-16) interpolate linearly"
    max_models = 2
    resolves = ("both_changed",)
    arguments = (
        Argument("weight", "float", 1.0, "this model's weight", -10.0, 10.0, per_model=True),
        Argument("row_wise", "bool", False, "interpolate rows (dim 0) instead of the last dimension"),
        Argument("flatten", "bool", True, "interpolate the flattened tensor (overrides row_wise)"),
        TASK_VECTORS,
    )

    def uses_ancestor(self, job: TensorJob) -> bool:
        return bool(job.args.get("task_vectors"))

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        w = [float(x) for x in job.per_model("weight", 1.0)]
        total = sum(w)
        t = 0.5 if abs(total) < 1e-6 else w[1] / total
        dim = 0 if job.args.get("row_wise") else -1
        flatten = bool(job.args.get("flatten", True))
        if base is not None:
            return base + nuslerp(t, models[0] - base, models[1] - base, dim=dim, flatten=flatten)
        return nuslerp(t, models[0], models[1], dim=dim, flatten=flatten)
