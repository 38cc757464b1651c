"""Shared cases for comparing our merge strategies with mergekit 0.1.5 on the same tensors.

Each case names our strategy, mergekit's method, how our arguments map to mergekit's
parameters, and the agreement we state: the largest difference in units in the last place
of the storage dtype (0: bit-identical).  Fixtures are seeded; the edge cases are odd
sizes, task vectors that cancel exactly, and many tied magnitudes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from mgit_lab.core.io.tensors import tensor_to_array
from mgit_lab.core.merge import TensorJob, get_strategy
from mgit_lab.core.merge.seeds import tensor_seed
from mgit_lab.core.merge.task_vectors import TaskVectorStrategy

IDS = ("m0", "m1", "m2")


@dataclass(frozen=True)
class Case:
    ours: str
    theirs: str
    args: dict[str, Any] = field(default_factory=dict)  # ours (shared)
    weights: tuple[float, ...] = (1.0, 1.0, 1.0)
    model_args: dict[str, tuple[float, ...]] = field(default_factory=dict)  # ours, per model
    theirs_args: dict[str, Any] = field(default_factory=dict)  # mergekit's shared parameters
    base: str = "ancestor"  # "ancestor", "a" (A plays mergekit's base) or "none"
    models: int = 3
    send_weights: bool = True

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in {**self.args, **self.model_args}.items())
        return f"{self.ours}[{extra}]" if extra else self.ours


def fixtures(kind: str, seed: int = 3) -> tuple[np.ndarray, list[np.ndarray]]:
    """float64 values of (ancestor, models) for a fixture kind: random, odd, cancel, tied."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        o = rng.normal(size=(16, 24))
        return o, [o + rng.normal(scale=0.05, size=o.shape) for _ in range(3)]
    if kind == "odd":
        o = rng.normal(size=(7, 13))
        return o, [o + rng.normal(scale=0.05, size=o.shape) for _ in range(3)]
    if kind == "cancel":  # exact opposite task vectors of A and B on every entry, C small
        o = rng.integers(-64, 64, size=(9, 11)) / 64
        d = rng.integers(1, 8, size=o.shape) * rng.choice([-1, 1], size=o.shape) / 64
        return o, [o + d, o - d, o + rng.integers(-1, 2, size=o.shape) / 256]
    if kind == "tied":  # few distinct magnitudes: many ties at every threshold
        o = rng.integers(-32, 32, size=(12, 10)) / 32
        return o, [o + rng.choice([-2, -1, 1, 2], size=o.shape) / 16 for _ in range(3)]
    raise ValueError(kind)


def stored(values: np.ndarray, dtype: str) -> tuple[np.ndarray, str]:
    t = torch.from_numpy(values).to({"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype])
    array, name = tensor_to_array(t)
    return np.array(array, copy=True), name


def ours(case: Case, o: tuple, models: list[tuple], compute: str = "float32") -> tuple[np.ndarray, str]:
    n = case.models
    strategy = get_strategy(case.ours)
    per_model = []
    declared = {a.name for a in strategy.arguments if a.per_model}
    for i in range(n):
        values: dict[str, Any] = {k: v[i] for k, v in case.model_args.items()}
        if "weight" in declared:
            values.setdefault("weight", case.weights[i])
        per_model.append(values)
    from mgit_lab.core.merge.registry import parse_arguments, parse_model_arguments

    job = TensorJob(
        name="w",
        models=tuple(models[:n]),
        ancestor=o,
        args=parse_arguments(strategy, case.args),
        model_args=tuple(parse_model_arguments(strategy, n, case.args, per_model)),
        dtype=compute,
        seed=tensor_seed(0, "w"),
    )
    out = strategy.merge(job)
    assert out is not None
    return out


def theirs(case: Case, o: tuple, models: list[tuple], compute: str = "float32") -> tuple[np.ndarray, str]:
    import mergekit.merge_methods.registry as registry
    from mergekit.merge_methods.base import TensorGroup

    from mgit_lab.core.io.tensors import array_to_tensor

    n = case.models
    tensors = [array_to_tensor(np.array(m[0], copy=True), m[1]) for m in models[:n]]
    ids = list(IDS[:n])
    base_index = None
    if case.base == "ancestor":
        tensors.insert(0, array_to_tensor(np.array(o[0], copy=True), o[1]))
        ids.insert(0, "base")
        base_index = 0
    elif case.base == "a":
        base_index = 0
    params: dict[str, Any] = dict(case.theirs_args)
    non_base = [i for i in ids if i != "base"] if case.base != "a" else ids[1:]
    if case.send_weights:
        params["weight"] = dict(zip(non_base if case.base != "a" else ids, case.weights, strict=False))
    for key, values in case.model_args.items():
        params[key] = dict(zip(non_base, values, strict=False))
    group = TensorGroup.from_tensors(tensors, ids=ids, base_index=base_index, name="w")
    method = registry.get(case.theirs)
    torch.manual_seed(tensor_seed(0, "w"))
    dt = {"float32": torch.float32, "float64": torch.float64}[compute]
    out = method([group], parameters=params, dtype=dt, out_dtype=tensors[-1].dtype)[0]
    array, name = tensor_to_array(out.contiguous())
    return np.array(array, copy=True), name


def ulps(x: tuple[np.ndarray, str], y: tuple[np.ndarray, str]) -> int:
    """The largest distance between ``x`` and ``y`` in units in the last place (same dtype)."""
    assert x[1] == y[1] and x[0].shape == y[0].shape
    if x[1] == "bfloat16":
        a, b = x[0].astype(np.int64), y[0].astype(np.int64)
        a = np.where(a & 0x8000, -(a & 0x7FFF), a)
        b = np.where(b & 0x8000, -(b & 0x7FFF), b)
    else:
        a, b = x[0].view(np.int32).astype(np.int64), y[0].view(np.int32).astype(np.int64)
        a = np.where(a < 0, -(a & 0x7FFFFFFF), a)
        b = np.where(b < 0, -(b & 0x7FFFFFFF), b)
    return int(np.abs(a - b).max()) if a.size else 0


def is_task_vector(name: str) -> bool:
    return isinstance(get_strategy(name), TaskVectorStrategy)
