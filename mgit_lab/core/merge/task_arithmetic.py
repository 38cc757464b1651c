"""task-arithmetic: ancestor + lambda * sum_i weight_i * (model_i - ancestor).

Ilharco et al., "Editing models with task arithmetic" (ICLR 2023): each fine-tune's task
vector is its difference from the shared ancestor; weighted task vectors are added
(``normalize`` divides by the sum of the weights).  One mode: mergekit's arithmetic is the
paper's.  Two-model recipes stored before per-model weights (``scale_a``, ``scale_b``) are
read as the weights of A and B.
"""

from __future__ import annotations

from .task_vectors import LAMBDA, WEIGHT, TaskVectorStrategy, normalize_argument


class TaskArithmetic(TaskVectorStrategy):
    name = "task-arithmetic"
    description = "ancestor + lambda * sum of weight_i * (model_i - ancestor)"
    reference = "https://arxiv.org/abs/2212.04089"
    ties = "no selection: opposite task vectors cancel arithmetically (an exact cancellation keeps the ancestor)"
    arguments = (WEIGHT, normalize_argument(False), LAMBDA)
    legacy = {"scale_a": ("weight", 0), "scale_b": ("weight", 1)}
