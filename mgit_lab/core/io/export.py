"""Write a stored version out: a safetensors file, a ``.pt`` state dict, or a Hugging Face
folder that ``from_pretrained`` opens.  Files appear atomically (written aside, renamed)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..errors import InvalidInput
from .formats import FORMATS, Format, guess_format
from .modules import load_module, tensors_of
from .state import ArrayState
from .targets import check_target, mark, normal_permissions, replace, temp_file, temp_folder

__all__ = ["FORMATS", "Format", "guess_format", "write_hf_folder", "write_state"]


def write_state(
    state: ArrayState,
    path: str | Path,
    fmt: Format,
    *,
    metadata: dict[str, str] | None = None,
    overwrite: bool = False,
    repo_root: Path | None = None,
) -> int:
    """Write ``state`` as one safetensors or ``.pt`` file; returns the bytes written.

    The target is checked by :func:`~.targets.check_target` (never the repository, the
    current folder or a folder of the user's) before anything is written."""
    if fmt not in ("safetensors", "pt"):
        raise InvalidInput(f"a state dict cannot be written as {fmt!r}", hint="use .safetensors or .pt")
    path = check_target(Path(path), overwrite=overwrite, repo_root=repo_root, folder=False)
    tensors = tensors_of(state)
    tmp = temp_file(path)
    try:
        if fmt == "safetensors":
            from safetensors.torch import save_file

            save_file(tensors, str(tmp), metadata={"format": "pt", **(metadata or {})})
        elif fmt == "pt":
            torch.save(tensors, tmp)
        normal_permissions(tmp)
        replace(tmp, path)
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
    repo_root: Path | None = None,
    extra: Callable[[Path], object] | None = None,
) -> int:
    """Write a Hugging Face folder (config.json + model.safetensors + the marker ``.mgit-export``
    that lets a later ``--force`` replace it); returns the bytes written.  ``extra(folder)``
    adds more files (the tokenizer and other files the version was added with) before the
    folder appears."""
    path = Path(path)
    if not architecture or architecture.get("kind") != "transformers":
        raise InvalidInput(
            f"{name} is not a Hugging Face model, so it cannot be exported as a model folder",
            hint="export it to a file ending in .safetensors or .pt instead",
        )
    path = check_target(path, overwrite=overwrite, repo_root=repo_root, folder=True)
    module = load_module(state, architecture, name=name)
    tmp = temp_folder(path)
    try:
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            module.save_pretrained(str(tmp))  # type: ignore[operator]
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        if extra is not None:
            extra(tmp)
        mark(tmp, name)
        normal_permissions(tmp)
        replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
