"""A two-task demo: a shared trunk with one head per task, trained on generated data.

Everything here is importable by reference, so it can be registered as a test
(``mgit_lab.examples.two_tasks:task_a``), recorded as a creation recipe
(``mgit_lab.examples.two_tasks:finetune``) or rebuilt from its architecture record.
Data are generated from fixed seeds, so every run gives the same numbers.

- task ``a``: is ``x . w_a > 0`` (a linear rule);
- task ``b``: is ``x . w_b + 2 x0 x1 > 0`` (a non-linear rule on other directions).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

N_IN = 16


class TwoTaskNet(nn.Module):
    """A shared MLP trunk and two 2-way heads (``head_a``, ``head_b``)."""

    def __init__(self, n_in: int = N_IN, hidden: int = 32) -> None:
        super().__init__()
        self.mgit_init = {"n_in": n_in, "hidden": hidden}
        self.trunk = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.head_a = nn.Linear(hidden, 2)
        self.head_b = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor, task: str = "a") -> torch.Tensor:
        h = self.trunk(x)
        return self.head_a(h) if task == "a" else self.head_b(h)


def task_data(task: str, n: int = 512, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)`` for ``task`` ('a' or 'b'); ``seed`` picks the sample, never the rule."""
    rule = torch.Generator().manual_seed(1234)
    w_a, w_b = torch.randn(N_IN, generator=rule), torch.randn(N_IN, generator=rule)
    x = torch.randn(
        n,
        N_IN,
        generator=torch.Generator().manual_seed(seed + (0 if task == "a" else 10_000)),
    )
    if task == "a":
        score = x @ w_a
    elif task == "b":
        score = x @ w_b + 2.0 * x[:, 0] * x[:, 1]
    else:
        raise ValueError(f"unknown task {task!r} (use 'a' or 'b')")
    return x, (score > 0).long()


def _train(model: nn.Module, tasks: list[str], steps: int, lr: float, seed: int) -> nn.Module:
    """Full-batch SGD with momentum 0.9 (written out: torch.optim would import torch._dynamo).

    Runs on one thread: for matrices this small, more threads only add synchronisation.
    """
    data = {t: task_data(t, 256, seed) for t in tasks}
    params = [p for p in model.parameters() if p.requires_grad]
    velocity = [torch.zeros_like(p) for p in params]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model.train()
        for _ in range(steps):
            losses = [nn.functional.cross_entropy(model(x, t), y) for t, (x, y) in data.items()]
            loss = torch.stack(losses).sum()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, v, g in zip(params, velocity, grads, strict=True):
                    v.mul_(0.9).add_(g)
                    p.sub_(lr * v)
    finally:
        torch.set_num_threads(threads)
    return model.eval()


def make_base(seed: int = 0, steps: int = 10) -> TwoTaskNet:
    """A freshly initialised net briefly pre-trained on both tasks."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = TwoTaskNet()
    return _train(model, ["a", "b"], steps, 0.05, seed=100 + seed)  # type: ignore[return-value]


def pretrain(parent_model: nn.Module, steps: int = 60, seed: int = 1) -> nn.Module:
    """Recipe: continue pre-training on both tasks (a new version of the base)."""
    return _train(copy.deepcopy(parent_model), ["a", "b"], steps, 0.05, seed=200 + seed)


def finetune(
    parent_model: nn.Module,
    task: str = "a",
    steps: int = 100,
    lr: float = 0.05,
    seed: int = 0,
) -> nn.Module:
    """Recipe: fine-tune the trunk and the head of one task on that task."""
    if task not in ("a", "b"):
        raise ValueError(f"unknown task {task!r} (use 'a' or 'b')")
    model = copy.deepcopy(parent_model)
    other: nn.Module = model.get_submodule("head_b" if task == "a" else "head_a")
    for p in other.parameters():
        p.requires_grad_(False)
    _train(model, [task], steps, lr, seed=300 + seed)
    for p in other.parameters():
        p.requires_grad_(True)
    return model


def add_noise(parent_model: nn.Module, scale: float = 0.1, seed: int = 0) -> nn.Module:
    """Recipe: add Gaussian noise of std ``scale`` to every parameter (a damaging edit)."""
    model = copy.deepcopy(parent_model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen))
    return model


def heldout_a() -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out data of task a (a dataset function for tests)."""
    return task_data("a", 2048, seed=999)


def heldout_b() -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out data of task b."""
    return task_data("b", 2048, seed=999)


def _score(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor], task: str) -> dict[str, float]:
    x, y = data
    with torch.no_grad():
        logits = model(x, task)
        return {
            "accuracy": float((logits.argmax(1) == y).float().mean()),
            "loss": float(nn.functional.cross_entropy(logits, y)),
        }


def task_a(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor]) -> dict[str, float]:
    """Accuracy (higher is better) and cross-entropy (lower is better) on task a."""
    return _score(model, data, "a")


def task_b(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor]) -> dict[str, float]:
    """Accuracy (higher is better) and cross-entropy (lower is better) on task b."""
    return _score(model, data, "b")
