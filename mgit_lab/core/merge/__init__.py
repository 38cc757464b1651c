"""Merging model versions: planner, strategies (one module each), registry, rules.

Public entry points: :func:`plan_merge`, :func:`merge_versions` (two or more stored
versions, streamed tensor by tensor), :func:`merge_states` / :func:`merge_state_list`
(pure, on state dicts) and :func:`describe_strategies` (the one list every face renders).
"""

from .arithmetic import ArithmeticStrategy, TensorStrategy
from .base import Argument, MergeStrategy, TensorJob
from .combine import merge_state_list, merge_states, parse_override
from .planner import CONFLICTS, MergePlan, ParamState, build_plan, build_plan_many, classify, plan_merge
from .registry import (
    available_strategies,
    describe_strategies,
    get_strategy,
    register_strategy,
)
from .rules import MergeSpec, Rule


def __getattr__(name: str):  # merge_versions needs the repository's model loading; import it only when used
    if name in ("MergeResult", "merge_versions"):
        from . import versions

        return getattr(versions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONFLICTS",
    "Argument",
    "ArithmeticStrategy",
    "MergePlan",
    "MergeResult",
    "MergeSpec",
    "MergeStrategy",
    "ParamState",
    "Rule",
    "TensorJob",
    "TensorStrategy",
    "available_strategies",
    "build_plan",
    "build_plan_many",
    "classify",
    "describe_strategies",
    "get_strategy",
    "merge_state_list",
    "merge_states",
    "merge_versions",
    "parse_override",
    "plan_merge",
    "register_strategy",
]
