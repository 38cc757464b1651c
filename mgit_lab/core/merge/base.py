"""The merge-strategy contract.

A strategy resolves the parameters the planner could not merge on its own.  It is a class
that describes itself (the CLI help, the REST registry and the panel's dialog are rendered
from these attributes):

- ``name`` (unique, lower-case with hyphens: what users type), ``description`` (one line);
- ``arguments``: a tuple of :class:`Argument` (name, type, default, range, choices,
  description); an argument with ``per_model`` is given per merged version (``weight``,
  ``density``...) and may also be given once for all of them;
- ``modes``: the arithmetic it can follow: ``mergekit`` (results equal mergekit 0.1.5's
  on the same inputs) and/or ``paper`` (the published algorithm where mergekit departs from
  it); the first is the default, chosen with the ``mode`` argument when there are two;
- ``ties``: how it treats tied magnitudes and task vectors that cancel exactly;
- ``needs_ancestor``; ``min_models``/``max_models`` (how many versions it merges);
  ``randomised`` (it draws from a generator seeded per tensor, see ``seeds.py``);
- ``resolves``: the planner states (see ``planner.ParamState``) it is meant for;
  ``refuse(models, ancestor)`` decides per parameter from the signatures
  ``(dtype, shape)`` (None: absent) and returns why it cannot, or None;
- ``merge(job)``: one :class:`TensorJob` in, one parameter ``(array, dtype)`` in storage
  form (bfloat16 as uint16 bits) out, or None to drop it.

Strategies are pure: no repository, no I/O, deterministic given the job (its seed
included).  Register third-party ones through the ``mgit_lab.merge_strategies``
entry-point group or :func:`registry.register_strategy`.  Every strategy is run through
the same shared checks in the test suite.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import InvalidInput
from ..schema import MergeArgumentInfo

Param = tuple[np.ndarray, str]
Signature = tuple[str, tuple[int, ...]]
_TYPES = {"float": float, "int": int, "bool": bool, "str": str}


@dataclass(frozen=True)
class Argument:
    """One argument a strategy accepts."""

    name: str
    type: str
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    per_model: bool = False

    def parse(self, value: Any, strategy: str) -> Any:
        """``value`` (possibly a CLI string) converted and range-checked.

        Raises
        ------
        InvalidInput
            When it has the wrong type, lies outside ``[min, max]`` or is not a choice.
        """
        bad = InvalidInput(
            f"argument {self.name}={value!r} of strategy {strategy!r} is not a valid {self.type}",
            hint=f"{self.name}: {self.description}{self._range()}",
        )
        if self.type == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise bad
                return value.lower() in ("true", "1", "yes")
            if not isinstance(value, bool):
                raise bad
            return value
        try:
            if isinstance(value, bool) and self.type != "str":
                raise ValueError
            out = _TYPES[self.type](value)
            if self.type == "int" and float(value) != out:
                raise ValueError
        except (TypeError, ValueError):
            raise bad from None
        outside = (self.min is not None and out < self.min) or (self.max is not None and out > self.max)
        if self.type in ("float", "int") and (math.isnan(out) or outside):
            raise InvalidInput(
                f"argument {self.name}={value!r} of strategy {strategy!r} is out of range{self._range()}",
                hint=f"{self.name}: {self.description}",
            )
        if self.choices is not None and out not in self.choices:
            raise InvalidInput(
                f"argument {self.name}={value!r} of strategy {strategy!r} is not one of {', '.join(self.choices)}",
                hint=f"{self.name}: {self.description}",
            )
        return out

    def _range(self) -> str:
        if self.min is None and self.max is None:
            return ""
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "inf" if self.max is None else f"{self.max:g}"
        return f" [{lo}, {hi}]"

    def info(self) -> MergeArgumentInfo:
        return {
            "name": self.name,
            "type": self.type,  # type: ignore[typeddict-item]
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "description": self.description,
            "choices": list(self.choices) if self.choices is not None else None,
            "per_model": self.per_model,
        }


def mode_argument(modes: tuple[str, ...]) -> Argument:
    """The ``mode`` argument of a strategy following more than one arithmetic."""
    return Argument(
        "mode",
        "str",
        modes[0],
        "mergekit: equal to mergekit 0.1.5; paper: the published algorithm (see the description)",
        choices=modes,
    )


@dataclass(frozen=True)
class TensorJob:
    """One parameter to merge: every input, the resolved arguments, computation dtype, seed.

    ``models`` are in merge order (None: that version lacks the parameter); ``args`` holds
    the shared arguments and ``model_args`` one mapping of per-model arguments per model,
    defaults filled in.  ``dtype`` is the requested computation dtype (``float32`` or
    ``float64``); ``seed`` the per-tensor seed of randomised strategies.
    """

    name: str
    models: tuple[Param | None, ...]
    ancestor: Param | None
    args: Mapping[str, Any] = field(default_factory=dict)
    model_args: tuple[Mapping[str, Any], ...] = ()
    dtype: str = "float32"
    seed: int = 0

    def per_model(self, name: str, default: Any = None) -> list[Any]:
        """The per-model argument ``name`` of every model (``default`` where unset)."""
        if not self.model_args:
            return [default] * len(self.models)
        return [m.get(name, default) for m in self.model_args]


def signature(p: Param | None) -> Signature | None:
    """``(dtype, shape)`` of a parameter, or None when absent."""
    return None if p is None else (p[1], tuple(p[0].shape))


def show(sig: Signature) -> str:
    return f"{sig[0]}{list(sig[1])}"


class MergeStrategy(ABC):
    """Base class of every merge strategy (see the module docstring for the contract)."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[tuple[Argument, ...]] = ()
    needs_ancestor: ClassVar[bool] = False
    resolves: ClassVar[tuple[str, ...]] = ()
    modes: ClassVar[tuple[str, ...]] = ("mergekit",)
    ties: ClassVar[str] = "no ties or cancellations arise: no selection is made"
    min_models: ClassVar[int] = 2
    max_models: ClassVar[int | None] = None
    randomised: ClassVar[bool] = False
    reference: ClassVar[str] = ""
    #: arguments of older recipes: name -> (argument, model index or None for a shared one)
    legacy: ClassVar[dict[str, tuple[str, int | None]]] = {}

    def refuse(self, models: Sequence[Signature | None], ancestor: Signature | None) -> str | None:
        """Why this strategy cannot merge a parameter of these signatures, or None when it can."""
        return None

    def check(self, args: Mapping[str, Any], model_args: Sequence[Mapping[str, Any]]) -> None:  # noqa: B027 - an optional hook: most strategies have nothing to check
        """Raise :class:`InvalidInput` when arguments are valid one by one but not together."""

    @abstractmethod
    def merge(self, job: TensorJob) -> Param | None:
        """The merged parameter, or None to leave it out."""
