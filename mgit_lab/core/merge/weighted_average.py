"""weighted-average: sum_i w_i * model_i / sum_i w_i (mergekit's ``linear``; divided once).

Weights come from ``--weight VERSION=W`` (per-model ``weight``).  When none is given and
two versions are merged, ``alpha`` is A's weight and ``1 - alpha`` B's.
"""

from __future__ import annotations

from .base import Argument, TensorJob
from .linear import LinearStrategy


class WeightedAverage(LinearStrategy):
    name = "weighted-average"
    description = "sum of w_i * model_i / sum of w_i; with two versions and no weights, alpha * A + (1 - alpha) * B"
    arguments = (
        Argument(
            "alpha", "float", 0.5, "weight of A when two versions merge without --weight (B gets 1 - alpha)", 0.0, 1.0
        ),
        Argument(
            "weight",
            "float",
            0.0,
            "this model's weight (0: unset, alpha decides for two versions, else 1)",
            -10.0,
            10.0,
            per_model=True,
        ),
        Argument("normalize", "bool", True, "divide by the sum of the weights"),
    )

    def weights(self, job: TensorJob) -> tuple[list[float], bool]:
        given = [float(w) for w in job.per_model("weight", 0.0)]
        normalize = bool(job.args.get("normalize", True))
        if any(given):
            return given, normalize
        if len(job.models) == 2:
            alpha = float(job.args.get("alpha", 0.5))
            return [alpha, 1.0 - alpha], normalize
        return [1.0] * len(job.models), normalize
