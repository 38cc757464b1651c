"""Importable references ``package.module:function``: how tests and recipes are stored.

A reference survives a restart and can be resolved by another process (the server),
unlike a pickled function or a file path.  Functions defined in ``__main__``, in a
notebook cell or inside another function have no such reference and are refused.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from .errors import InvalidInput
from .trust import require_trusted

_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def reference_of(fn: Callable[..., Any] | str) -> str:
    """The ``module:qualname`` reference of ``fn`` (a string is checked and returned).

    Raises
    ------
    InvalidInput
        When ``fn`` is not importable by name (a lambda, a local function, ``__main__``).
    """
    if isinstance(fn, str):
        if not _REF.match(fn):
            raise InvalidInput(
                f"{fn!r} is not an importable reference",
                hint="write it as 'package.module:function'",
            )
        return fn
    module = getattr(fn, "__module__", None)
    qual = getattr(fn, "__qualname__", None)
    if not callable(fn) or not module or not qual:
        raise InvalidInput(
            f"{fn!r} is not a function",
            hint="pass a function or 'package.module:function'",
        )
    if module == "__main__" or "<" in qual:
        raise InvalidInput(
            f"{qual} is defined in {module} and cannot be imported again by name",
            hint="move it to the top level of an importable module and pass 'package.module:function'",
        )
    return f"{module}:{qual}"


def resolve_reference(ref: str, *, what: str = "function", trusted: Iterable[str] = ()) -> Callable[..., Any]:
    """Import the callable named by ``ref``, only if the user named it (see :mod:`.trust`):
    in ``trusted`` at this call, or earlier (registration, ``mgit trust``).

    Raises
    ------
    InvalidInput
        When the reference is not trusted, the module cannot be imported, lacks the name,
        or the object is not callable.
    """
    reference_of(ref)
    require_trusted(ref, what=what, also=trusted)
    module_name, _, qual = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import-time failure is the reference's fault
        raise InvalidInput(
            f"cannot import the {what} {ref!r}: {type(exc).__name__}: {exc}",
            hint="check the module name and that its package is installed in this environment",
        ) from None
    for part in qual.split("."):
        if not hasattr(obj, part):
            raise InvalidInput(
                f"cannot import the {what} {ref!r}: module {module_name!r} has no attribute {part!r}",
                hint="check the function name after the ':'",
            )
        obj = getattr(obj, part)
    if not callable(obj):
        raise InvalidInput(f"the {what} {ref!r} is not callable")
    return obj
