"""Generalized task arithmetic: the shared base of task-arithmetic, TIES, DARE, Breadcrumbs, DELLA.

For one parameter with ancestor ``o`` and models ``m_i`` (per-model ``weight`` ``w_i``):

1. task vectors ``d_i = m_i - o``, each sparsified (``sparsify.py``) when the method does;
2. weighted: ``d_i <- w_i * d_i``;
3. with sign consensus (TIES and its kin): the elected sign of each entry is that of the
   sum of the weighted vectors, ``+`` when the sum is zero or positive (mergekit), so an
   exact cancellation elects ``+`` and keeps the positive entries; a vector contributes
   where its sign equals the elected one (a zero entry never does).  In ``paper`` mode the
   election sums the sparsified vectors *unweighted* and an exact cancellation elects
   nothing: the entry keeps the ancestor's value;
4. ``mixed = sum_i d_i [* agree_i]``; with ``normalize`` divided by the sum of the weights
   (of the agreeing models, under consensus; a zero sum divides by 1);
5. ``o + lambda * mixed``.

The operation order follows mergekit 0.1.5's ``GeneralizedTaskArithmeticMerge``, so
float32 results are bit-identical to it; randomised selections draw from one generator
seeded per tensor, in model order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch

from ..errors import InvalidInput
from .arithmetic import TensorStrategy
from .base import Argument, TensorJob, mode_argument
from .seeds import generator
from .sparsify import bernoulli, della, magnitude, magnitude_outliers

BLOCK = 1 << 23  # entries per column block of the weighting and election (smaller blocks run slower)

WEIGHT = Argument("weight", "float", 1.0, "weight of this model's task vector", -10.0, 10.0, per_model=True)
LAMBDA = Argument("lambda", "float", 1.0, "scale of the merged task vector", -10.0, 10.0)


def density_argument(default: float) -> Argument:
    return Argument("density", "float", default, "fraction of each task vector kept", 0.0, 1.0, per_model=True)


def normalize_argument(default: bool) -> Argument:
    return Argument("normalize", "bool", default, "divide the sum by the sum of the (agreeing) weights")


RESCALE = Argument("rescale", "bool", True, "mergekit mode: rescale kept entries to the task vector's L1 norm")


class TaskVectorStrategy(TensorStrategy):
    """One configuration of generalized task arithmetic (subclasses set the class variables)."""

    needs_ancestor = True
    resolves = ("both_changed",)
    #: None, "magnitude", "random", "magnitude_outliers" or "della"
    sparsification: ClassVar[str | None] = None
    consensus: ClassVar[bool] = False

    def check(self, args: Mapping[str, Any], model_args: Sequence[Mapping[str, Any]]) -> None:
        if self.sparsification == "della":
            for m in model_args:
                check_della(m.get("density", 1.0), m.get("epsilon", 0.15), self.name)

    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        assert base is not None
        args = job.args
        mode = args.get("mode", "mergekit")
        rescale = bool(args.get("rescale", False))
        gen = generator(job.seed) if self.randomised else None
        densities = job.per_model("density", 1.0)
        gammas = job.per_model("gamma", 0.01)
        epsilons = job.per_model("epsilon", 0.15)
        deltas = base.new_empty((len(models), *base.shape))
        raw = base.new_empty((len(models), *base.shape)) if self.consensus and mode == "paper" else None
        for i, m in enumerate(models):
            d = m - base
            if self.sparsification == "magnitude":
                d = magnitude(d, densities[i], rescale, mode)
            elif self.sparsification == "random":
                assert gen is not None
                d = bernoulli(d, densities[i], rescale, mode, gen)
            elif self.sparsification == "magnitude_outliers":
                d = magnitude_outliers(d, densities[i], gammas[i], rescale)
            elif self.sparsification == "della":
                assert gen is not None
                check_della(densities[i], epsilons[i], self.name)
                d = della(d, densities[i], epsilons[i], rescale, mode, gen)
            deltas[i] = d
            if raw is not None:
                raw[i] = d
        weights = torch.tensor(job.per_model("weight", 1.0), dtype=deltas.dtype).unsqueeze(-1)
        flat, out = deltas.view(len(models), -1), torch.empty_like(base)
        electors = raw.view(len(models), -1) if raw is not None else flat
        base_flat, out_flat = base.reshape(-1), out.view(-1)
        normalize, lam = bool(args.get("normalize", False)), float(args.get("lambda", 1.0))
        # element-wise from here: column blocks bound the temporaries (same values as one block)
        for s in range(0, flat.shape[1], BLOCK):
            d = flat[:, s : s + BLOCK]
            d.mul_(weights)
            if self.consensus:
                total = electors[:, s : s + BLOCK].sum(dim=0)
                if mode == "paper":
                    majority = total.sign()
                else:
                    majority = (total >= 0).to(d.dtype) * 2 - 1
                mask = d.sign() == majority
                mixed = (d * mask).sum(dim=0)
                divisor = (weights * mask).sum(dim=0)
                divisor[divisor == 0] = 1
            else:
                mixed = d.sum(dim=0)
                divisor = weights.sum(dim=0)
                divisor[divisor.abs() < 1e-8] = 1
            if normalize:
                mixed /= divisor
            if lam != 1:
                mixed *= lam
            out_flat[s : s + BLOCK] = base_flat[s : s + BLOCK] + mixed
        return out


def check_della(density: float, epsilon: float, strategy: str) -> None:
    """DELLA's keep probabilities ``density +- epsilon`` must lie in (0, 1).

    Raises
    ------
    InvalidInput
        Naming the two values and the fix.
    """
    if density < 1 and density > 0 and (density + epsilon >= 1 or density - epsilon <= 0):
        raise InvalidInput(
            f"argument epsilon={epsilon} of strategy {strategy!r} is out of range for density={density}: "
            "density - epsilon and density + epsilon must lie strictly between 0 and 1",
            hint=f"choose epsilon < {min(density, 1 - density):g}",
        )


__all__ = ["LAMBDA", "RESCALE", "WEIGHT", "TaskVectorStrategy", "density_argument", "mode_argument"]
