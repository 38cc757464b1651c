"""The merge-strategy contract.

A strategy resolves the parameters the three-way planner could not merge on its own.  It
is a class with

- ``name`` (unique, lower-case with hyphens: what users type), ``description`` (one line);
- ``arguments``: a tuple of :class:`Argument` (name, type, default, range, description),
  validated by the registry before :meth:`MergeStrategy.merge` is called;
- ``needs_ancestor``: true when it cannot work without a common ancestor;
- ``resolves``: the planner states (see ``planner.ParamState``) it is meant for, shown in
  its description; ``refuse(a, b, ancestor)`` decides per parameter from the signatures
  ``(dtype, shape)`` (None: absent) and returns why it cannot, or None;
- ``merge(a, b, ancestor, args)``: one parameter in, one out.  Each of ``a``, ``b``,
  ``ancestor`` is ``(array, dtype)`` in storage form (bfloat16 as uint16 bits) or None when
  that side lacks the parameter; return ``(array, dtype)``, or None to drop it.

Strategies are pure: no repository, no I/O, deterministic.  Register third-party ones
through the ``mgit_lab.merge_strategies`` entry-point group or :func:`registry.register_strategy`.
Every strategy is run through the same shared checks in the test suite.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
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

    def parse(self, value: Any, strategy: str) -> Any:
        """``value`` (possibly a CLI string) converted and range-checked.

        Raises
        ------
        InvalidInput
            When it has the wrong type or lies outside ``[min, max]``.
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
        }


def signature(p: Param | None) -> Signature | None:
    """``(dtype, shape)`` of a parameter, or None when absent."""
    return None if p is None else (p[1], tuple(p[0].shape))


class MergeStrategy(ABC):
    """Base class of every merge strategy (see the module docstring for the contract)."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[tuple[Argument, ...]] = ()
    needs_ancestor: ClassVar[bool] = False
    resolves: ClassVar[tuple[str, ...]] = ()

    def refuse(self, a: Signature | None, b: Signature | None, ancestor: Signature | None) -> str | None:
        """Why this strategy cannot merge a parameter of these signatures, or None when it can."""
        return None

    @abstractmethod
    def merge(
        self,
        a: Param | None,
        b: Param | None,
        ancestor: Param | None,
        args: Mapping[str, Any],
    ) -> Param | None:
        """The merged parameter, or None to leave it out."""


def to_float(p: Param) -> np.ndarray:
    """A float64 copy of a stored parameter (bfloat16 bits decoded)."""
    array, dtype = p
    if dtype == "bfloat16":  # bit patterns in uint16: widen to float32 bits, exact
        return (array.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return array.astype(np.float64)


def from_float(values: np.ndarray, dtype: str) -> Param:
    """``values`` (float64) in storage form of ``dtype``; integers are rounded to nearest."""
    if dtype == "bfloat16":  # round to nearest even, as torch does
        import torch

        from ..io.tensors import tensor_to_array

        array, _ = tensor_to_array(torch.from_numpy(np.ascontiguousarray(values)).to(torch.bfloat16))
        return np.array(array, copy=True), dtype
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(np.dtype(dtype))
        return np.clip(np.rint(values), info.min, info.max).astype(dtype), dtype
    return values.astype(np.dtype(dtype)), dtype


def _show(sig: Signature) -> str:
    return f"{sig[0]}{list(sig[1])}"


class ArithmeticStrategy(MergeStrategy):
    """A strategy computing on the values of both sides (in float64, cast back to the dtype)."""

    resolves: ClassVar[tuple[str, ...]] = ("both_changed", "both_added")

    def refuse(self, a: Signature | None, b: Signature | None, ancestor: Signature | None) -> str | None:
        if a is None or b is None:
            return f"{'A' if a is None else 'B'} lacks the parameter, so there is nothing to combine"
        if a != b:
            return f"A is {_show(a)} but B is {_show(b)}"
        if a[0] in ("bool", "complex64", "complex128"):
            return f"{a[0]} parameters cannot be combined arithmetically"
        if self.needs_ancestor:
            if ancestor is None:
                return "the ancestor lacks it, so there are no task vectors"
            if ancestor != a:
                return f"the ancestor is {_show(ancestor)} but A and B are {_show(a)}"
        return None

    def merge(
        self,
        a: Param | None,
        b: Param | None,
        ancestor: Param | None,
        args: Mapping[str, Any],
    ) -> Param | None:
        assert a is not None and b is not None
        o = to_float(ancestor) if ancestor is not None and self.needs_ancestor else None
        return from_float(self.combine(to_float(a), to_float(b), o, args), a[1])

    @abstractmethod
    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        """The merged float64 values."""
