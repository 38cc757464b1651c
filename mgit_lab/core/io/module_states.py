"""``nn.Module`` objects as array states and back.

The small bridge the evaluation, merge and cascade code use to run models: rebuild a
module from an architecture record and an array state, and turn a module (or a recipe's
output) back into ``{name: (array, dtype)}`` for the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import InvalidInput
from ..store import object_id
from .architecture import architecture_of
from .modules import load_module
from .state import ArrayState
from .tensors import tensor_to_array

if TYPE_CHECKING:
    from ..repository import Repository


def module_from_state(architecture: dict | None, state: ArrayState, *, label: str) -> torch.nn.Module:
    """A module of ``architecture`` holding a copy of the tensors of ``state``, in eval mode.

    The copy keeps ``state`` (what gets stored) safe from a test that changes the model.

    Raises
    ------
    InvalidInput
        When the architecture cannot be rebuilt or the tensors do not fit it.
    """
    copied = {k: (np.array(a, copy=True), d) for k, (a, d) in state.items()}
    return load_module(copied, architecture, name=label).eval()


def load_version_model(repo: Repository, key: str) -> torch.nn.Module:
    """The stored version ``key`` as an ``nn.Module`` in eval mode (what tests, merges and
    recipes run)."""
    version = repo.version(key)
    return load_module(repo.checkout_arrays(key), version.architecture, name=repr(version.name)).eval()


def model_state(model: torch.nn.Module) -> ArrayState:
    """``{name: (array, dtype)}`` of every tensor in ``model.state_dict()`` (copies)."""
    if not isinstance(model, torch.nn.Module):
        raise InvalidInput(f"expected a torch.nn.Module, got {type(model).__name__}")
    out: ArrayState = {}
    for name, tensor in model.state_dict().items():
        array, dtype = tensor_to_array(tensor)
        out[name] = (np.array(array, copy=True), dtype)
    return out


def model_architecture(model: torch.nn.Module, fallback: dict | None) -> dict | None:
    """The architecture record of ``model``, or ``fallback`` when it has none."""
    return architecture_of(model) or fallback


def state_oids(state: ArrayState) -> dict[str, str]:
    """The object id each tensor of ``state`` gets when stored losslessly."""
    return {k: object_id(a, d) for k, (a, d) in state.items()}
