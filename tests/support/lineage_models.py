"""Small real models and helpers for the lineage tests (importable: architectures record
``tests.support.lineage_models:TinyNet``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch


class TinyNet(torch.nn.Module):
    """A two-layer MLP with a LayerNorm and a buffer; rebuildable from ``mgit_init``."""

    def __init__(self, width: int = 16, classes: int = 4) -> None:
        super().__init__()
        self.mgit_init = {"width": width, "classes": classes}
        self.fc1 = torch.nn.Linear(8, width)
        self.norm = torch.nn.LayerNorm(width)
        self.fc2 = torch.nn.Linear(width, classes)
        self.register_buffer("steps", torch.tensor(0, dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.norm(self.fc1(x))))


class WideMLP(torch.nn.Module):
    """A bigger MLP (about 200k parameters) for inference tests."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(128, 512),
            torch.nn.ReLU(),
            torch.nn.Linear(512, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def tiny_bert_config(**overrides):
    from transformers import BertConfig

    kw = {
        "vocab_size": 96,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 32,
        "type_vocab_size": 2,
    }
    kw.update(overrides)
    return BertConfig(**kw)


def perturbed(state: dict[str, torch.Tensor], scale: float, seed: int, keys=None) -> dict[str, torch.Tensor]:
    """A fine-tune stand-in: float tensors (or only ``keys``) moved by relative noise ``scale``."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in state.items():
        if v.is_floating_point() and (keys is None or k in keys):
            noise = torch.randn(v.shape, generator=g, dtype=torch.float32).to(v.dtype)
            out[k] = v + noise * scale * (v.float().std().nan_to_num(0.0).clamp(min=1e-3)).to(v.dtype)
        else:
            out[k] = v.clone()
    return out


def magnitude_pruned(state: dict[str, torch.Tensor], fraction: float) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in state.items():
        if v.is_floating_point() and v.dim() >= 2:
            cut = v.abs().flatten().kthvalue(max(1, int(v.numel() * fraction))).values
            out[k] = torch.where(v.abs() <= cut, torch.zeros_like(v), v)
        else:
            out[k] = v.clone()
    return out


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every file of a repository (but the lock file): to prove nothing changed."""
    out = {}
    for p in sorted((Path(root) / ".mgit").rglob("*")):
        if p.is_file() and p.name != "lock":
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def mean_output(model: torch.nn.Module) -> dict[str, float]:
    """A model test for the MGit compatibility layer: the mean output on a fixed input."""
    torch.manual_seed(0)
    with torch.no_grad():
        return {"mean": float(model(torch.ones(2, 8)).mean())}
