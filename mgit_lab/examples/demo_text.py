"""The demo lineage's models, data, recipes and tests: a tiny BERT on generated text.

Importable by reference, so the demo's tests (``mgit_lab.examples.demo_text:sentiment_test``)
and creation recipes (``...:finetune_classifier``) survive a restart.  Everything is seeded:
every run builds the same models.

Text: sequences of 24 tokens from a 128-token vocabulary.  Each sequence has a *topic*
(tokens 4-63 or 64-127, drawn by a bigram rule within the topic's range) and sprinkled
*sentiment* words of one polarity, the first one opening the sequence (4-11 and 64-71
positive, 12-19 and 72-79 negative).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

VOCAB, SEQ, MASK_ID = 128, 24, 3
POSITIVE = list(range(4, 12)) + list(range(64, 72))
NEGATIVE = list(range(12, 20)) + list(range(72, 80))


def config(num_labels: int = 2):
    """The tiny BERT configuration (about 0.1M parameters)."""
    from transformers import BertConfig

    return BertConfig(  # type: ignore[call-arg]  # num_labels goes to PretrainedConfig
        vocab_size=VOCAB,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=32,
        type_vocab_size=1,
        num_labels=num_labels,
    )


def corpus(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(tokens [n, SEQ], topic labels [n], sentiment labels [n])``."""
    g = torch.Generator().manual_seed(seed)
    topic = torch.randint(0, 2, (n,), generator=g)
    lo = 4 + 60 * topic  # topic 0: 4..63, topic 1: 64..127
    steps = torch.randint(1, 6, (n, SEQ), generator=g)
    start = torch.randint(0, 60, (n,), generator=g)
    offsets = (start[:, None] + torch.cumsum(steps * 7, dim=1)) % 60
    tokens = lo[:, None] + offsets
    sentiment = torch.randint(0, 2, (n,), generator=g)
    n_words = torch.randint(1, 4, (n,), generator=g)
    for i in range(n):
        pool = (POSITIVE if sentiment[i] else NEGATIVE)[8 * int(topic[i]) : 8 * int(topic[i]) + 8]
        where = torch.cat([torch.zeros(1, dtype=torch.long), 1 + torch.randperm(SEQ - 1, generator=g)])
        where = where[: int(n_words[i])]  # a sequence opens with a sentiment word
        picks = torch.randint(0, 8, (int(n_words[i]),), generator=g)
        tokens[i, where] = torch.tensor([pool[int(j)] for j in picks], dtype=torch.long)
    return tokens, topic, sentiment


def _adam(params: Sequence[torch.Tensor], lr: float):
    """A minimal Adam (torch.optim imports torch._dynamo, seconds of start-up)."""
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    t = 0

    def step(grads: tuple[torch.Tensor, ...]) -> None:
        nonlocal t
        t += 1
        with torch.no_grad():
            for p, g, (m, v) in zip(params, grads, state, strict=True):
                m.mul_(0.9).add_(g, alpha=0.1)
                v.mul_(0.999).addcmul_(g, g, value=0.001)
                p.sub_(lr * (m / (1 - 0.9**t)) / ((v / (1 - 0.999**t)).sqrt() + 1e-8))

    return step


def _threads(fn):
    def run(*args, **kwargs):
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny matrices: more threads only add overhead
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    run.__doc__, run.__name__, run.__qualname__ = fn.__doc__, fn.__name__, fn.__qualname__
    run.__module__ = fn.__module__
    return run


def _mlm_batch(tokens: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    mask = torch.rand(tokens.shape, generator=g) < 0.15
    labels = torch.where(mask, tokens, torch.full_like(tokens, -100))
    return torch.where(mask, torch.full_like(tokens, MASK_ID), tokens), labels


@_threads
def pretrain(parent_model: nn.Module | None = None, steps: int = 40, lr: float = 5e-3, seed: int = 0) -> nn.Module:
    """Masked-LM (pre-)training on generated text; from scratch when ``parent_model`` is None."""
    from transformers import BertForMaskedLM

    torch.manual_seed(seed)
    model = BertForMaskedLM(config())
    if parent_model is not None:
        model.load_state_dict(parent_model.state_dict())
    tokens, _, _ = corpus(32 * steps, seed=seed)
    g = torch.Generator().manual_seed(seed + 1)
    params = [p for p in model.parameters() if p.requires_grad]
    step = _adam(params, lr)
    model.train()
    for i in range(steps):
        inputs, labels = _mlm_batch(tokens[32 * i : 32 * (i + 1)], g)
        loss = model(input_ids=inputs, labels=labels).loss
        step(torch.autograd.grad(loss, params))
    return model.eval()


@_threads
def finetune_classifier(
    parent_model: nn.Module, task: str = "sentiment", steps: int = 40, lr: float = 3e-3, seed: int = 0
) -> nn.Module:
    """Recipe: a 2-way classifier on ``task`` (``sentiment`` or ``topic``) from a BERT parent."""
    from transformers import BertForSequenceClassification

    if task not in ("sentiment", "topic"):
        raise ValueError(f"unknown task {task!r} (use 'sentiment' or 'topic')")
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config())
    encoder = getattr(parent_model, "bert", parent_model)
    model.bert.load_state_dict(encoder.state_dict(), strict=False)  # an MLM parent has no pooler
    tokens, topic, sentiment = corpus(32 * steps, seed=100 + seed)
    labels = sentiment if task == "sentiment" else topic
    params = [p for p in model.parameters() if p.requires_grad]
    step = _adam(params, lr)
    model.train()
    for i in range(steps):
        sl = slice(32 * i, 32 * (i + 1))
        loss = model(input_ids=tokens[sl], labels=labels[sl]).loss
        step(torch.autograd.grad(loss, params))
    return model.eval()


def magnitude_prune(parent_model: nn.Module, fraction: float = 0.5) -> nn.Module:
    """Recipe: zero the smallest ``fraction`` of every Linear weight."""
    import copy

    model = copy.deepcopy(parent_model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                w = m.weight
                cut = w.abs().flatten().kthvalue(max(1, int(w.numel() * fraction))).values
                w.mul_((w.abs() > cut).to(w.dtype))
    return model


def _classify(model: nn.Module, task: str) -> dict[str, float]:
    tokens, topic, sentiment = corpus(512, seed=999)
    labels = sentiment if task == "sentiment" else topic
    model = model.float() if next(model.parameters()).dtype != torch.float32 else model
    with torch.no_grad():
        logits = model(input_ids=tokens).logits
    return {
        "accuracy": float((logits.argmax(-1) == labels).float().mean()),
        "loss": float(nn.functional.cross_entropy(logits, labels)),
    }


def sentiment_test(model: nn.Module) -> dict[str, float]:
    """Held-out sentiment accuracy (higher is better) and loss (lower is better)."""
    return _classify(model, "sentiment")


def topic_test(model: nn.Module) -> dict[str, float]:
    """Held-out topic accuracy (higher is better) and loss (lower is better)."""
    return _classify(model, "topic")


def mlm_test(model: nn.Module) -> dict[str, float]:
    """Held-out masked-LM loss (lower is better)."""
    tokens, _, _ = corpus(256, seed=998)
    inputs, labels = _mlm_batch(tokens, torch.Generator().manual_seed(5))
    with torch.no_grad():
        return {"loss": float(model(input_ids=inputs, labels=labels).loss)}
