"""Carry out a merge plan on tensors: automatic states, the strategy, per-parameter overrides.

:func:`merge_states` is pure (state dicts in, state dict out), so every strategy and the
state table are testable without a repository.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidInput
from ..io.state import ArrayState
from ..progress import Progress
from ..store import object_id
from .base import MergeStrategy, Param
from .planner import AUTO_SOURCE, MergePlan, build_plan
from .registry import get_strategy, parse_arguments

#: shorthand sides accepted in overrides (``--take A:pattern``).
SIDES = {
    "a": "take-a",
    "b": "take-b",
    "ancestor": "take-ancestor",
    "o": "take-ancestor",
    "base": "take-ancestor",
}

Choice = tuple[MergeStrategy, dict[str, Any]] | None


def parse_override(text: str) -> tuple[str, str]:
    """``"A:encoder.layer.11.*"`` -> ``("encoder.layer.11.*", "take-a")``.

    Raises
    ------
    InvalidInput
        When the side is not A, B or ancestor, or the pattern is empty.
    """
    side, sep, pattern = text.partition(":")
    if not sep or not pattern or side.lower() not in SIDES:
        raise InvalidInput(
            f"invalid override {text!r}",
            hint="write SIDE:PATTERN with SIDE one of A, B, ancestor, e.g. --take A:'encoder.layer.11.*'",
        )
    return pattern, SIDES[side.lower()]


def choose(
    plan: MergePlan,
    strategy: str,
    args: Mapping[str, Any] | None,
    overrides: Mapping[str, str] | None,
) -> tuple[dict[str, Choice], list[str]]:
    """For each parameter: None (automatic) or the strategy and arguments that merge it.

    Overrides map a glob pattern to a strategy (or A/B/ancestor) and apply to every
    matching parameter, automatic or not; the first matching pattern wins.  Returns the
    choices and the problems: one line per parameter the choice cannot merge.

    Raises
    ------
    InvalidInput
        For an unknown strategy or argument, an argument out of range, or a pattern
        matching nothing.
    """
    main = get_strategy(strategy)
    main_args = parse_arguments(main, args)
    rules: list[tuple[str, MergeStrategy, dict[str, Any]]] = []
    for pattern, target in (overrides or {}).items():
        s = get_strategy(SIDES.get(target.lower(), target))
        rules.append((pattern, s, parse_arguments(s, args, strict=False)))
        if not any(fnmatch.fnmatchcase(e.name, pattern) for e in plan.entries):
            raise InvalidInput(
                f"override pattern {pattern!r} matches no parameter",
                hint="patterns are globs on names",
            )
    choices: dict[str, Choice] = {}
    problems: list[str] = []
    for e in plan.entries:
        rule = next(((s, a) for p, s, a in rules if fnmatch.fnmatchcase(e.name, p)), None)
        choice: Choice = rule if rule else (None if e.state.auto else (main, main_args))
        if choice is not None:
            s = choice[0]
            if s.needs_ancestor and plan.ancestor is None:
                why: str | None = f"{s.name} needs a common ancestor and A and B have none"
            else:
                why = s.refuse(e.a, e.b, e.ancestor)
            if why:
                problems.append(f"{e.name} [{e.state.value}]: {s.name}: {why}")
        choices[e.name] = choice
    return choices, problems


def raise_problems(problems: list[str]) -> None:
    """One :class:`InvalidInput` naming the parameters that cannot be merged, with a fix."""
    if not problems:
        return
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    first = problems[0].split(" ", 1)[0]
    raise InvalidInput(
        f"{len(problems)} parameters cannot be merged this way: {shown}",
        hint=f"pick them per parameter, e.g. --take A:'{first}' (or B:/ancestor:), or another --strategy",
    )


def merge_with_plan(
    plan: MergePlan,
    ancestor: ArrayState | None,
    a: ArrayState,
    b: ArrayState,
    strategy: str = "average",
    args: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ArrayState:
    """The merged state of ``plan`` (whose entries describe these three states)."""
    choices, problems = choose(plan, strategy, args, overrides)
    raise_problems(problems)
    o = ancestor or {}
    sides = {"a": a, "b": b, "ancestor": o}
    out: ArrayState = {}
    total = len(plan.entries)
    for i, e in enumerate(plan.entries):
        choice = choices[e.name]
        merged: Param | None
        if choice is None:
            source = AUTO_SOURCE[e.state]
            merged = sides[source].get(e.name) if source else None
        else:
            s, s_args = choice
            merged = s.merge(a.get(e.name), b.get(e.name), o.get(e.name), s_args)
        if merged is not None:
            out[e.name] = merged
        if progress and (i % 64 == 0 or i == total - 1):
            progress(i + 1, total, "merge")
    return out


def merge_states(
    ancestor: ArrayState | None,
    a: ArrayState,
    b: ArrayState,
    strategy: str = "average",
    args: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ArrayState:
    """Three-way merge of state dicts ``{name: (array, dtype)}`` (``ancestor`` may be None).

    Raises
    ------
    InvalidInput
        For unrelated architectures without an ancestor, an unknown strategy or argument,
        an argument out of range, or conflicts the strategy cannot resolve.
    """

    def entries(state: ArrayState) -> dict[str, tuple[str, str, tuple[int, ...]]]:
        return {k: (object_id(arr, dt), dt, tuple(arr.shape)) for k, (arr, dt) in state.items()}

    plan = build_plan(entries(ancestor) if ancestor is not None else None, entries(a), entries(b))
    return merge_with_plan(plan, ancestor, a, b, strategy, args, overrides)
