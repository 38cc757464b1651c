"""Write a stored version out: a safetensors file, a ``.pt`` state dict, or a Hugging Face
folder that ``from_pretrained`` opens.  Files appear atomically (written aside, renamed)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from ..errors import Conflict, InvalidInput
from .formats import FORMATS, Format, guess_format
from .modules import load_module, tensors_of
from .state import ArrayState

__all__ = ["FORMATS", "Format", "guess_format", "write_hf_folder", "write_state"]


def _check_target(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        if path.is_dir() and not any(path.iterdir()):
            return
        raise Conflict(f"{path} already exists", hint="choose another path or pass --force to replace it")
    if not path.parent.exists():
        raise InvalidInput(f"the folder {path.parent} does not exist", hint="create it first")


def _replace(tmp: Path, path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    os.replace(tmp, path)


def write_state(
    state: ArrayState, path: str | Path, fmt: Format, *, metadata: dict[str, str] | None = None, overwrite: bool = False
) -> int:
    """Write ``state`` as one safetensors or ``.pt`` file; returns the bytes written."""
    path = Path(path)
    _check_target(path, overwrite)
    tensors = tensors_of(state)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        if fmt == "safetensors":
            from safetensors.torch import save_file

            save_file(tensors, str(tmp), metadata={"format": "pt", **(metadata or {})})
        elif fmt == "pt":
            torch.save(tensors, tmp)
        else:
            raise InvalidInput(f"a state dict cannot be written as {fmt!r}", hint="use .safetensors or .pt")
        _replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def write_hf_folder(
    state: ArrayState,
    architecture: dict[str, Any] | None,
    path: str | Path,
    *,
    name: str = "this version",
    overwrite: bool = False,
) -> int:
    """Write a Hugging Face folder (config.json + model.safetensors); returns the bytes written."""
    path = Path(path)
    if not architecture or architecture.get("kind") != "transformers":
        raise InvalidInput(
            f"{name} is not a Hugging Face model, so it cannot be exported as a model folder",
            hint="export it to a file ending in .safetensors or .pt instead",
        )
    _check_target(path, overwrite)
    module = load_module(state, architecture, name=name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            module.save_pretrained(str(tmp))  # type: ignore[operator]
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        _replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
