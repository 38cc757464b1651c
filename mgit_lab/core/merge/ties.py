"""ties: TIES-merging (Yadav et al., NeurIPS 2023): trim, elect sign, disjoint mean.

Trim each task vector to its largest-magnitude ``density`` fraction, elect a sign per
entry, average the entries agreeing with it, add ``lambda`` times that to the ancestor
(details and both modes in ``task_vectors.py`` and ``sparsify.py``).
"""

from __future__ import annotations

from .task_vectors import LAMBDA, WEIGHT, TaskVectorStrategy, density_argument, mode_argument, normalize_argument


class Ties(TaskVectorStrategy):
    name = "ties"
    description = "TIES-merging: trim task vectors to the top density, elect signs, average the agreeing entries"
    reference = "https://arxiv.org/abs/2306.01708"
    modes = ("mergekit", "paper")
    ties = (
        "mergekit: keeps exactly int(density*n) entries (argsort order among equal magnitudes); "
        "an exact cancellation elects + (the positive entries are kept); the election is weighted. "
        "paper: keeps ceil(density*n) entries and every entry tied at the threshold; the election is "
        "unweighted and an exact cancellation keeps the ancestor"
    )
    sparsification = "magnitude"
    consensus = True
    arguments = (WEIGHT, density_argument(0.2), normalize_argument(True), LAMBDA, mode_argument(modes))
    legacy = {"scale": ("lambda", None)}
