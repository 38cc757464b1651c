"""Architecture records: enough to rebuild an ``nn.Module`` skeleton for a stored version.

Two kinds, both JSON:

- ``{"kind": "transformers", "class": "BertForMaskedLM", "config": {...}}``: a Hugging Face
  model; rebuilt from its config with no download.
- ``{"kind": "class", "class": "package.module:QualName", "init": {...}}``: an importable
  ``nn.Module`` subclass whose constructor takes the JSON keyword arguments ``init``
  (recorded only when the model exposes them as ``model.mgit_init``, or the class takes
  no arguments).

A record is data: it is rebuilt only from ``torch.nn`` layers, transformers classes of its
``model_type`` (never remote code), or a class the user named (see :mod:`..trust`).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from typing import Any

import torch

from ..errors import InvalidInput
from ..trust import require_trusted, trust


def architecture_of(model: torch.nn.Module) -> dict[str, Any] | None:
    """The architecture record of ``model``, or None when it cannot be rebuilt from JSON.

    ``model`` is a live object, so its class is code already running in this process, put
    there by the user's code: a ``kind: class`` record is added to the user's trust file
    (:mod:`..trust`) so the version can be rebuilt later, here or in another process."""
    record = _record_of(model)
    trust_architecture(record)
    return record


def _record_of(model: torch.nn.Module) -> dict[str, Any] | None:
    config = getattr(model, "config", None)
    module = type(model).__module__
    if config is not None and module.startswith("transformers.") and hasattr(config, "to_dict"):
        return {"kind": "transformers", "class": type(model).__name__, "config": config.to_dict()}
    cls = type(model)
    if cls.__module__ in ("__main__", "builtins") or "<locals>" in cls.__qualname__:
        return None
    init = getattr(model, "mgit_init", None)
    if init is None:
        try:
            params = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            return None
        required = [
            p
            for name, p in params.items()
            if name != "self" and p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            return None
        init = {}
    return {"kind": "class", "class": f"{cls.__module__}:{cls.__qualname__}", "init": dict(init)}


def trust_architecture(architecture: dict[str, Any] | None) -> None:
    """Record the class of ``architecture`` as code the user named (they passed a model of it)."""
    if architecture and architecture.get("kind") == "class":
        module_name = str(architecture["class"]).partition(":")[0]
        if not _is_torch_builtin(module_name):
            trust([str(architecture["class"])])


def _is_torch_builtin(module_name: str) -> bool:
    return module_name == "torch.nn" or module_name.startswith("torch.nn.modules.")


def _transformers_class(architecture: dict[str, Any]) -> torch.nn.Module:
    """A transformers model resolved from the record's ``model_type``: only classes of the
    installed transformers (``transformers.models.*``) whose config has that model type;
    never remote code (an ``auto_map`` in the config is refused)."""
    try:
        import transformers
    except ImportError:
        raise InvalidInput("this version is a Hugging Face model", hint="pip install transformers") from None
    config_doc = architecture.get("config")
    name = architecture.get("class")
    if not isinstance(config_doc, dict) or not isinstance(name, str):
        raise InvalidInput(
            "the version's architecture record is damaged (config must be an object, class a string)",
            hint="check it out as a state dict instead (`mgit checkout -o file.safetensors`)",
        )
    config_doc = dict(config_doc)
    model_type = config_doc.pop("model_type", None)
    if config_doc.get("auto_map"):
        raise InvalidInput(
            f"the architecture {name[:80]!r} needs custom code (auto_map): mgit never runs code from model data",
            hint="check it out as a state dict (`mgit checkout -o file.safetensors`) and load it with your code",
        )
    config_doc.pop("trust_remote_code", None)
    try:
        config = transformers.AutoConfig.for_model(str(model_type), **config_doc)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InvalidInput(
            f"transformers cannot build a config of model type {str(model_type)[:80]!r}: {first}",
            hint="upgrade transformers, or check the version out as a state dict (`mgit checkout -o file.safetensors`)",
        ) from None
    cls = getattr(transformers, name, None) if name.isidentifier() else None
    if (
        not isinstance(cls, type)
        or not issubclass(cls, transformers.PreTrainedModel)
        or not cls.__module__.startswith("transformers.models.")
        or getattr(getattr(cls, "config_class", None), "model_type", None) != config.model_type
    ):
        raise InvalidInput(
            f"transformers has no model class {name[:80]!r} for model type {config.model_type!r}",
            hint="upgrade transformers, or check the version out as a state dict (`mgit checkout -o file.safetensors`)",
        )
    return cls(config)


def build_module(architecture: dict[str, Any] | None, *, trusted: Iterable[str] = ()) -> torch.nn.Module:
    """A freshly initialised module of ``architecture`` (weights are then loaded into it).

    Nothing the record names runs unless it is allowed (see :mod:`..trust`): transformers
    classes resolved from ``model_type`` with no remote code, ``torch.nn`` layers, or a
    ``package.module:Class`` the user named (``trusted`` at this call, or the trust file).

    Raises
    ------
    InvalidInput
        When the record is missing, damaged, names code that is not allowed, or names
        something that cannot be imported.
    """
    if not architecture:
        raise InvalidInput(
            "this version records no architecture, so it can only be checked out as a state dict",
            hint="add the model as an nn.Module (or a Hugging Face folder) to record its architecture",
        )
    if not isinstance(architecture, dict):
        raise InvalidInput(
            "the version's architecture record is not a JSON object", hint="check it out as a state dict"
        )
    kind = architecture.get("kind")
    if kind == "transformers":
        return _transformers_class(architecture)
    if kind == "class":
        path = architecture.get("class")
        init = architecture.get("init", {})
        if not isinstance(path, str) or not isinstance(init, dict):
            raise InvalidInput(
                "the version's architecture record is damaged (class must be a string, init an object)",
                hint="check it out as a state dict instead (`mgit checkout -o file.safetensors`)",
            )
        module_name, _, qual = path.partition(":")
        if not _is_torch_builtin(module_name):
            require_trusted(path, what="model class", also=trusted)
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qual.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError, ValueError) as exc:
            raise InvalidInput(
                f"cannot import the model class {path[:120]!r}: {exc}", hint="install the package that defines it"
            ) from None
        if not isinstance(obj, type) or not issubclass(obj, torch.nn.Module):
            raise InvalidInput(f"{path[:120]!r} is not an nn.Module class", hint="check it out as a state dict")
        try:
            return obj(**init)
        except TypeError as exc:
            raise InvalidInput(
                f"the model class {path[:120]!r} does not take the recorded arguments: {exc}",
                hint="check it out as a state dict instead (`mgit checkout -o file.safetensors`)",
            ) from None
    raise InvalidInput(
        f"unknown architecture kind {str(kind)[:80]!r}", hint="this version was recorded by a newer mgit-lab"
    )
