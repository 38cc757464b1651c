"""Importable test functions and recipes for the model-test, merge and cascade tests.

They are referenced as ``tests.support.models:NAME``.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


class Tiny(nn.Module):
    """A 2-layer MLP with an int64 buffer, rebuilt from ``mgit_init``."""

    def __init__(self, n_in: int = 4, hidden: int = 3) -> None:
        super().__init__()
        self.mgit_init = {"n_in": n_in, "hidden": hidden}
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, 1)
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.tanh(self.fc1(x)))


def weight_sum(model: nn.Module) -> dict[str, float]:
    """sum of fc1.weight (higher is better) and its negation as a 'loss' (lower is better)."""
    s = float(model.fc1.weight.sum())
    return {"score": s, "loss": -s}


def weight_sum_both_ways(model: nn.Module) -> dict[str, float]:
    """The same quantity twice, to be declared higher- and lower-is-better: any change worsens one."""
    s = float(model.fc1.weight.sum())
    return {"up": s, "down": s}


def bias_value(model: nn.Module) -> dict[str, float]:
    return {"bias": float(model.fc2.bias[0])}


def raising_test(model: nn.Module) -> dict[str, float]:
    raise ValueError("the evaluation data is missing")


def returns_list(model: nn.Module) -> list[float]:
    return [1.0]


def nan_loss(model: nn.Module) -> dict[str, float]:
    return {"loss": math.nan}


def with_data(model: nn.Module, data: dict) -> dict[str, float]:
    return {"n": float(len(data["rows"])), "scaled": float(data.get("scale", 1))}


def make_data() -> dict:
    return {"rows": [1, 2, 3]}


def double_scale(data: dict) -> dict:
    return {**data, "scale": 2}


def shift(parent_model: nn.Module, amount: float = 1.0) -> nn.Module:
    """Recipe: add ``amount`` to fc1.weight."""
    model = copy.deepcopy(parent_model)
    with torch.no_grad():
        model.fc1.weight.add_(amount)
    return model


def raising_recipe(parent_model: nn.Module, **kwargs: object) -> nn.Module:
    raise RuntimeError("out of GPU memory")


def not_a_model(parent_model: nn.Module) -> int:
    return 3
