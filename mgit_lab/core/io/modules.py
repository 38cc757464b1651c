"""Rebuild an ``nn.Module`` from a stored state and its architecture record."""

from __future__ import annotations

from typing import Any

import torch

from ..errors import InvalidInput
from .architecture import build_module
from .state import ArrayState
from .tensors import array_to_tensor


def tensors_of(state: ArrayState) -> dict[str, torch.Tensor]:
    """``{name: tensor}`` of a stored state, bit-exact, each tensor its own memory."""
    return {k: array_to_tensor(a, d) for k, (a, d) in state.items()}


def tied_keys(module: torch.nn.Module) -> dict[str, str]:
    """Hugging Face tied parameters: ``{alias: source}`` (empty for other modules)."""
    keys = getattr(module, "all_tied_weights_keys", None)
    if keys is None:
        keys = getattr(module, "_tied_weights_keys", None)
    if isinstance(keys, dict):
        return {str(k): str(v) for k, v in keys.items()}
    return {}


def load_module(
    state: ArrayState, architecture: dict[str, Any] | None, *, name: str = "this version"
) -> torch.nn.Module:
    """A module of ``architecture`` holding exactly the tensors of ``state``.

    Tensors are assigned, not copied into the module's own dtype, so an fp16 version comes
    back as fp16.  Hugging Face tied weights missing from ``state`` are re-tied.

    Raises
    ------
    InvalidInput
        When the architecture is unknown or the state does not fit it.
    """
    module = build_module(architecture)
    tensors = tensors_of(state)
    expected = module.state_dict()
    tied = tied_keys(module)
    missing = sorted(k for k in expected if k not in tensors and k not in tied)
    unexpected = sorted(k for k in tensors if k not in expected)
    wrong = sorted(k for k in tensors if k in expected and tuple(expected[k].shape) != tuple(tensors[k].shape))
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} tensor(s) such as {missing[0]!r}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected tensor(s) such as {unexpected[0]!r}")
        if wrong:
            parts.append(f"{len(wrong)} tensor(s) of the wrong shape such as {wrong[0]!r}")
        cls = architecture.get("class") if architecture else None
        raise InvalidInput(
            f"the stored tensors of {name} do not fit its architecture {cls}: " + "; ".join(parts),
            hint="check it out as a state dict instead (`mgit checkout -o file.safetensors`)",
        )
    module.load_state_dict(tensors, strict=False, assign=True)
    if tied and hasattr(module, "tie_weights"):
        equal = all(
            alias not in tensors or source not in tensors or torch.equal(tensors[alias], tensors[source])
            for alias, source in tied.items()
        )
        if equal:
            module.tie_weights()  # type: ignore[operator]
    if architecture and architecture.get("kind") == "transformers":
        module.eval()  # as from_pretrained returns it
    return module
