"""Three-way merge of model versions: planner, strategies (one module each), registry.

Public entry points: :func:`plan_merge`, :func:`merge_versions`, :func:`merge_states`
(pure, on state dicts) and :func:`describe_strategies` (the one list every face renders).
"""

from .base import Argument, ArithmeticStrategy, MergeStrategy
from .combine import merge_states, parse_override
from .planner import CONFLICTS, MergePlan, ParamState, build_plan, classify, plan_merge
from .registry import (
    available_strategies,
    describe_strategies,
    get_strategy,
    register_strategy,
)


def __getattr__(name: str):  # merge_versions needs torch; import it only when used
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
