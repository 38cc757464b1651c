"""Output formats of ``checkout`` / ``export`` (no torch import: the CLI parser uses these)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Format = Literal["safetensors", "pt", "hf"]
FORMATS: tuple[str, ...] = ("safetensors", "pt", "hf")


def guess_format(path: str | Path) -> Format:
    """``safetensors`` for ``*.safetensors``, ``pt`` for ``*.pt/.pth/.bin``, else ``hf`` (a folder)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".safetensors":
        return "safetensors"
    if suffix in (".pt", ".pth", ".bin"):
        return "pt"
    return "hf"
