"""Merge-strategy registry: look strategies up by name; built-ins, runtime, entry points.

The CLI's ``--strategy`` choices, the panel's merge dialog and the magics' help are all
rendered from :func:`describe_strategies`; there is no second list.  The lookup is
:class:`~mgit_lab.core.plugins.Registry`'s; nothing is imported or registered at import
time: the built-in table below holds import paths, one line per strategy, resolved lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidInput
from ..plugins import Registry
from ..schema import MergeStrategyInfo
from .base import MergeStrategy

ENTRY_POINT_GROUP = "mgit_lab.merge_strategies"

#: name -> "module:Class" of the built-in strategies, in menu order.
_BUILTIN: dict[str, str] = {
    "average": "mgit_lab.core.merge.average:Average",
    "weighted-average": "mgit_lab.core.merge.weighted_average:WeightedAverage",
    "task-arithmetic": "mgit_lab.core.merge.task_arithmetic:TaskArithmetic",
    "ties": "mgit_lab.core.merge.ties:Ties",
    "dare-linear": "mgit_lab.core.merge.dare_linear:DareLinear",
    "dare-ties": "mgit_lab.core.merge.dare_ties:DareTies",
    "breadcrumbs": "mgit_lab.core.merge.breadcrumbs:Breadcrumbs",
    "breadcrumbs-ties": "mgit_lab.core.merge.breadcrumbs_ties:BreadcrumbsTies",
    "della": "mgit_lab.core.merge.della:Della",
    "della-linear": "mgit_lab.core.merge.della_linear:DellaLinear",
    "slerp": "mgit_lab.core.merge.slerp:Slerp",
    "nuslerp": "mgit_lab.core.merge.nuslerp:NuSlerp",
    "multislerp": "mgit_lab.core.merge.multislerp:MultiSlerp",
    "karcher": "mgit_lab.core.merge.karcher:Karcher",
    "model-stock": "mgit_lab.core.merge.model_stock:ModelStock",
    "sce": "mgit_lab.core.merge.sce:Sce",
    "nearswap": "mgit_lab.core.merge.nearswap:NearSwap",
    "ram": "mgit_lab.core.merge.ram:Ram",
    "take-a": "mgit_lab.core.merge.take:TakeA",
    "take-b": "mgit_lab.core.merge.take:TakeB",
    "take-ancestor": "mgit_lab.core.merge.take:TakeAncestor",
}

REGISTRY: Registry[MergeStrategy] = Registry(
    "merge strategy",
    MergeStrategy,
    key="name",
    group=ENTRY_POINT_GROUP,
    builtins=_BUILTIN,
    unknown=InvalidInput,
    hint="choose one of: {known}",
)


def register_strategy(cls: type[MergeStrategy]) -> type[MergeStrategy]:
    """Register ``cls`` under ``cls.name`` (usable as a class decorator)."""
    return REGISTRY.register(cls)


def available_strategies() -> list[str]:
    """Names of every strategy: built-ins in menu order, then the others sorted."""
    return REGISTRY.names()


def canonical_name(name: str) -> str:
    """``name`` with mergekit's underscores accepted for our hyphens (``dare_ties`` -> ``dare-ties``)."""
    hyphens = name.replace("_", "-")
    if hyphens != name and hyphens in _BUILTIN and name not in REGISTRY.names():
        return hyphens
    return name


def get_strategy(name: str) -> MergeStrategy:
    """An instance of the strategy called ``name``.

    Raises
    ------
    InvalidInput
        When no strategy has that name.
    """
    return REGISTRY.lookup(canonical_name(name))()


def parse_arguments(strategy: MergeStrategy, args: Mapping[str, Any] | None, *, strict: bool = True) -> dict[str, Any]:
    """The shared arguments ``args`` validated against ``strategy.arguments``, defaults filled in.

    A per-model argument given here is a default for every model (see
    :func:`parse_model_arguments`) and is checked, not returned.  With ``strict`` an
    argument the strategy does not declare is an error; otherwise it is ignored (overrides
    with another strategy share the main strategy's arguments).

    Raises
    ------
    InvalidInput
        For an unknown argument, a wrong type or a value out of range.
    """
    declared = {a.name: a for a in strategy.arguments}
    out = {a.name: a.default for a in strategy.arguments if not a.per_model}
    legacy = getattr(strategy, "legacy", {})
    for key, value in (args or {}).items():
        if key in legacy and legacy[key][1] is None:  # renamed shared argument
            key = legacy[key][0]
        if key in legacy or key not in declared:
            if key in legacy:
                continue  # a per-model legacy argument: parse_model_arguments reads it
            if strict:
                names = ", ".join(declared) or "none"
                raise InvalidInput(
                    f"strategy {strategy.name!r} has no argument {key!r}",
                    hint=f"its arguments: {names}",
                )
            continue
        parsed = declared[key].parse(value, strategy.name)
        if not declared[key].per_model:
            out[key] = parsed
    return out


def parse_model_arguments(
    strategy: MergeStrategy,
    n: int,
    args: Mapping[str, Any] | None,
    per_model: Sequence[Mapping[str, Any]] | None = None,
    *,
    strict: bool = True,
) -> list[dict[str, Any]]:
    """One mapping of per-model arguments for each of ``n`` models, defaults filled in.

    A per-model argument in ``args`` applies to every model; ``per_model[i]`` overrides it
    for model ``i``.  Legacy two-model arguments (``scale_a``, ``scale_b`` of
    task-arithmetic) set the argument of model 0 or 1.

    Raises
    ------
    InvalidInput
        For an argument the strategy does not take per model, a wrong type or a value out of range.
    """
    declared = {a.name: a for a in strategy.arguments if a.per_model}
    legacy = getattr(strategy, "legacy", {})
    common = {a.name: a.default for a in declared.values()}
    for key, value in (args or {}).items():
        if key in declared:
            common[key] = declared[key].parse(value, strategy.name)
    out = [dict(common) for _ in range(n)]
    for key, value in (args or {}).items():
        if key in legacy and legacy[key][1] is not None:
            target, index = legacy[key]
            if index is not None and index < n and target in declared:
                out[index][target] = declared[target].parse(value, strategy.name)
    for i, given in enumerate(per_model or []):
        for key, value in given.items():
            if key not in declared:
                if not strict:
                    continue
                names = ", ".join(declared) or "none"
                raise InvalidInput(
                    f"strategy {strategy.name!r} takes no per-model argument {key!r}",
                    hint=f"its per-model arguments: {names}",
                )
            out[i][key] = declared[key].parse(value, strategy.name)
    return out


def describe_strategies() -> list[MergeStrategyInfo]:
    """One JSON-ready description per strategy (CLI help, panel dialog, magics help)."""
    out: list[MergeStrategyInfo] = []
    for name in available_strategies():
        s = get_strategy(name)
        out.append(
            {
                "name": s.name,
                "description": s.description,
                "needs_ancestor": s.needs_ancestor,
                "resolves": list(s.resolves),
                "arguments": [a.info() for a in s.arguments],
                "modes": list(s.modes),
                "ties": s.ties,
                "min_models": s.min_models,
                "max_models": s.max_models,
                "randomised": s.randomised,
                "reference": s.reference,
            }
        )
    return out
