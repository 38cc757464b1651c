"""The in-memory form of a model's tensors every verb passes around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # numpy is not needed to name the type: read-only verbs start without it
    import numpy as np

#: ``{tensor name: (array in its storage dtype, dtype name)}``
ArrayState: TypeAlias = "dict[str, tuple[np.ndarray, str]]"


@dataclass
class LoadedModel:
    """A model read into arrays, ready for :meth:`Repository.add_arrays`."""

    state: ArrayState
    architecture: dict[str, Any] | None
    #: what it was read from, for messages and metadata (``"nn.Module"``, a path, ...)
    origin: str
    #: a version name suggested by the source (file stem, folder name), if any
    suggested_name: str | None = None
