"""A small but real model lineage for the storage benchmark.

A BERT-style masked language model (MiniLM-L6-H384 sizes: 22.7M parameters) built from a
``transformers.BertConfig``, pre-trained for a few hundred AdamW steps on generated token
sequences with learnable structure, and the children the storage targets are about:

- ``full-ft``: every parameter fine-tuned on a shifted data distribution;
- ``last2-ft``: only the last two encoder layers fine-tuned;
- ``lora-merged``: a rank-8 LoRA on every linear layer of the encoder (query, key, value,
  attention output, intermediate, output), trained, then merged (``W += scale * B @ A``
  in float32, as PEFT's ``merge_and_unload`` does);
- ``pruned``: 50% L1-magnitude pruning of every linear weight (``torch.nn.utils.prune``);
- ``fp16``: the base cast to float16;
- ``chain-1`` ... ``chain-10``: ten successive fine-tunes, each from the previous one.

Everything is seeded; no downloads.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import BertConfig, BertForMaskedLM

VOCAB = 30522
MASK_ID = 103


def make_config() -> BertConfig:
    """MiniLM-L6-H384 sizes (22.7M parameters)."""
    return BertConfig(
        vocab_size=VOCAB,
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=128,
    )


class TokenStream:
    """Generated text: a sparse Markov chain over a Zipf-distributed vocabulary."""

    def __init__(self, seed: int, vocab: int = VOCAB, active: int = 6000) -> None:
        self.rng = np.random.default_rng(seed)
        ranks = np.arange(1, active + 1)
        self.p = (1.0 / ranks) / (1.0 / ranks).sum()
        self.tokens = self.rng.choice(np.arange(1000, vocab), size=active, replace=False)
        self.follow = self.rng.integers(0, active, size=(active, 4))

    def batch(self, n: int, length: int) -> torch.Tensor:
        out = np.empty((n, length), dtype=np.int64)
        cur = self.rng.choice(len(self.p), size=n, p=self.p)
        for t in range(length):
            out[:, t] = self.tokens[cur]
            jump = self.rng.random(n) < 0.3
            nxt = self.follow[cur, self.rng.integers(0, 4, size=n)]
            cur = np.where(jump, self.rng.choice(len(self.p), size=n, p=self.p), nxt)
        return torch.from_numpy(out)


def mlm_step(model: BertForMaskedLM, ids: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Masked-LM loss on 15% of the positions (the head runs on masked positions only)."""
    mask = torch.rand(ids.shape, generator=gen) < 0.15
    mask[:, 0] |= ~mask.any(dim=1)
    inputs = ids.masked_fill(mask, MASK_ID)
    hidden = model.bert(input_ids=inputs).last_hidden_state
    logits = model.cls(hidden[mask])
    return nn.functional.cross_entropy(logits, ids[mask])


def train(
    model: BertForMaskedLM,
    stream: TokenStream,
    steps: int,
    lr: float,
    params: Iterable[nn.Parameter] | None = None,
    *,
    seed: int,
    batch: int = 8,
    length: int = 32,
) -> None:
    """``steps`` AdamW steps on ``params`` (default: every parameter)."""
    model.train()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(list(params) if params is not None else model.parameters(), lr=lr)
    for _ in range(steps):
        loss = mlm_step(model, stream.batch(batch, length), gen)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    model.eval()


class LoRALinear(nn.Module):
    """``base(x) + scale * x A^T B^T`` with the base frozen (B starts at zero)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, gen: torch.Generator) -> None:
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.A = nn.Parameter(torch.randn(rank, base.in_features, generator=gen) / base.in_features**0.5)
        self.B = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

    def merged(self) -> nn.Linear:
        with torch.no_grad():
            self.base.weight += (self.B @ self.A) * self.scale
        return self.base


def lora_finetune(model: BertForMaskedLM, stream: TokenStream, steps: int, *, rank: int = 8, seed: int) -> None:
    """Train a rank-``rank`` LoRA on every linear layer of the encoder, then merge it in place."""
    gen = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    wrapped = []
    for layer in model.bert.encoder.layer:
        owners = [
            (layer.attention.self, ("query", "key", "value")),
            (layer.attention.output, ("dense",)),
            (layer.intermediate, ("dense",)),
            (layer.output, ("dense",)),
        ]
        for owner, names in owners:
            for name in names:
                lora = LoRALinear(getattr(owner, name), rank, alpha=2.0 * rank, gen=gen)
                setattr(owner, name, lora)
                wrapped.append((owner, name, lora))
    params = [p for _, _, lo in wrapped for p in (lo.A, lo.B)]
    train(model, stream, steps, 1e-3, params, seed=seed)
    for owner, name, lora in wrapped:
        setattr(owner, name, lora.merged())
    for p in model.parameters():
        p.requires_grad_(True)


def magnitude_prune(model: BertForMaskedLM, amount: float = 0.5) -> None:
    """L1-magnitude pruning of every linear weight, made permanent (``prune.remove``)."""
    from torch.nn.utils import prune

    for module in model.modules():
        if isinstance(module, nn.Linear) and module.weight.shape[0] != VOCAB:
            prune.l1_unstructured(module, "weight", amount=amount)
            prune.remove(module, "weight")


def state_of(model: nn.Module) -> dict[str, tuple[np.ndarray, str]]:
    """``{name: (array, dtype)}`` of the model's parameters (tied weights once)."""
    out = {}
    for name, p in model.named_parameters():
        t = p.detach().contiguous()
        if t.dtype == torch.bfloat16:
            out[name] = (t.view(torch.int16).numpy().view(np.uint16).copy(), "bfloat16")
        else:
            out[name] = (t.numpy().copy(), str(t.dtype).removeprefix("torch."))
    return out


@dataclass
class Child:
    """One stored model of the lineage."""

    name: str
    parent: str | None
    relation: str
    state: dict[str, tuple[np.ndarray, str]]


def build_lineage(
    *,
    pretrain_steps: int = 200,
    finetune_steps: int = 40,
    chain_steps: int = 8,
    chain_length: int = 10,
    finetune_lr: float = 3e-5,
    log: Callable[[str], None] = print,
) -> list[Child]:
    """Train the base and derive every child; returns them parents-first."""
    torch.manual_seed(0)
    t0 = time.perf_counter()
    base = BertForMaskedLM(make_config())
    pre = TokenStream(seed=1)
    train(base, pre, pretrain_steps, 5e-4, seed=10)
    log(
        f"base: {sum(p.numel() for p in base.parameters()) / 1e6:.1f}M parameters, "
        f"{pretrain_steps} steps in {time.perf_counter() - t0:.0f} s"
    )
    out = [Child("base", None, "version", state_of(base))]
    task = TokenStream(seed=2)

    full = copy.deepcopy(base)
    train(full, task, finetune_steps, finetune_lr, seed=20)
    out.append(Child("full-ft", "base", "finetune", state_of(full)))

    last2 = copy.deepcopy(base)
    params = [p for layer in last2.bert.encoder.layer[-2:] for p in layer.parameters()]
    train(last2, task, finetune_steps, finetune_lr, params, seed=21)
    out.append(Child("last2-ft", "base", "finetune", state_of(last2)))

    lora = copy.deepcopy(base)
    lora_finetune(lora, task, finetune_steps, seed=22)
    out.append(Child("lora-merged", "base", "adapter", state_of(lora)))

    pruned = copy.deepcopy(base)
    magnitude_prune(pruned, 0.5)
    out.append(Child("pruned", "base", "prune", state_of(pruned)))

    out.append(Child("fp16", "base", "quantize", state_of(copy.deepcopy(base).half())))

    cur, parent = copy.deepcopy(base), "base"
    for g in range(1, chain_length + 1):
        train(cur, TokenStream(seed=100 + g), chain_steps, finetune_lr, seed=100 + g)
        name = f"chain-{g}"
        out.append(Child(name, parent, "finetune", state_of(cur)))
        parent = name
    log(f"lineage of {len(out)} models trained in {time.perf_counter() - t0:.0f} s")
    return out


def model_from_state(state: dict[str, tuple[np.ndarray, str]]) -> BertForMaskedLM:
    """The lineage's model with the parameters of ``state`` (fp32 states only)."""
    model = BertForMaskedLM(make_config())
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, (array, _) in state.items():
            params[name].copy_(torch.from_numpy(array))
    return model


def build_bf16_family(
    base_state: dict[str, tuple[np.ndarray, str]],
    *,
    finetune_steps: int = 40,
    finetune_lr: float = 1e-4,
    log: Callable[[str], None] = print,
) -> list[Child]:
    """``bf16``: the base cast to bfloat16; ``bf16-ft``: that model fine-tuned in bfloat16.

    The fine-tune keeps weights and AdamW state in bfloat16 (every optimizer step rounds
    to bfloat16), so its deltas are real bf16 deltas, not casts of fp32 ones.
    """
    t0 = time.perf_counter()
    model = model_from_state(base_state).to(torch.bfloat16)
    out = [Child("bf16", "base", "quantize", state_of(model))]
    train(model, TokenStream(seed=2), finetune_steps, finetune_lr, seed=30)
    out.append(Child("bf16-ft", "bf16", "finetune", state_of(model)))
    log(f"bf16 family trained in {time.perf_counter() - t0:.0f} s")
    return out
