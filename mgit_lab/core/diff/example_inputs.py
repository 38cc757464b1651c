"""Example inputs for tracers that run the model: made from a Hugging Face config, or
guessed from the first layer of a plain module."""

from __future__ import annotations

import inspect
from typing import Any

import torch

from ..errors import InvalidInput

#: sequence length of made-up token inputs.
SEQ_LEN = 8

ExampleInputs = tuple[tuple, dict]


def normalize(example_inputs: Any) -> ExampleInputs | None:
    """``(args, kwargs)`` from a tensor, a tuple of args, a dict of kwargs or ``(args, kwargs)``."""
    if example_inputs is None:
        return None
    if isinstance(example_inputs, torch.Tensor):
        return (example_inputs,), {}
    if isinstance(example_inputs, dict):
        return (), dict(example_inputs)
    if (
        isinstance(example_inputs, tuple)
        and len(example_inputs) == 2
        and isinstance(example_inputs[1], dict)
        and isinstance(example_inputs[0], (tuple, list))
    ):
        return tuple(example_inputs[0]), dict(example_inputs[1])
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs), {}
    raise InvalidInput(
        f"example inputs of type {type(example_inputs).__name__} are not understood",
        hint="pass a tensor, a tuple of positional tensors, a dict of keyword tensors or (args, kwargs)",
    )


def _forward_params(model: torch.nn.Module) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        return {}


def _int(value: Any, default: int) -> int:
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    return int(value) if isinstance(value, int) and value > 0 else default


def from_config(model: torch.nn.Module) -> ExampleInputs | None:
    """Inputs for a Hugging Face model, made from its config (None when not one)."""
    config = getattr(model, "config", None)
    main = getattr(model, "main_input_name", None)
    if config is None or main is None:
        return None
    params = _forward_params(model)
    gen = torch.Generator().manual_seed(0)
    kwargs: dict[str, Any] = {}
    if main == "input_ids":
        vocab = _int(getattr(config, "vocab_size", None), 2)
        limit = _int(
            getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None),
            SEQ_LEN,
        )
        seq = max(1, min(SEQ_LEN, limit))
        ids = torch.randint(0, vocab, (1, seq), generator=gen)
        kwargs["input_ids"] = ids
        if "attention_mask" in params:
            kwargs["attention_mask"] = torch.ones_like(ids)
        if "decoder_input_ids" in params:
            kwargs["decoder_input_ids"] = torch.randint(0, vocab, (1, seq), generator=gen)
    elif main == "pixel_values":
        size = _int(getattr(config, "image_size", None), 224)
        channels = _int(getattr(config, "num_channels", None), 3)
        kwargs["pixel_values"] = torch.randn(1, channels, size, size, generator=gen)
    elif main == "input_values":
        kwargs["input_values"] = torch.randn(1, 16000, generator=gen)
    else:
        return None
    if "use_cache" in params:
        kwargs["use_cache"] = False
    return (), kwargs


def from_first_layer(model: torch.nn.Module) -> ExampleInputs | None:
    """A guess for a plain module from its first parameterised layer (None when no guess)."""
    gen = torch.Generator().manual_seed(0)
    for mod in model.modules():
        if isinstance(mod, torch.nn.Linear):
            return (torch.randn(2, mod.in_features, generator=gen, dtype=mod.weight.dtype),), {}
        if isinstance(mod, torch.nn.Embedding):
            return (torch.randint(0, mod.num_embeddings, (1, SEQ_LEN), generator=gen),), {}
        if isinstance(mod, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
            dims = {torch.nn.Conv1d: 1, torch.nn.Conv2d: 2, torch.nn.Conv3d: 3}[type(mod)]
            shape = (1, mod.in_channels, *([32] * dims))
            return (torch.randn(*shape, generator=gen, dtype=mod.weight.dtype),), {}
    return None


def to_device(inputs: ExampleInputs, device: torch.device) -> ExampleInputs:
    """The inputs with every tensor moved to ``device``."""
    from torch.utils import _pytree as pytree

    def move(x: Any) -> Any:
        return x.to(device) if isinstance(x, torch.Tensor) else x

    return pytree.tree_map(move, inputs[0]), pytree.tree_map(move, inputs[1])
