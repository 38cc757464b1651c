"""A real torch lineage through the Repository: every child bit-exact, each with its codec."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune

from mgit_lab.api import Repository
from mgit_lab.core.io.tensors import array_to_tensor, tensor_to_array


def state(model: nn.Module) -> dict[str, tuple[np.ndarray, str]]:
    return {k: tensor_to_array(v) for k, v in model.state_dict().items()}


def train(model: nn.Module, steps: int, params=None, lr: float = 1e-3) -> None:
    opt = torch.optim.AdamW(list(params) if params is not None else model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(32, 96, generator=gen)
        loss = (model(x) - x.roll(1, dims=1)).pow(2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()


def codecs_of(repo: Repository, name: str, tensor: str) -> tuple[str, ...]:
    return repo.store.info(repo.version(name).manifest[tensor].oid).codecs


def test_torch_lineage_round_trips_bit_exact_with_structure_codecs(tmp_path) -> None:
    base = nn.Sequential(nn.Linear(96, 256), nn.GELU(), nn.Linear(256, 96))
    train(base, 5)
    children = {}
    ft = copy.deepcopy(base)
    train(ft, 3, lr=1e-4)
    children["ft"] = ft
    pruned = copy.deepcopy(base)
    for layer in (pruned[0], pruned[2]):
        prune.l1_unstructured(layer, "weight", amount=0.5)
        prune.remove(layer, "weight")
    children["pruned"] = pruned
    children["half"] = copy.deepcopy(base).half()
    children["bf16"] = copy.deepcopy(base).bfloat16()
    lora = copy.deepcopy(base)
    with torch.no_grad():
        gen = torch.Generator().manual_seed(2)
        b, a = (
            torch.randn(256, 8, generator=gen) * 0.01,
            torch.randn(8, 96, generator=gen) * 0.01,
        )
        lora[0].weight += (b @ a) * 2.0
    children["lora"] = lora

    repo = Repository.init(tmp_path)
    repo.add_arrays(state(base), "base")
    for name, model in children.items():
        repo.add_arrays(state(model), name, parents=[("base", "finetune")])

    repo.store.clear_cache()
    for name, model in {"base": base, **children}.items():
        got = repo.checkout_arrays(name)
        for key, tensor in model.state_dict().items():
            array, dtype = got[key]
            assert array_to_tensor(array, dtype).dtype == tensor.dtype
            assert torch.equal(
                array_to_tensor(array, dtype).view(torch.uint8),
                tensor.contiguous().view(torch.uint8),
            )

    assert codecs_of(repo, "ft", "0.weight") == ("ordered-delta",)
    assert codecs_of(repo, "pruned", "0.weight") == ("prune-delta",)
    assert codecs_of(repo, "half", "0.weight") == ("cast-delta",)
    assert codecs_of(repo, "bf16", "2.weight") == ("cast-delta",)
    assert codecs_of(repo, "lora", "0.weight") == ("lowrank-delta",)
    stored = {name: repo.stored_nbytes(name)[0] for name in children}
    raw32 = sum(t.numel() * 4 for t in base.state_dict().values())
    assert stored["pruned"] < 0.01 * raw32
    assert stored["half"] < 0.01 * raw32
    assert stored["bf16"] < 0.01 * raw32
    assert stored["lora"] < 0.1 * raw32
    assert stored["ft"] < 0.9 * raw32
    assert repo.verify().ok
