"""What merges each parameter: the default strategy, per-tensor rules, and ``--take`` overrides.

A :class:`MergeSpec` is the whole resolved recipe of a merge.  Its rules are tried in
order, the first whose ``filter`` matches a parameter's name wins; ``--take`` overrides
come first.  A filter with a glob character (``*?[``) is a glob on the whole name;
otherwise it matches names containing it, as mergekit's ``filter`` does
(``filter: self_attn``).  A rule names a strategy (or ``take: VERSION``, ``A``, ``B``,
``ancestor``) and/or arguments: shared ones, and per-model ones under ``models``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from .base import MergeStrategy
from .registry import get_strategy, parse_arguments, parse_model_arguments
from .take import TakeModel

#: shorthand sides accepted in overrides (``--take A:pattern``).
SIDES = {
    "a": "take-a",
    "b": "take-b",
    "ancestor": "take-ancestor",
    "o": "take-ancestor",
    "base": "take-ancestor",
}


@dataclass
class Rule:
    """Parameters matching ``filter`` merge with ``strategy`` (None: the default) and these arguments."""

    filter: str
    strategy: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # version -> per-model arguments

    def matches(self, name: str) -> bool:
        if any(c in self.filter for c in "*?["):
            return fnmatch.fnmatchcase(name, self.filter)
        return self.filter in name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"filter": self.filter}
        if self.strategy is not None:
            out["strategy"] = self.strategy
        if self.args:
            out["args"] = dict(self.args)
        if self.models:
            out["models"] = {k: dict(v) for k, v in self.models.items()}
        return out


@dataclass
class MergeSpec:
    """Everything a merge does besides its inputs: strategy, arguments, rules, dtype, seed."""

    strategy: str = "average"
    args: dict[str, Any] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # version -> per-model arguments
    overrides: dict[str, str] = field(default_factory=dict)  # glob -> side or strategy
    rules: list[Rule] = field(default_factory=list)
    dtype: str = "float32"
    seed: int = 0


Choice = tuple[MergeStrategy, dict[str, Any], list[dict[str, Any]]]


def parse_override(text: str) -> tuple[str, str]:
    """``"A:encoder.layer.11.*"`` -> ``("encoder.layer.11.*", "take-a")``; ``"ft-c:x.*"`` -> ``("x.*", "ft-c")``.

    Raises
    ------
    InvalidInput
        When the side or the pattern is empty.
    """
    side, sep, pattern = text.rpartition(":")
    if not sep or not pattern or not side:
        raise InvalidInput(
            f"invalid override {text!r}",
            hint="write SIDE:PATTERN with SIDE one of A, B, ancestor or a merged version, "
            "e.g. --take A:'encoder.layer.11.*'",
        )
    return pattern, SIDES.get(side.lower(), side)


def resolve_strategy(target: str, labels: Sequence[str], versions: Sequence[str] = ()) -> MergeStrategy:
    """The strategy a rule or override names: a strategy, A/B/ancestor, or a merged version to take.

    A merged version is named by its name, id, or position letter (``C`` for the third).
    """
    target = SIDES.get(target.lower(), target)
    index = take_index(target, labels, versions)
    if index is not None:
        return TakeModel(index, labels[index])
    return get_strategy(target)


def take_index(target: str, labels: Sequence[str], versions: Sequence[str] = ()) -> int | None:
    """The position of the merged version ``target`` names, or None when it names none."""
    letters = [chr(ord("A") + i) for i in range(len(labels))]
    for i, names in enumerate(zip(labels, list(versions) + [""] * len(labels), letters, strict=False)):
        if target in names:
            return i
    return None


def model_index(key: str, labels: Sequence[str], versions: Sequence[str]) -> int:
    """The position of the merged version named ``key`` (its name, id, or A, B, C...).

    Raises
    ------
    InvalidInput
        When ``key`` is not one of the merged versions.
    """
    letters = [chr(ord("A") + i) for i in range(len(labels))]
    for i, names in enumerate(zip(labels, list(versions) + [""] * len(labels), letters, strict=False)):
        if key in names:
            return i
    raise InvalidInput(
        f"{key!r} is not one of the merged versions",
        hint=f"per-model values name one of: {', '.join(labels)}",
    )


def per_model_list(
    given: Mapping[str, Mapping[str, Any]], labels: Sequence[str], versions: Sequence[str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{} for _ in labels]
    for key, values in given.items():
        out[model_index(key, labels, versions)].update(values)
    return out


def choose_for(
    spec: MergeSpec, labels: Sequence[str], versions: Sequence[str] = ()
) -> tuple[Choice, list[tuple[Rule, Choice]]]:
    """The default choice and one choice per override/rule, every argument validated.

    Raises
    ------
    InvalidInput
        For an unknown strategy or argument, an argument out of range, a version a
        per-model value names that is not merged, or a strategy that cannot merge this many
        versions.
    """
    n = len(labels)
    main = get_strategy(spec.strategy)
    main_models = per_model_list(spec.models, labels, versions)
    default: Choice = (
        main,
        parse_arguments(main, spec.args),
        parse_model_arguments(main, n, spec.args, main_models),
    )
    rules = [Rule(p, t) for p, t in spec.overrides.items()] + list(spec.rules)
    main.check(default[1], default[2])
    chosen: list[tuple[Rule, Choice]] = []
    for rule in rules:
        try:
            s = resolve_strategy(rule.strategy, labels, versions) if rule.strategy else main
        except InvalidInput:
            if rule.filter not in spec.overrides:
                raise
            raise InvalidInput(
                f"invalid override '{rule.strategy}:{rule.filter}': {rule.strategy!r} is not A, B, ancestor, "
                "a merged version or a strategy",
                hint=f"the merged versions: {', '.join(labels)}; e.g. --take A:'{rule.filter}'",
            ) from None
        args = {**known(s, spec.args), **rule.args}
        models = [known(s, m) for m in main_models]
        for i, extra in enumerate(per_model_list(rule.models, labels, versions)):
            models[i].update(extra)
        choice = (s, parse_arguments(s, args), parse_model_arguments(s, n, args, models))
        s.check(choice[1], choice[2])
        chosen.append((rule, choice))
    return default, chosen


def known(strategy: MergeStrategy, args: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``args`` that ``strategy`` takes (a rule inherits only those of the default)."""
    names = {a.name for a in strategy.arguments} | set(getattr(strategy, "legacy", {}))
    return {k: v for k, v in args.items() if k in names}
