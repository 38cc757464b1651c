"""A Hugging Face model folder, checked before anything reads it: its ``config.json`` and
the weight files it names, all confined to the folder.

- ``config.json`` must be a JSON object; ``architectures``, when present, a list of names;
  a config with ``auto_map`` asks for the folder's own Python code, which mgit never runs:
  such a folder is refused with a hint to add its weight file alone (tensors only).
- A shard index (``model.safetensors.index.json``) names its shards by relative file names;
  a name that is absolute, has a ``..`` part, or resolves (through symlinks) outside the
  folder is refused, as is a weight file that is a symlink leading out of the folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, NotFound

HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
HF_INDEX_FILES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
_MAX_CONFIG_BYTES = 16 * 1024 * 1024


def read_config(folder: Path) -> dict[str, Any]:
    """The folder's ``config.json``, checked (see the module docstring).

    Raises
    ------
    InvalidInput
        When it is not JSON, not an object, has a malformed ``architectures`` or an ``auto_map``.
    """
    path = folder / "config.json"
    inside(folder, path)
    if path.stat().st_size > _MAX_CONFIG_BYTES:
        raise InvalidInput(f"{path} is larger than 16 MiB", hint="a model config is a few KB: check the file")
    try:
        config = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc}", hint="fix or re-save the model folder") from None
    if not isinstance(config, dict):
        raise InvalidInput(
            f"{path} holds a JSON {type(config).__name__}, not an object",
            hint="a Hugging Face config.json is an object ({...}): fix or re-save the model folder",
        )
    archs = config.get("architectures")
    if archs is not None and (not isinstance(archs, list) or not all(isinstance(a, str) for a in archs)):
        raise InvalidInput(
            f"{path}: 'architectures' must be a list of class names, got {json.dumps(archs)[:80]}",
            hint='write e.g. "architectures": ["BertForMaskedLM"]',
        )
    if config.get("auto_map"):
        raise InvalidInput(
            f"{folder} needs custom code (config.json has auto_map): mgit never runs code from a model folder",
            hint=f"add its weights alone, tensors only: `mgit add {folder / 'model.safetensors'}`",
        )
    return config


def inside(folder: Path, path: Path) -> Path:
    """``path`` if it lies inside ``folder`` after resolving symlinks.

    Raises
    ------
    InvalidInput
        When it leads out of the folder.
    """
    root = Path(os.path.realpath(folder))
    real = Path(os.path.realpath(path))
    if real != root and root not in real.parents:
        raise InvalidInput(
            f"{path} leads outside the model folder {folder}",
            hint="a model folder's files must lie inside it (no absolute paths, '..' or outward symlinks)",
        )
    return path


def weight_files(folder: Path) -> list[Path]:
    """The weight files of ``folder``: the shards its index names, else the one weight file.

    Raises
    ------
    InvalidInput
        When the index is damaged or names a file outside the folder; when there is no weight file.
    NotFound
        When the index names a shard that is missing.
    """
    for index_name in HF_INDEX_FILES:
        index_path = folder / index_name
        if index_path.is_file():
            out = []
            for name in shard_names(folder, index_path):
                shard = folder / name
                if not shard.is_file():
                    raise NotFound(
                        f"{shard} does not exist", hint="the folder's shard index names a file that is missing"
                    )
                out.append(shard)
            return out
    for name in HF_WEIGHT_FILES:
        if (folder / name).is_file():
            return [inside(folder, folder / name)]
    raise InvalidInput(
        f"{folder} has a config.json but no weights",
        hint=f"expected one of {', '.join(HF_WEIGHT_FILES + HF_INDEX_FILES)}",
    )


def shard_names(folder: Path, index_path: Path) -> list[str]:
    """The shard file names a shard index names (sorted, each checked to lie in ``folder``).

    Raises
    ------
    InvalidInput
        When the index is damaged or names a file outside the folder.
    """
    inside(folder, index_path)
    try:
        weight_map = json.loads(index_path.read_text())["weight_map"]
        names = sorted(set(weight_map.values()))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{index_path} is not a valid shard index: {type(exc).__name__}: {str(exc)[:120]}",
            hint="re-save the model with save_pretrained",
        ) from None
    for name in names:
        if not isinstance(name, str) or not name or os.path.isabs(name) or ".." in Path(name).parts:
            raise InvalidInput(
                f"{index_path} names the shard {str(name)[:120]!r}, which is not a file inside the folder",
                hint="shard names are file names relative to the model folder",
            )
        inside(folder, folder / name)
    return names
