"""Model files as diff arguments: safetensors files, ``.pt``/``.pth``/``.bin`` state dicts
and Hugging Face folders.

Minimal loading for the diff only (the repository's own loaders live in ``core/io``).
Pickles are read with ``torch.load(weights_only=True)``.  The architecture comes from a
folder's ``config.json``, a ``config.json`` beside the file, or safetensors metadata
``mgit.architecture`` (the JSON of an architecture record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import InvalidInput
from ..io.hf_folder import inside

_PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt"}
_NOT_A_MODEL_HINT = (
    "give a .safetensors file, a .pt/.pth/.bin state dict, a Hugging Face model folder "
    "(config.json with model.safetensors or pytorch_model.bin), or a version name"
)


@dataclass
class ModelFile:
    """A model read from disk: its tensors and, when known, its architecture record."""

    label: str
    state: dict[str, torch.Tensor]
    architecture: dict[str, Any] | None


def _hf_architecture(config_path: Path) -> dict[str, Any] | None:
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{config_path} is not a readable JSON config: {exc}") from None
    if not isinstance(config, dict):
        raise InvalidInput(
            f"{config_path} holds a JSON {type(config).__name__}, not an object",
            hint="a Hugging Face config.json is an object ({...}): fix or re-save the model folder",
        )
    archs = config.get("architectures") or []
    if not isinstance(archs, list) or not all(isinstance(a, str) for a in archs):
        raise InvalidInput(
            f"{config_path}: 'architectures' must be a list of class names, got {json.dumps(archs)[:80]}",
            hint='write e.g. "architectures": ["BertForMaskedLM"]',
        )
    if "model_type" not in config or not archs:
        return None
    return {"kind": "transformers", "class": archs[0], "config": config}


def _load_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            names = list(f.keys())  # safe_open is no dict: keys() is its API
            return {k: f.get_tensor(k) for k in names}, meta
    # safetensors raises its own error types for damaged files
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f"{path} is not a readable safetensors file: {exc}", hint=_NOT_A_MODEL_HINT) from None


def _load_pickle(path: Path) -> dict[str, torch.Tensor]:
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    # any unpickling failure means "not a state dict we can read safely"
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(
            f"{path} is not a state dict torch can load safely (weights_only=True): {str(exc).splitlines()[0][:200]}",
            hint=_NOT_A_MODEL_HINT,
        ) from None
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InvalidInput(
            f"{path} holds no state dict (a mapping of names to tensors)",
            hint=_NOT_A_MODEL_HINT,
        )
    return dict(obj)


def _load_folder(path: Path) -> ModelFile:
    config = path / "config.json"
    if not config.is_file():
        raise InvalidInput(
            f"{path} is a folder without config.json, not a Hugging Face model folder",
            hint=_NOT_A_MODEL_HINT,
        )
    arch = _hf_architecture(config)
    state: dict[str, torch.Tensor] = {}
    shards = [inside(path, p) for p in sorted(path.glob("*.safetensors"))]
    if shards:
        for shard in shards:
            state.update(_load_safetensors(shard)[0])
    else:
        pickles = [inside(path, p) for p in sorted(path.iterdir()) if p.suffix in _PICKLE_SUFFIXES]
        if not pickles:
            raise InvalidInput(
                f"{path} has a config.json but no weights (*.safetensors or pytorch_model.bin)",
                hint=_NOT_A_MODEL_HINT,
            )
        for p in pickles:
            state.update(_load_pickle(p))
    return ModelFile(str(path), state, arch)


def load_model_file(path: str | Path) -> ModelFile:
    """Read a model file or folder.

    Raises
    ------
    InvalidInput
        When ``path`` is not one of the supported model formats.
    """
    p = Path(path)
    if p.is_dir():
        return _load_folder(p)
    if not p.is_file():
        raise InvalidInput(f"{p} does not exist", hint=_NOT_A_MODEL_HINT)
    sibling = p.parent / "config.json"
    arch = _hf_architecture(sibling) if sibling.is_file() else None
    if p.suffix == ".safetensors":
        state, meta = _load_safetensors(p)
        if "mgit.architecture" in meta:
            try:
                arch = json.loads(meta["mgit.architecture"])
            except ValueError:
                raise InvalidInput(f"{p} has a damaged mgit.architecture entry in its metadata") from None
        return ModelFile(str(p), state, arch)
    if p.suffix in _PICKLE_SUFFIXES:
        return ModelFile(str(p), _load_pickle(p), arch)
    raise InvalidInput(
        f"{p} is not a model file (unknown suffix {p.suffix or '(none)'!r})",
        hint=_NOT_A_MODEL_HINT,
    )
