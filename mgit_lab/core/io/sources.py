"""THE reader of model files: an ``nn.Module``, a state dict, a ``.safetensors`` file, a
``.pt``/``.bin`` state dict, or a local Hugging Face model folder.

``add`` reads through :func:`load_source` into a :class:`LoadedModel` (``{name: (array in
storage dtype, dtype)}`` plus the architecture record when one can be known); ``diff`` reads
files through :func:`read_model_file` into torch tensors without building the model.  Both
use the same loaders and the same error texts.  Pickled files are always read with
``torch.load(weights_only=True)``: a file that needs more than tensors is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InvalidInput, NotFound
from .adapters import adapter_config, adapter_weights, is_adapter_folder
from .architecture import architecture_of
from .hf_folder import read_config, weight_files
from .state import ArrayState, LoadedModel
from .tensors import tensor_to_array

PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")


def state_from_tensors(tensors: Mapping[str, Any], origin: str) -> ArrayState:
    """Convert a mapping of names to tensors (or numpy arrays) into storage arrays."""
    state: ArrayState = {}
    for key, value in tensors.items():
        if not isinstance(key, str):
            raise InvalidInput(f"{origin}: state dict key {key!r} is not a string", hint="use parameter names as keys")
        if isinstance(value, torch.Tensor):
            if value.is_sparse or value.layout != torch.strided:
                raise InvalidInput(f"{origin}: tensor {key!r} is sparse", hint="convert it with .to_dense()")
            if value.device.type == "meta":
                raise InvalidInput(
                    f"{origin}: tensor {key!r} is on the meta device and holds no data",
                    hint="materialise the model's weights before adding it",
                )
            state[key] = tensor_to_array(value)
        elif isinstance(value, np.ndarray):
            state[key] = tensor_to_array(torch.from_numpy(np.ascontiguousarray(value)))
        else:
            raise InvalidInput(
                f"{origin}: entry {key!r} is a {type(value).__name__}, not a tensor",
                hint="pass a state dict of tensors (model.state_dict())",
            )
    if not state:
        raise InvalidInput(f"{origin} holds no tensors", hint="check that it is a model checkpoint")
    return state


def _from_module(model: torch.nn.Module) -> LoadedModel:
    return LoadedModel(state_from_tensors(model.state_dict(), "the model"), architecture_of(model), "nn.Module")


def _load_pickle(path: Path) -> dict[str, Any]:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds; all mean "refused"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(
            f"{path} cannot be loaded safely (torch.load with weights_only=True refused it: {first})",
            hint="save a plain state dict (torch.save(model.state_dict(), path)) or use safetensors",
        ) from None
    if isinstance(obj, Mapping):
        # common wrappers: {"state_dict": {...}}, {"model": {...}}
        for wrapper in ("state_dict", "model_state_dict", "model"):
            inner = obj.get(wrapper)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                return dict(inner)
        return dict(obj)
    raise InvalidInput(
        f"{path} holds no state dict: a {type(obj).__name__}, not a mapping of names to tensors",
        hint="save model.state_dict() rather than the model object",
    )


def _load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"{path} is not a readable safetensors file: {exc}",
            hint="check that the file is complete and not corrupted",
        ) from None


def _read_weight_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise NotFound(f"{path} does not exist", hint="the folder's shard index names a file that is missing")
    if path.suffix == ".safetensors":
        return dict(_load_safetensors(path))
    return _load_pickle(path)


def _transformers_class(name: str) -> Any:
    """The transformers model class ``name``, or None: only concrete classes of the installed
    transformers (never an Auto class, which may load code from the folder)."""
    try:
        import transformers
    except ImportError:
        return None
    cls = getattr(transformers, name, None) if name.isidentifier() else None
    if (
        isinstance(cls, type)
        and issubclass(cls, transformers.PreTrainedModel)
        and cls.__module__.startswith("transformers.models.")
    ):
        return cls
    return None


def _from_hf_folder(folder: Path) -> LoadedModel:
    """A Hugging Face folder: through ``from_pretrained`` when transformers knows the class
    (canonical keys, tied weights restored), else the raw weight files.  The folder is
    checked first (:mod:`.hf_folder`): no custom code, no file outside it."""
    config = read_config(folder)
    files = weight_files(folder)  # confined to the folder before transformers opens any
    arch_names = config.get("architectures") or []
    cls = _transformers_class(arch_names[0]) if arch_names else None
    if cls is not None:
        model = _from_pretrained(cls, folder)
        loaded = _from_module(model)
        loaded.origin = str(folder)
        loaded.suggested_name = folder.name
        return loaded
    arch = {"kind": "transformers", "class": arch_names[0], "config": config} if arch_names else None
    out: dict[str, Any] = {}
    for path in files:
        out.update(_read_weight_file(path))
    return LoadedModel(state_from_tensors(out, str(folder)), arch, str(folder), folder.name)


def _from_pretrained(cls: Any, folder: Path) -> torch.nn.Module:
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - from_pretrained raises many kinds
        raise InvalidInput(
            f"transformers could not load {folder}: {exc}", hint="check that from_pretrained opens this folder"
        ) from None
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def load_source(model: Any) -> LoadedModel:
    """Read ``model`` (module, state dict, file or folder path) into a :class:`LoadedModel`.

    Raises
    ------
    NotFound
        When a path does not exist.
    InvalidInput
        When the input is not a model this function can read.
    """
    if isinstance(model, torch.nn.Module):
        return _from_module(model)
    if isinstance(model, Mapping):
        return LoadedModel(state_from_tensors(model, "the state dict"), None, "state dict")
    if isinstance(model, (str, Path)):
        path = Path(model).expanduser()
        if not path.exists():
            raise NotFound(f"{path} does not exist", hint="check the path")
        if path.is_dir():
            if (path / "config.json").is_file():
                return _from_hf_folder(path)
            if is_adapter_folder(path):
                return _from_adapter_folder(path)
            raise _not_a_folder(path)
        return LoadedModel(state_from_tensors(_read_file(path), str(path)), None, str(path), path.stem)
    raise InvalidInput(
        f"cannot add a {type(model).__name__}",
        hint="pass an nn.Module, a state dict, a .safetensors/.pt/.bin file or a Hugging Face folder",
    )


def _from_adapter_folder(folder: Path) -> LoadedModel:
    """A PEFT adapter folder: its own (small) tensors and its config (see :mod:`.adapters`)."""
    config = adapter_config(folder)
    tensors = _read_weight_file(adapter_weights(folder))
    arch = {"kind": "peft", "config": config}
    return LoadedModel(state_from_tensors(tensors, str(folder)), arch, str(folder), folder.name)


def _not_a_folder(path: Path) -> InvalidInput:
    return InvalidInput(
        f"{path} is a folder without a config.json, not a Hugging Face model folder",
        hint="pass a Hugging Face model folder, a .safetensors file or a .pt/.bin state dict",
    )


def _read_file(path: Path) -> dict[str, Any]:
    """The tensors of a ``.safetensors`` or pickled state dict file."""
    if path.suffix == ".safetensors":
        return dict(_load_safetensors(path))
    if path.suffix in PICKLE_SUFFIXES:
        return _load_pickle(path)
    raise InvalidInput(
        f"{path} is not a model file (unknown model file type {path.suffix or '(no suffix)'!r})",
        hint="use .safetensors, .pt, .pth, .bin or .ckpt, or a Hugging Face folder",
    )


@dataclass
class ModelFile:
    """A model file read as torch tensors, without building the model (what ``diff`` needs)."""

    label: str
    state: dict[str, torch.Tensor]
    architecture: dict[str, Any] | None


def _config_architecture(config_path: Path) -> dict[str, Any] | None:
    config = read_config(config_path.parent)  # the same checks as `add`: an object, no custom code
    archs = config.get("architectures") or []
    if "model_type" not in config or not archs:
        return None
    return {"kind": "transformers", "class": archs[0], "config": config}


def _safetensors_architecture(path: Path) -> dict[str, Any] | None:
    """The architecture record a file written by ``mgit export`` keeps in its metadata."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except Exception:  # noqa: BLE001 - damaged files are reported by the tensor read
        return None
    if "mgit.architecture" not in meta:
        return None
    try:
        arch = json.loads(meta["mgit.architecture"])
    except ValueError:
        raise InvalidInput(
            f"{path} has a damaged mgit.architecture entry in its metadata", hint="re-export the version"
        ) from None
    return arch if isinstance(arch, dict) else None


def _only_tensors(tensors: Mapping[str, Any], origin: str) -> dict[str, torch.Tensor]:
    if not tensors or not all(isinstance(v, torch.Tensor) for v in tensors.values()):
        raise InvalidInput(
            f"{origin} holds no state dict (a mapping of names to tensors)",
            hint="save model.state_dict() rather than the model object",
        )
    return dict(tensors)


def read_model_file(path: str | Path) -> ModelFile:
    """Read a model file or Hugging Face folder as torch tensors plus its architecture
    record: a folder's ``config.json``, a ``config.json`` beside the file, or the
    ``mgit.architecture`` metadata of a safetensors file.

    Raises
    ------
    NotFound
        When ``path`` does not exist.
    InvalidInput
        When ``path`` is not one of the supported model formats.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise NotFound(f"{p} does not exist", hint="check the path")
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise _not_a_folder(p)
        arch = _config_architecture(p / "config.json")
        tensors: dict[str, Any] = {}
        for file in weight_files(p):  # only files inside the folder
            tensors.update(_read_weight_file(file))
        return ModelFile(str(p), _only_tensors(tensors, str(p)), arch)
    state = _only_tensors(_read_file(p), str(p))
    sibling = p.parent / "config.json"
    arch = _config_architecture(sibling) if sibling.is_file() else None
    if p.suffix == ".safetensors":
        arch = _safetensors_architecture(p) or arch
    return ModelFile(str(p), state, arch)
