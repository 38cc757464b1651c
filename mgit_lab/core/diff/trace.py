"""Trace a model into a :class:`ModuleGraph` of layers and data flow.

Tracers, tried in order until one succeeds (the graph records which one did):

1. ``torch.fx.symbolic_trace`` (plain modules: no example inputs needed; skipped for
   Hugging Face models, which it cannot trace);
2. ``torch.export.export(strict=False)`` (Hugging Face models and most others; needs
   example inputs, made from the config when not given);
3. a forward pass watched by hooks (data-dependent control flow).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import blake3
import torch

from ..errors import InvalidInput
from ..io.architecture import architecture_of
from ..io.tensors import tensor_to_array
from . import trace_cache
from .example_inputs import (
    ExampleInputs,
    from_config,
    from_first_layer,
    normalize,
    to_device,
)
from .flow import Skeleton
from .fx_tracers import trace_export, trace_symbolic
from .graph import GraphNode, ModuleGraph, TensorInfo
from .hashing import TensorHasher
from .hook_tracer import trace_hooks
from .scopes import Scopes, parse_collapse

log = logging.getLogger(__name__)


def trace_model(
    model: torch.nn.Module,
    example_inputs: Any = None,
    *,
    collapse: str | list[str] | None = None,
    hashes: bool = True,
    cache_dir: str | Path | None = None,
) -> ModuleGraph:
    """The module graph of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; on the ``meta`` device too (then tensors carry no hashes).
    example_inputs : tensor, tuple, dict or (args, kwargs), optional
        Inputs for the tracers that run the model; made from a Hugging Face config (or
        guessed from the first layer) when omitted.
    collapse : str or list of str, optional
        Module class names or paths (``fnmatch`` patterns, comma-separated) to show as one
        node each, e.g. ``"BertLayer"``.
    hashes : bool
        Compute each tensor's content hash (the store's object id).
    cache_dir : path, optional
        Folder for cached traces (traces are always cached in memory).

    Raises
    ------
    InvalidInput
        When no tracer succeeds, the example inputs do not fit, or a collapse pattern
        matches no module.
    """
    patterns = parse_collapse(collapse)
    scopes = Scopes(model, patterns)
    check_collapse(patterns, [scopes])
    skeleton = trace_skeleton(model, scopes, example_inputs, cache_dir=cache_dir)
    return decorate(model, scopes, skeleton, TensorHasher() if hashes else None)


def check_collapse(patterns: list[str], scopes: list[Scopes]) -> None:
    """Raise when a collapse pattern matches no module in any of the models."""
    matched = set().union(*(s.matched_patterns for s in scopes)) if scopes else set()
    missing = [p for p in patterns if p not in matched]
    if missing:
        types = sorted(
            {type(m).__name__ for s in scopes for n, m in s.modules.items() if n and any(True for _ in m.children())}
        )
        raise InvalidInput(
            f"collapse pattern{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} match no module",
            hint="use module class names or paths, e.g. one of: "
            + (", ".join(types[:12]) or "none (the model has no containers)"),
        )


# ---------------------------------------------------------------- skeleton
def _is_transformers(model: torch.nn.Module) -> bool:
    return type(model).__module__.startswith("transformers.")


def _device(model: torch.nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    return torch.device("cpu")


def _fingerprint(model: torch.nn.Module) -> str:
    """A digest of the module tree: names, classes, attributes, tensor shapes and dtypes."""
    rows = []
    for name, mod in model.named_modules():
        cls = type(mod)
        rows.append([name, f"{cls.__module__}.{cls.__qualname__}", module_attrs(mod)])
    for key, t in model.state_dict(keep_vars=True).items():
        rows.append([key, list(t.shape), str(t.dtype)])
    return blake3.blake3(json.dumps(rows, default=str).encode()).hexdigest()


def _inputs_digest(inputs: ExampleInputs | None) -> str | None:
    if inputs is None:
        return None
    from torch.utils import _pytree as pytree

    h = blake3.blake3()
    for leaf in pytree.tree_leaves(inputs):
        if isinstance(leaf, torch.Tensor) and leaf.device.type != "meta":
            array, dtype = tensor_to_array(leaf)
            h.update(f"{dtype}{array.shape}".encode())
            h.update(array.tobytes())
        else:
            h.update(repr(leaf).encode())
    return h.hexdigest()


def skeleton_key(model: torch.nn.Module, scopes: Scopes, user_inputs: ExampleInputs | None) -> str | None:
    """The cache key of a trace of ``model``, or None when it cannot be cached safely."""
    arch = architecture_of(model)
    if arch is None:
        return None
    return trace_cache.cache_key(
        {
            "architecture": arch,
            "tree": _fingerprint(model),
            "collapse": scopes.patterns,
            "inputs": _inputs_digest(user_inputs),
        }
    )


def trace_skeleton(
    model: torch.nn.Module,
    scopes: Scopes,
    example_inputs: Any = None,
    *,
    cache_dir: str | Path | None = None,
) -> Skeleton:
    """Nodes and edges of ``model`` from the first tracer that succeeds (cached)."""
    user_inputs = normalize(example_inputs)
    folder = Path(cache_dir) if cache_dir is not None else None
    key = skeleton_key(model, scopes, user_inputs)
    if key is not None:
        hit = trace_cache.lookup(key, folder)
        if hit is not None:
            return hit
    skeleton = _run_tracers(model, scopes, user_inputs)
    if key is not None:
        trace_cache.store(key, skeleton, folder)
    return skeleton


def _run_tracers(model: torch.nn.Module, scopes: Scopes, user_inputs: ExampleInputs | None) -> Skeleton:
    failures: list[str] = []
    if not _is_transformers(model):
        try:
            return trace_symbolic(model, scopes)
        # fx raises many kinds; any of them means "try the next tracer"
        except Exception as exc:  # noqa: BLE001
            failures.append(f"symbolic_trace: {_first_line(exc)}")
    inputs = user_inputs or from_config(model) or from_first_layer(model)
    if inputs is None:
        raise InvalidInput(
            f"cannot trace {type(model).__name__} without example inputs ({'; '.join(failures)})",
            hint="pass example inputs (a tensor, a tuple, a dict or (args, kwargs)) that model.forward accepts",
        )
    try:
        return trace_export(model, *to_device(inputs, _device(model)), scopes)
    # export raises many kinds; fall back to the hook tracer
    except Exception as exc:  # noqa: BLE001
        failures.append(f"torch.export: {_first_line(exc)}")
    log.info(
        "fx tracing failed for %s, using the hook tracer: %s",
        type(model).__name__,
        "; ".join(failures),
    )
    try:
        return trace_hooks(model, *to_device(inputs, _device(model)), scopes)
    # the model's own forward failed on these inputs: any error it raises
    except Exception as exc:  # noqa: BLE001
        what = "the example inputs" if user_inputs is not None else "the example inputs made for it"
        raise InvalidInput(
            f"{type(model).__name__} cannot run on {what}: {type(exc).__name__}: {_first_line(exc)}",
            hint="pass example inputs that model.forward accepts (a tensor, a tuple, a dict or (args, kwargs))",
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


# ---------------------------------------------------------------- decoration
def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, torch.Size)):
        return [_jsonable(v) for v in value]
    return str(value)


def module_attrs(mod: torch.nn.Module) -> dict[str, Any]:
    """Shape-defining attributes: the class's ``__constants__``, else its ``extra_repr()``."""
    attrs: dict[str, Any] = {}
    for name in getattr(type(mod), "__constants__", ()) or ():
        if hasattr(mod, name):
            attrs[name] = _jsonable(getattr(mod, name))
    if not attrs and not any(True for _ in mod.children()):
        try:
            extra = mod.extra_repr()
        # a custom extra_repr that fails is no reason to fail the trace
        except Exception:  # noqa: BLE001
            extra = ""
        if extra:
            attrs["repr"] = extra
    return attrs


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def decorate(
    model: torch.nn.Module,
    scopes: Scopes,
    skeleton: Skeleton,
    hasher: TensorHasher | None,
) -> ModuleGraph:
    """A :class:`ModuleGraph` from a skeleton: types, attributes and tensors of each node."""

    def info(key: str, t: torch.Tensor) -> TensorInfo:
        return TensorInfo(key, list(t.shape), _dtype_name(t), hasher(t) if hasher else None)

    nodes: dict[str, GraphNode] = {}
    for name in skeleton.order:
        if name.startswith("input:"):
            nodes[name] = GraphNode(name, "input", "Input", {"dtype": skeleton.inputs.get(name)})
        elif name.startswith("output:"):
            nodes[name] = GraphNode(name, "output", "Output")
        else:
            path = scopes.module_path(name)
            mod = scopes.modules[path]
            attrs = module_attrs(mod)
            if path in scopes.collapsed:
                inner = [[sub, type(m).__name__, module_attrs(m)] for sub, m in mod.named_modules() if sub]
                attrs["modules"] = len(inner)
                attrs["inner"] = blake3.blake3(json.dumps(inner, default=str).encode()).hexdigest()[:16]
            params = {local: info(key, t) for local, (key, t) in scopes.node_tensors(name).items()}
            nodes[name] = GraphNode(name, "module", type(mod).__name__, attrs, params)
    tensors = {key: info(key, t) for key, t in model.state_dict(keep_vars=True).items()}
    return ModuleGraph(nodes, list(skeleton.edges), skeleton.tracer, tensors, list(scopes.patterns))
