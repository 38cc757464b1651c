"""The fallback tracer: one real forward pass, watched by module hooks and a
``TorchFunctionMode`` that sees every tensor operation.

It handles what fx cannot (data-dependent control flow), at the price of running the model
once on example inputs.  The model runs in eval mode under ``torch.no_grad()``, so no
state (BatchNorm statistics, dropout randomness) changes; training flags are restored.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils import _pytree as pytree

from .flow import FlowRecorder, Skeleton, key_path_name, output_name
from .scopes import Scopes


def _tensors(tree: Any) -> list[torch.Tensor]:
    return [x for x in pytree.tree_leaves(tree) if isinstance(x, torch.Tensor)]


class _FlowMode(TorchFunctionMode):
    def __init__(self, rec: FlowRecorder, scopes: Scopes, stack: list[str], keep: list[Any]) -> None:
        super().__init__()
        self.rec, self.scopes, self.stack, self.keep = rec, scopes, stack, keep

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        reads = [id(t) for t in _tensors((args, kwargs))]
        writes = _tensors(out)
        if writes:
            self.keep.extend(writes)  # keep ids unique while the trace runs
            self.rec.operation(reads, self.scopes.owner(self.stack), [id(t) for t in writes])
        return out


def trace_hooks(model: torch.nn.Module, args: tuple, kwargs: dict, scopes: Scopes) -> Skeleton:
    """Run ``model(*args, **kwargs)`` once and record its data flow (raises what forward raises)."""
    rec = FlowRecorder()
    stack: list[str] = []
    keep: list[Any] = []
    try:
        names = [
            p.name
            for p in inspect.signature(model.forward).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        names = []
    for i, a in enumerate(args):
        base = names[i] if i < len(names) else str(i)
        _add_inputs(rec, base, a, keep)
    for k, v in kwargs.items():
        _add_inputs(rec, k, v, keep)

    handles = []
    for name, mod in scopes.modules.items():
        if not name:
            continue

        def pre(_m, _inp, name=name):
            stack.append(name)

        def post(_m, _inp, _out, name=name):
            if stack and stack[-1] == name:
                stack.pop()

        handles.append(mod.register_forward_pre_hook(pre))
        handles.append(mod.register_forward_hook(post, always_call=True))
    flags = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad(), _FlowMode(rec, scopes, stack, keep):
            result = model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
        for m, flag in flags.items():
            m.training = flag
    leaves, _ = pytree.tree_flatten_with_path(result)
    for path, value in leaves:
        if isinstance(value, torch.Tensor):
            rec.add_output(rec.sources_of((id(value),)), output_name(path))
    return rec.skeleton("hooks")


def _add_inputs(rec: FlowRecorder, base: str, value: Any, keep: list[Any]) -> None:
    leaves, _ = pytree.tree_flatten_with_path(value)
    for path, leaf in leaves:
        if isinstance(leaf, torch.Tensor):
            suffix = key_path_name(path)
            keep.append(leaf)
            rec.add_input(
                id(leaf),
                f"input:{base}" + (f".{suffix}" if suffix else ""),
                str(leaf.dtype).removeprefix("torch."),
            )
