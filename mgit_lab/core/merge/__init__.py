"""Three-way merge of model versions: planner, strategies (one module each), registry.

Public entry points: :func:`plan_merge`, :func:`merge_versions`, :func:`merge_states`
(pure, on state dicts) and :func:`describe_strategies` (the one list every face renders).
"""

from .base import Argument, ArithmeticStrategy, MergeStrategy
from .combine import merge_states, parse_override
from .planner import CONFLICTS, MergePlan, ParamState, build_plan, classify, plan_merge
from .registry import available_strategies, describe_strategies, get_strategy, register_strategy
from .versions import MergeResult, merge_versions

__all__ = [
    "CONFLICTS",
    "Argument",
    "ArithmeticStrategy",
    "MergePlan",
    "MergeResult",
    "MergeStrategy",
    "ParamState",
    "available_strategies",
    "build_plan",
    "classify",
    "describe_strategies",
    "get_strategy",
    "merge_states",
    "merge_versions",
    "parse_override",
    "plan_merge",
    "register_strategy",
]
