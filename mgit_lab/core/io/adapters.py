"""PEFT adapters: a folder with ``adapter_config.json`` and ``adapter_model.safetensors``.

An adapter is stored as what it is, the small adapter (its own tensors, its config as the
architecture record ``{"kind": "peft", "config": {...}}``), as an ``adapter`` version of its
base; its files are kept like any folder's, so checkout gives back the adapter folder.
``repo.load(adapter)`` rebuilds the base version and wraps it with the adapter: it returns a
``peft.PeftModel`` (not merged; call ``merge_and_unload()`` for a plain model).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch

from ..errors import InvalidInput
from .hf_folder import inside

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def is_adapter_folder(path: Path) -> bool:
    return path.is_dir() and (path / ADAPTER_CONFIG).is_file() and not (path / "config.json").is_file()


def adapter_config(folder: Path) -> dict[str, Any]:
    """``adapter_config.json``, checked to be a JSON object of a PEFT adapter.

    Raises
    ------
    InvalidInput
        When it is not JSON, not an object, or names no ``peft_type``.
    """
    path = inside(folder, folder / ADAPTER_CONFIG)
    try:
        config = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{path} is not valid JSON: {exc}", hint="re-save the adapter with save_pretrained"
        ) from None
    if not isinstance(config, dict) or not isinstance(config.get("peft_type"), str):
        raise InvalidInput(f"{path} is not a PEFT adapter config (no peft_type)", hint="re-save the adapter")
    return config


def adapter_weights(folder: Path) -> Path:
    for name in ADAPTER_WEIGHTS:
        if (folder / name).is_file():
            return inside(folder, folder / name)
    raise InvalidInput(
        f"{folder} has an adapter_config.json but no adapter weights",
        hint=f"expected one of {', '.join(ADAPTER_WEIGHTS)}",
    )


def base_name(config: dict[str, Any]) -> str | None:
    name = config.get("base_model_name_or_path")
    return name[:200] if isinstance(name, str) and name else None


def wrap(base: torch.nn.Module, tensors: dict[str, torch.Tensor], architecture: dict[str, Any]) -> torch.nn.Module:
    """``base`` wrapped with the adapter (a ``peft.PeftModel``, not merged).

    Raises
    ------
    InvalidInput
        When peft is not installed or the adapter does not fit the base.
    """
    try:
        from peft import PeftConfig, get_peft_model, set_peft_model_state_dict
    except ImportError:
        raise InvalidInput("loading an adapter needs peft", hint="pip install peft") from None
    config = dict(architecture.get("config") or {})
    try:
        peft_config = PeftConfig.from_peft_type(**config)
        with warnings.catch_warnings():  # peft calls a transformers API deprecated in 5.x
            warnings.filterwarnings("ignore", category=FutureWarning, message=".*is_gradient_checkpointing.*")
            # the base is the adapter's parent version, whatever path its config remembers
            warnings.filterwarnings("ignore", category=UserWarning, message=".*base_model_name_or_path.*was renamed.*")
            model = get_peft_model(base, peft_config)
        result = set_peft_model_state_dict(model, tensors)
    except (TypeError, ValueError, KeyError, RuntimeError) as exc:
        raise InvalidInput(f"the adapter does not fit its base: {exc}", hint="check the adapter's parent") from None
    unexpected = list(getattr(result, "unexpected_keys", []) or [])
    if unexpected:
        raise InvalidInput(
            f"the adapter does not fit its base: {len(unexpected)} of its tensors have no place, e.g. {unexpected[0]}",
            hint="check the adapter's parent",
        )
    return model.eval()
