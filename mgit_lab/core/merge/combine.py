"""Carry out a merge plan tensor by tensor: automatic states, the strategy, rules, overrides.

:func:`merged_tensors` yields one merged parameter at a time and reads its inputs through
a callback, so a merge of stored versions holds only the tensors of one parameter at once
(streaming).  :func:`merge_states` and :func:`merge_state_list` are the pure forms (state
dicts in, state dict out), so every strategy and the state table are testable without a
repository.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import InvalidInput
from ..io.state import ArrayState
from ..progress import Progress
from ..store import object_id
from .arithmetic import ArithmeticStrategy, TensorStrategy
from .base import Param, Signature, TensorJob
from .dtypes import output_dtype
from .planner import MergePlan, build_plan_many, count_problem
from .rules import SIDES, Choice, MergeSpec, Rule, choose_for, parse_override
from .seeds import tensor_seed
from .take import TakeModel, TakeSide

__all__ = [
    "SIDES",
    "choose",
    "expected_signatures",
    "merge_state_list",
    "merge_states",
    "merged_tensors",
    "parse_override",
    "raise_problems",
]

#: reads one input: (model index, or None for the ancestor; parameter name) -> the parameter or None
Reader = Callable[[int | None, str], Param | None]


def choose(plan: MergePlan, spec: MergeSpec) -> tuple[dict[str, Choice | None], list[str]]:
    """For each parameter: None (automatic) or the strategy and arguments that merge it.

    Overrides and rules apply to every matching parameter, automatic or not; the first
    match wins.  Returns the choices and the problems: one line per parameter the choice
    cannot merge.

    Raises
    ------
    InvalidInput
        For an unknown strategy or argument, an argument out of range, a rule or override
        matching nothing, or a strategy that cannot merge this many versions.
    """
    default, rules = choose_for(spec, plan.names, plan.versions)
    why = count_problem(default[0], len(plan.versions))
    if why:
        raise InvalidInput(
            f"strategy {default[0].name!r} {why}",
            hint="choose another --strategy (mgit merge --strategies lists them)",
        )
    for rule, _ in rules:
        if not any(rule.matches(e.name) for e in plan.entries):
            kind = "override pattern" if rule.filter in spec.overrides else "recipe filter"
            raise InvalidInput(
                f"{kind} {rule.filter!r} matches no parameter",
                hint="filters are globs (with * ? [) or substrings of names",
            )
    choices: dict[str, Choice | None] = {}
    problems: list[str] = []
    for e in plan.entries:
        choice: Choice | None = next((c for r, c in rules if r.matches(e.name)), None)
        if choice is None and not e.state.auto:
            choice = default
        if choice is not None:
            s = choice[0]
            if s.needs_ancestor and plan.ancestor is None:
                names = " and ".join(plan.names) if len(plan.names) == 2 else ", ".join(plan.names)
                problem: str | None = f"{s.name} needs a common ancestor and {names} have none"
            else:
                problem = count_problem(s, len(plan.versions)) or s.refuse(e.models, e.ancestor)
            if problem:
                problems.append(f"{e.name} [{e.state.value}]: {s.name}: {problem}")
        choices[e.name] = choice
    return choices, problems


def raise_problems(problems: list[str]) -> None:
    """One :class:`InvalidInput` naming the parameters that cannot be merged, with a fix."""
    if not problems:
        return
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    first = problems[0].split(" ", 1)[0]
    if "needs a common ancestor" in problems[0]:
        raise InvalidInput(
            problems[0].split(": ", 1)[1],
            hint="name an ancestor with --base VERSION, or use a strategy that needs none (average, slerp, ...)",
        )
    raise InvalidInput(
        f"{len(problems)} parameters cannot be merged this way: {shown}",
        hint=f"pick them per parameter, e.g. --take A:'{first}' (or B:/ancestor:), or another --strategy",
    )


def merged_tensors(
    plan: MergePlan,
    spec: MergeSpec,
    read: Reader,
    progress: Progress | None = None,
    choices: Mapping[str, Choice | None] | None = None,
) -> Iterator[tuple[str, Param]]:
    """``(name, merged parameter)`` for each parameter the merge keeps, in plan order.

    Raises
    ------
    InvalidInput
        When some parameters cannot be merged as chosen (before anything is yielded).
    """
    if choices is None:
        choices, problems = choose(plan, spec)
        raise_problems(problems)
    total = len(plan.entries)
    n = len(plan.versions)
    for i, e in enumerate(plan.entries):
        choice = choices[e.name]
        merged: Param | None
        if choice is None:
            merged = read(e.source, e.name) if e.source is not None else None
        else:
            s, args, model_args = choice
            job = TensorJob(
                name=e.name,
                models=tuple(read(k, e.name) for k in range(n)),
                ancestor=read(None, e.name) if plan.ancestor is not None else None,
                args=args,
                model_args=tuple(model_args),
                dtype=spec.dtype,
                seed=tensor_seed(spec.seed, e.name),
            )
            merged = s.merge(job)
            del job
        if merged is not None:
            yield e.name, merged
        if progress and (i % 64 == 0 or i == total - 1):
            progress(i + 1, total, "merge")


def expected_signatures(plan: MergePlan, choices: Mapping[str, Choice | None]) -> dict[str, Signature] | None:
    """The ``(dtype, shape)`` of every parameter the merge will keep, or None if a strategy's is unknown."""
    out: dict[str, Signature] = {}
    for e in plan.entries:
        choice = choices[e.name]
        sig: Signature | None
        if choice is None:
            sig = e.models[e.source] if e.source is not None else None
        elif isinstance(choice[0], TakeSide):
            side = choice[0].side
            sig = e.ancestor if side == "ancestor" else e.models[{"a": 0, "b": 1}[side]]
        elif isinstance(choice[0], TakeModel):
            sig = e.models[choice[0].index]
        elif isinstance(choice[0], (TensorStrategy, ArithmeticStrategy)):
            models = [m for m in e.models if m is not None]
            sig = (output_dtype(m[0] for m in models), models[0][1])
        else:
            return None  # a third-party strategy: its output is known once computed
        if sig is not None:
            out[e.name] = sig
    return out


def _entries(state: ArrayState) -> dict[str, tuple[str, str, tuple[int, ...]]]:
    return {k: (object_id(arr, dt), dt, tuple(arr.shape)) for k, (arr, dt) in state.items()}


def merge_state_list(
    ancestor: ArrayState | None,
    models: Sequence[ArrayState],
    spec: MergeSpec | None = None,
) -> ArrayState:
    """Plan and merge state dicts directly (no repository): two or more models.

    Raises
    ------
    InvalidInput
        For unrelated architectures without an ancestor, an unknown strategy or argument,
        an argument out of range, or conflicts the strategy cannot resolve.
    """
    spec = spec or MergeSpec()
    plan = build_plan_many(_entries(ancestor) if ancestor is not None else None, [_entries(m) for m in models])
    o = ancestor or {}

    def read(index: int | None, name: str) -> Param | None:
        return o.get(name) if index is None else models[index].get(name)

    return dict(merged_tensors(plan, spec, read))


def merge_states(
    ancestor: ArrayState | None,
    a: ArrayState,
    b: ArrayState,
    strategy: str = "average",
    args: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    *,
    dtype: str = "float32",
    seed: int = 0,
    rules: Sequence[Rule] = (),
    models: Mapping[str, Mapping[str, Any]] | None = None,
) -> ArrayState:
    """Merge two state dicts ``{name: (array, dtype)}`` against ``ancestor`` (None: none)."""
    spec = MergeSpec(
        strategy=strategy,
        args=dict(args or {}),
        models={k: dict(v) for k, v in (models or {}).items()},
        overrides={p: SIDES.get(t.lower(), t) for p, t in (overrides or {}).items()},
        rules=list(rules),
        dtype=dtype,
        seed=seed,
    )
    return merge_state_list(ancestor, [a, b], spec)
