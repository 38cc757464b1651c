"""Which module owns an operation: the rule that turns a traced program into layer nodes.

A *graph node* is a module that is a leaf (no child modules), owns tensors directly
(parameters or persistent buffers, e.g. ViT's ``cls_token``), or matches a collapse pattern
(then it swallows its whole subtree).  An operation belongs to the outermost collapsed
module on its module stack, else to the innermost module if that one is a graph node;
operations in other container modules (reshapes, residual adds, attention arithmetic) are
*glue*: data flows through them without a node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

import torch

#: node name of the model itself when it owns tensors directly.
ROOT = "<model>"


def parse_collapse(spec: str | Iterable[str] | None) -> list[str]:
    """Collapse patterns from ``"BertLayer,*Embeddings"`` or a list; empty when None."""
    if spec is None:
        return []
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    return [s.strip() for s in items if s and s.strip()]


class Scopes:
    """Module names, aliases and ownership rules of one model.

    Parameters
    ----------
    model : torch.nn.Module
    collapse : list of str
        Patterns matched (``fnmatch``) against module class names and module paths.
    """

    def __init__(self, model: torch.nn.Module, collapse: Sequence[str] = ()) -> None:
        self.model = model
        self.patterns = list(collapse)
        self.modules: dict[str, torch.nn.Module] = {}
        canonical_of: dict[int, str] = {}
        for name, mod in model.named_modules():
            self.modules[name] = mod
            canonical_of[id(mod)] = name
        self.alias: dict[str, str] = {}
        for name, mod in model.named_modules(remove_duplicate=False):
            self.alias[name] = canonical_of[id(mod)]
        self.canonical_of = canonical_of
        self.collapsed: set[str] = set()
        self.matched_patterns: set[str] = set()
        for name, mod in self.modules.items():
            if not name:
                continue
            for pat in self.patterns:
                if fnmatchcase(type(mod).__name__, pat) or fnmatchcase(name, pat):
                    self.collapsed.add(name)
                    self.matched_patterns.add(pat)
        self._owner_cache: dict[tuple[str, ...], str | None] = {}

    # ------------------------------------------------------------ names
    def canonical(self, path: str) -> str | None:
        """The first-registered name of the module at ``path`` (None when unknown)."""
        return self.alias.get(path)

    @staticmethod
    def node_name(canonical: str) -> str:
        return canonical if canonical else ROOT

    @staticmethod
    def module_path(node: str) -> str:
        return "" if node == ROOT else node

    def owns_tensors(self, mod: torch.nn.Module) -> bool:
        if any(True for _ in mod.parameters(recurse=False)):
            return True
        persistent = [n for n in mod._buffers if n not in mod._non_persistent_buffers_set]
        return any(mod._buffers[n] is not None for n in persistent)

    def is_node(self, canonical: str) -> bool:
        mod = self.modules[canonical]
        if canonical in self.collapsed:
            return True
        return not any(True for _ in mod.children()) or self.owns_tensors(mod)

    # ------------------------------------------------------------ ownership
    def owner(self, stack: Sequence[str]) -> str | None:
        """The graph node (name) owning an operation run with module ``stack`` (outer first)."""
        key = tuple(stack)
        if key in self._owner_cache:
            return self._owner_cache[key]
        result: str | None = None
        names = [c for c in (self.canonical(p) for p in stack) if c is not None]
        for c in names:
            if c in self.collapsed:
                result = self.node_name(c)
                break
        else:
            if names and self.is_node(names[-1]):
                result = self.node_name(names[-1])
        self._owner_cache[key] = result
        return result

    def is_inside_collapsed(self, canonical: str) -> bool:
        """True for strict descendants of a collapsed module (they are not nodes of their own)."""
        parts = canonical.split(".")
        return any(".".join(parts[:i]) in self.collapsed for i in range(1, len(parts)))

    def node_tensors(self, node: str) -> dict[str, tuple[str, torch.Tensor]]:
        """``{local name: (state-dict key, tensor)}`` of a node: its own tensors, or its
        whole subtree's when collapsed."""
        canonical = self.module_path(node)
        mod = self.modules[canonical]
        recurse = canonical in self.collapsed
        prefix = f"{canonical}." if canonical else ""
        out: dict[str, tuple[str, torch.Tensor]] = {}
        for local, p in mod.named_parameters(recurse=recurse):
            out[local] = (prefix + local, p)
        for local, b in _persistent_buffers(mod, recurse):
            out[local] = (prefix + local, b)
        return out


def _persistent_buffers(mod: torch.nn.Module, recurse: bool) -> list[tuple[str, torch.Tensor]]:
    items = mod.named_modules() if recurse else [("", mod)]
    out = []
    seen: set[int] = set()
    for prefix, m in items:
        for name, buf in m._buffers.items():
            if buf is None or name in m._non_persistent_buffers_set or id(buf) in seen:
                continue
            seen.add(id(buf))
            out.append((f"{prefix}.{name}" if prefix else name, buf))
    return out
