"""The two sides of a diff: a label, a layer graph, tensor facts and a tensor loader.

A side comes from an ``nn.Module`` (hashed here), a stored version (its manifest's object
ids are the hashes) or a model file (hashed once when read).  Graphs of versions and files
are traced from the architecture record on the meta device: no weights are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import InvalidInput, NotFound
from ..io.architecture import build_module
from ..io.sources import read_model_file
from ..io.tensors import tensor_to_array
from .graph import ModuleGraph, TensorInfo
from .hashing import TensorHasher
from .scopes import Scopes
from .trace import decorate, trace_skeleton

if TYPE_CHECKING:
    from ..repository import Repository

ArrayLoader = Callable[[str], np.ndarray]


@dataclass
class ModelSource:
    """One side of a diff: a label, its traced graph (None: tensors only), its tensors
    (key -> shape, dtype, hash) and a loader of a tensor's array by key."""

    label: str
    graph: ModuleGraph | None
    tensors: dict[str, TensorInfo]
    load: ArrayLoader | None
    matched_patterns: frozenset[str] = frozenset()


def load_ref(ref: str, repo: Repository | None, versions_only: bool):
    """``(label, architecture, tensors, loader)`` of a version name or a model path."""
    if repo is not None:
        try:
            version = repo.version(ref)
        except NotFound:
            if versions_only:
                raise
        else:
            manifest = version.manifest
            tensors = {k: TensorInfo(k, list(t.shape), t.dtype, t.oid) for k, t in manifest.items()}
            store = repo.store
            return (
                version.name,
                version.architecture,
                tensors,
                lambda k: store.get(manifest[k].oid),
            )
    if not Path(ref).exists():
        what = (
            "neither a version in the repository nor a model path"
            if repo is not None
            else ("not a model path (no such file or folder, and no repository here to look up versions)")
        )
        raise NotFound(
            f"{ref!r} is {what}",
            hint="name a version (see `mgit log`) or a .safetensors/.pt file or a Hugging Face folder",
        )
    model = read_model_file(ref)
    hasher = TensorHasher()
    state = model.state
    tensors = {
        k: TensorInfo(k, list(v.shape), str(v.dtype).removeprefix("torch."), hasher(v)) for k, v in state.items()
    }
    return (
        model.label,
        model.architecture,
        tensors,
        lambda k: tensor_to_array(state[k])[0],
    )


def _aliases(model: torch.nn.Module) -> dict[str, list[str]]:
    """State-dict key -> every key naming the same tensor (tied weights)."""
    groups: dict[int, list[str]] = {}
    for key, t in model.state_dict(keep_vars=True).items():
        groups.setdefault(id(t), []).append(key)
    return {k: keys for keys in groups.values() for k in keys}


def graph_for_architecture(
    architecture: dict,
    tensors: dict[str, TensorInfo],
    patterns: list[str],
    label: str,
    *,
    cache_dir: Path | None = None,
) -> tuple[ModuleGraph, frozenset[str]]:
    """The layer graph of ``architecture`` with tensor facts from ``tensors`` (no weights).

    Raises
    ------
    InvalidInput
        When the architecture cannot be rebuilt or the tensors do not fit it.
    """
    with torch.device("meta"):
        model = build_module(architecture)
    scopes = Scopes(model, patterns)
    try:
        skeleton = trace_skeleton(model, scopes, None, cache_dir=cache_dir)
    except InvalidInput:
        model = build_module(architecture)  # some forwards cannot run on meta tensors
        scopes = Scopes(model, patterns)
        skeleton = trace_skeleton(model, scopes, None, cache_dir=cache_dir)
    graph = decorate(model, scopes, skeleton, None)
    aliases = _aliases(model)
    for node in graph.nodes.values():
        for info in node.params.values():
            stored = next(
                (tensors[k] for k in aliases.get(info.key, [info.key]) if k in tensors),
                None,
            )
            if stored is None:
                raise InvalidInput(
                    f"{label}: its tensors do not fit its architecture (no tensor {info.key!r})",
                    hint="diff its tensors only with --params-only",
                )
            if list(stored.shape) != list(info.shape):
                raise InvalidInput(
                    f"{label}: tensor {info.key!r} has shape {list(stored.shape)} "
                    f"but its architecture needs {info.shape}",
                    hint="diff its tensors only with --params-only",
                )
            info.hash, info.dtype = stored.hash, stored.dtype
    graph.tensors = dict(tensors)
    for (
        key,
        keys,
    ) in aliases.items():  # tied weights saved once (as Hugging Face does) stand for every name
        if key not in tensors:
            present = next((k for k in keys if k in tensors), None)
            if present is not None:
                t = tensors[present]
                graph.tensors[key] = TensorInfo(present, list(t.shape), t.dtype, t.hash)
    return graph, frozenset(scopes.matched_patterns)


def redirect(load: ArrayLoader, tensors: dict[str, TensorInfo]) -> ArrayLoader:
    """A loader that reads tied aliases through the key actually stored."""
    return lambda key: load(tensors[key].key if key in tensors else key)
