"""The in-memory form of a model's tensors every verb passes around."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # numpy is not needed to name the type: read-only verbs start without it
    import numpy as np

#: ``{tensor name: (array in its storage dtype, dtype name)}``
ArrayState: TypeAlias = "dict[str, tuple[np.ndarray, str]]"
