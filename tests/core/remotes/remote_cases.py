"""Small lineages for the remote tests (seeded)."""

from __future__ import annotations

import numpy as np

from mgit_lab.api import Repository


def layer_state(seed: int = 0, layers: int = 6, width: int = 128) -> dict[str, tuple[np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    state = {}
    for i in range(layers):
        state[f"l{i}.weight"] = (rng.standard_normal((width, width)).astype(np.float32), "float32")
        state[f"l{i}.bias"] = (rng.standard_normal(width).astype(np.float32), "float32")
    return state


def finetuned(
    state: dict[str, tuple[np.ndarray, str]], seed: int, touched: int = 2
) -> dict[str, tuple[np.ndarray, str]]:
    """``state`` with small changes to the first ``touched`` layers' weights."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, (a, d) in state.items():
        layer = int(k.split(".")[0][1:])
        out[k] = (a + rng.standard_normal(a.shape).astype(np.float32) * 1e-3, d) if layer < touched else (a, d)
    return out


def same_state(a: Repository, b: Repository, key: str) -> bool:
    x, y = a.checkout_arrays(key), b.checkout_arrays(key)
    return x.keys() == y.keys() and all(np.array_equal(x[k][0], y[k][0]) and x[k][1] == y[k][1] for k in x)
