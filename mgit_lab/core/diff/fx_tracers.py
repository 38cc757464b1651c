"""torch.fx tracers: ``torch.export`` (Hugging Face models and most others) and
``torch.fx.symbolic_trace`` (plain modules, no example inputs needed)."""

from __future__ import annotations

import inspect
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from typing import Any

import torch
from torch import fx
from torch.utils import _pytree as pytree

from .flow import FlowRecorder, Skeleton, key_path_name, output_name
from .scopes import Scopes


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return str(dtype).removeprefix("torch.") if dtype is not None else type(value).__name__


def _stack_paths(node: fx.Node) -> list[str]:
    stack = node.meta.get("nn_module_stack") or {}
    return [v[0] for v in stack.values()]


def _flow(
    graph: fx.Graph,
    scopes: Scopes,
    inputs: dict[fx.Node, str],
    outputs: list[tuple[fx.Node | Any, str]],
    tracer: str,
) -> Skeleton:
    rec = FlowRecorder()
    for node, name in inputs.items():
        rec.add_input(
            node,
            name,
            _dtype_name(node.meta.get("val", node.meta.get("example_value"))),
        )
    for node in graph.nodes:
        if node.op in ("placeholder", "get_attr", "output"):
            continue
        if node.op == "call_module":
            owner = scopes.owner([*_stack_paths(node), str(node.target)])
        else:
            owner = scopes.owner(_stack_paths(node))
        rec.operation(node.all_input_nodes, owner, (node,))
    for value, name in outputs:
        srcs = rec.sources_of((value,)) if isinstance(value, fx.Node) else frozenset()
        rec.add_output(srcs, name)
    return rec.skeleton(tracer)


# ---------------------------------------------------------------- symbolic_trace
class _LeafTracer(fx.Tracer):
    """Stops at leaf modules and collapsed modules; traces through everything else."""

    def __init__(self, scopes: Scopes) -> None:
        super().__init__()
        self.scopes = scopes

    def is_leaf_module(self, m: torch.nn.Module, module_qualified_name: str) -> bool:
        canonical = self.scopes.canonical_of.get(id(m))
        if canonical is not None and canonical in self.scopes.collapsed:
            return True
        return not any(True for _ in m.children())


def trace_symbolic(model: torch.nn.Module, scopes: Scopes) -> Skeleton:
    """Trace with ``torch.fx.symbolic_trace`` semantics (raises what fx raises)."""
    graph = _LeafTracer(scopes).trace(model)
    inputs = {n: f"input:{n.target}" for n in graph.nodes if n.op == "placeholder"}
    outputs: list[tuple[Any, str]] = []
    for node in graph.nodes:
        if node.op == "output":
            leaves, _ = pytree.tree_flatten_with_path(node.args[0])
            outputs = [(v, output_name(p)) for p, v in leaves]
    return _flow(graph, scopes, inputs, outputs, "symbolic_trace")


# ---------------------------------------------------------------- torch.export
def trace_export(model: torch.nn.Module, args: tuple, kwargs: dict, scopes: Scopes) -> Skeleton:
    """Trace with ``torch.export.export(strict=False)`` (raises what export raises)."""
    with quiet_torch_logs():
        ep = torch.export.export(model, tuple(args), dict(kwargs), strict=False)
    graph = ep.graph
    placeholders = {n.name: n for n in graph.nodes if n.op == "placeholder"}
    user_inputs = [s.arg.name for s in ep.graph_signature.input_specs if s.kind.name == "USER_INPUT"]
    names = _input_names(model, ep.call_spec.in_spec, len(user_inputs))
    inputs: dict[fx.Node, str] = {}
    for arg_name, label in zip(user_inputs, names, strict=False):
        node = placeholders.get(arg_name)
        if node is not None and isinstance(node.meta.get("val"), torch.Tensor):
            inputs[node] = label
    out_node = next(n for n in graph.nodes if n.op == "output")
    flat = list(out_node.args[0])
    user_idx = [i for i, s in enumerate(ep.graph_signature.output_specs) if s.kind.name == "USER_OUTPUT"]
    user_vals = [flat[i] for i in user_idx]
    spec = ep.call_spec.out_spec
    paths: list[str]
    try:
        tree = pytree.tree_unflatten(list(range(len(user_vals))), spec)
        leaves, _ = pytree.tree_flatten_with_path(tree)
        paths = [output_name(p) for p, _ in leaves]
    # an output structure pytree cannot rebuild: number the outputs
    except Exception:  # noqa: BLE001
        paths = [f"output:{i}" for i in range(len(user_vals))]
    if len(paths) != len(user_vals):
        paths = [f"output:{i}" for i in range(len(user_vals))]
    outputs = [(v, p) for v, p in zip(user_vals, paths, strict=False)]
    return _flow(graph, scopes, inputs, outputs, "torch.export")


def _input_names(model: torch.nn.Module, in_spec: Any, count: int) -> list[str]:
    """Input node names of export's user inputs, from its ``(args, kwargs)`` input spec."""
    try:
        params = [
            p.name
            for p in inspect.signature(model.forward).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    try:
        tree = pytree.tree_unflatten(list(range(count)), in_spec)
        leaves, _ = pytree.tree_flatten_with_path(tree)
    # an input structure pytree cannot rebuild: number the inputs
    except Exception:  # noqa: BLE001
        return [f"input:{i}" for i in range(count)]
    names = []
    for path, _ in leaves:
        parts = key_path_name(path).split(".")
        if len(parts) >= 2 and parts[0] == "0" and parts[1].isdigit() and int(parts[1]) < len(params):
            parts = [params[int(parts[1])], *parts[2:]]
        else:
            parts = parts[1:]
        names.append("input:" + ".".join(parts))
    return names


@contextmanager
def quiet_torch_logs() -> Iterator[None]:
    """Silence torch's loggers and its stderr graph dump while a tracer probes the model.

    A failed export is an expected step of the tracer cascade, yet torch logs it and
    prints the partial graph to stderr; the cascade reports failures itself.
    """
    logger = logging.getLogger("torch")
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with redirect_stderr(io.StringIO()):
            yield
    finally:
        logger.setLevel(before)
