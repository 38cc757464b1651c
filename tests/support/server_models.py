"""Importable models, model tests and recipes for the REST tests (``tests.support.server_models:NAME``)."""

from __future__ import annotations

import copy
import time

import torch
from torch import nn


class Tiny(nn.Module):
    """A 2-layer MLP rebuilt from ``mgit_init``."""

    def __init__(self, n_in: int = 4, hidden: int = 3) -> None:
        super().__init__()
        self.mgit_init = {"n_in": n_in, "hidden": hidden}
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.tanh(self.fc1(x)))


def tiny(seed: int) -> Tiny:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return Tiny()


def score(model: nn.Module) -> dict[str, float]:
    """Higher is better: the sum of the first layer's weights."""
    return {"score": float(model.fc1.weight.sum())}


def slow(model: nn.Module) -> dict[str, float]:
    """Takes a while (for cancellation and responsiveness tests)."""
    time.sleep(0.25)
    return {"score": float(model.fc1.weight.sum())}


def shift(parent_model: nn.Module, amount: float = 1.0) -> nn.Module:
    """A recipe: the parent with every weight moved by ``amount``."""
    child = copy.deepcopy(parent_model)
    with torch.no_grad():
        for p in child.parameters():
            p.add_(amount)
    return child
