"""Tiny models for the diff tests (hidden 32, 2 layers), built from configs; seeded."""

from __future__ import annotations

import copy

import torch
import transformers


def bert_config(**overrides) -> transformers.BertConfig:
    kw = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "vocab_size": 100,
    }
    kw.update(overrides)
    return transformers.BertConfig(**kw)


def tiny_bert(**overrides) -> transformers.BertModel:
    torch.manual_seed(0)
    return transformers.BertModel(bert_config(**overrides)).eval()


def finetune(model: torch.nn.Module, names: list[str], scale: float = 0.01) -> torch.nn.Module:
    """A copy of ``model`` with the weight of each named layer nudged."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for name in names:
            out.get_submodule(name).weight.add_(scale)
    return out


class SmallCNN(torch.nn.Module):
    """A plain CNN (symbolic_trace handles it)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.bn = torch.nn.BatchNorm2d(8)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.bn(self.conv(x)))).flatten(1))


class Gated(torch.nn.Module):
    """Data-dependent control flow: neither symbolic_trace nor torch.export can trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.inp = torch.nn.Linear(4, 4)
        self.norm = torch.nn.BatchNorm1d(4)
        self.branch = torch.nn.Linear(4, 4)
        self.out = torch.nn.Linear(4, 2)

    def forward(self, x):
        h = self.norm(self.inp(x))
        if h.sum() > -1e9:  # always true, but only a real forward pass can know
            h = self.branch(h)
        return self.out(h)


FAMILIES = {
    "bert": lambda: tiny_bert(),
    "roberta": lambda: transformers.RobertaModel(
        transformers.RobertaConfig(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            vocab_size=100,
        )
    ),
    "distilbert": lambda: transformers.DistilBertModel(
        transformers.DistilBertConfig(dim=32, n_layers=2, n_heads=2, hidden_dim=64, vocab_size=100)
    ),
    "gpt2": lambda: transformers.GPT2LMHeadModel(
        transformers.GPT2Config(
            n_embd=32,
            n_layer=2,
            n_head=2,
            vocab_size=100,
            n_positions=64,
            bos_token_id=0,
            eos_token_id=0,
        )
    ),
    "t5": lambda: transformers.T5ForConditionalGeneration(
        transformers.T5Config(d_model=32, d_ff=64, num_layers=2, num_heads=2, d_kv=16, vocab_size=100)
    ),
    "cnn": SmallCNN,
}
