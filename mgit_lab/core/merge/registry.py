"""Merge-strategy registry: look strategies up by name; built-ins, runtime, entry points.

The CLI's ``--strategy`` choices, the panel's merge dialog and the magics' help are all
rendered from :func:`describe_strategies`; there is no second list.  The lookup is
:class:`~mgit_lab.core.plugins.Registry`'s; nothing is imported or registered at import
time: the built-in table below holds import paths, one line per strategy, resolved lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def get_strategy(name: str) -> MergeStrategy:
    """An instance of the strategy called ``name``.

    Raises
    ------
    InvalidInput
        When no strategy has that name.
    """
    return REGISTRY.lookup(name)()


def parse_arguments(strategy: MergeStrategy, args: Mapping[str, Any] | None, *, strict: bool = True) -> dict[str, Any]:
    """``args`` validated against ``strategy.arguments``, defaults filled in.

    With ``strict`` an argument the strategy does not declare is an error; otherwise it is
    ignored (overrides with another strategy share the main strategy's arguments).

    Raises
    ------
    InvalidInput
        For an unknown argument, a wrong type or a value out of range.
    """
    declared = {a.name: a for a in strategy.arguments}
    out = {a.name: a.default for a in strategy.arguments}
    for key, value in (args or {}).items():
        if key not in declared:
            if strict:
                names = ", ".join(declared) or "none"
                raise InvalidInput(
                    f"strategy {strategy.name!r} has no argument {key!r}",
                    hint=f"its arguments: {names}",
                )
            continue
        out[key] = declared[key].parse(value, strategy.name)
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
            }
        )
    return out
