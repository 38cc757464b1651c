"""Importable models and recipes for the merge tests (``tests.support.merge_models:NAME``)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class Pair(nn.Module):
    """Two linear layers (odd sizes), rebuilt from ``mgit_init``."""

    def __init__(self, n_in: int = 5, hidden: int = 7) -> None:
        super().__init__()
        self.mgit_init = {"n_in": n_in, "hidden": hidden}
        self.attn = nn.Linear(n_in, hidden)
        self.mlp = nn.Linear(hidden, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(torch.tanh(self.attn(x)))


def pair(seed: int) -> Pair:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return Pair()


def jitter(parent_model: nn.Module, seed: int = 0, scale: float = 0.1) -> nn.Module:
    """A seeded random fine-tune: every parameter moves by N(0, scale)."""
    out = copy.deepcopy(parent_model)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in out.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return out
