"""Architecture records: enough to rebuild an ``nn.Module`` skeleton for a stored version.

Two kinds, both JSON:

- ``{"kind": "transformers", "class": "BertForMaskedLM", "config": {...}}``: a Hugging Face
  model; rebuilt from its config with no download.
- ``{"kind": "class", "class": "package.module:QualName", "init": {...}}``: an importable
  ``nn.Module`` subclass whose constructor takes the JSON keyword arguments ``init``
  (recorded only when the model exposes them as ``model.mgit_init``, or the class takes
  no arguments).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import torch

from ..errors import InvalidInput


def architecture_of(model: torch.nn.Module) -> dict[str, Any] | None:
    """The architecture record of ``model``, or None when it cannot be rebuilt from JSON."""
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


def build_module(architecture: dict[str, Any] | None) -> torch.nn.Module:
    """A freshly initialised module of ``architecture`` (weights are then loaded into it).

    Raises
    ------
    InvalidInput
        When the record is missing or names something that cannot be imported.
    """
    if not architecture:
        raise InvalidInput(
            "this version records no architecture, so it can only be checked out as a state dict",
            hint="add the model as an nn.Module (or a Hugging Face folder) to record its architecture",
        )
    kind = architecture.get("kind")
    if kind == "transformers":
        try:
            import transformers
        except ImportError:
            raise InvalidInput("this version is a Hugging Face model", hint="pip install transformers") from None
        config_doc = dict(architecture["config"])
        model_type = config_doc.pop("model_type", None)
        config = transformers.AutoConfig.for_model(model_type, **config_doc)
        cls = getattr(transformers, architecture["class"], None)
        if cls is None:
            raise InvalidInput(f"transformers has no class {architecture['class']!r}", hint="upgrade transformers")
        return cls(config)
    if kind == "class":
        path = architecture["class"]
        module_name, _, qual = path.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qual.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise InvalidInput(
                f"cannot import the model class {path!r}: {exc}", hint="install the package that defines it"
            ) from None
        return obj(**architecture.get("init", {}))
    raise InvalidInput(f"unknown architecture kind {kind!r}", hint="this version was recorded by a newer mgit-lab")
