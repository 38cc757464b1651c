"""The state of one parameter in a merge, from its entries in the ancestor and every model.

Parameters are compared by content id (equal ids: bit-identical tensors), so classifying
reads only manifests.  Two models (``o``: ancestor):

================================  ============================  =========================
present in                        values                        state
================================  ============================  =========================
o, a, b                           a == o, b == o                ``unchanged`` (auto)
o, a, b                           a != o, b == o                ``changed_a`` (auto: A)
o, a, b                           a == o, b != o                ``changed_b`` (auto: B)
o, a, b                           a == b != o                   ``same_change`` (auto)
o, a, b                           a, b, o differ; a ~ b         ``both_changed``
o, a, b                           a, b differ in shape          ``shape_conflict``
o, a, b                           a, b of unmixable dtypes      ``dtype_conflict``
o, b                              b == o                        ``removed_a`` (auto: drop)
o, b                              b != o                        ``removed_a_changed_b``
o, a                              a == o                        ``removed_b`` (auto: drop)
o, a                              a != o                        ``changed_a_removed_b``
o                                                               ``removed_both`` (auto)
a                                                               ``added_a`` (auto: A)
b                                                               ``added_b`` (auto: B)
a, b                              a == b                        ``same_change`` (auto)
a, b                              a ~ b, a != b                 ``both_added``
a, b                              a, b differ in shape/dtype    ``shape_conflict`` / ``dtype_conflict``
================================  ============================  =========================

(``a ~ b``: same shape, and dtypes that mix: equal, or both floating, cast by the rule of
``dtypes.py``; floating vs integer, bool or complex are a ``dtype_conflict``.)

Three or more models: ``unchanged``; ``changed`` (auto: one new value, from one or several
models, the others unchanged); ``removed`` (auto: some removed it, the rest left it
unchanged); ``removed_both`` (all removed it); ``added`` (auto: no ancestor, one value);
``same_change`` (every model holds one new value); and the conflicts ``both_changed``
(several different changes), ``removed_and_changed``, ``both_added``, ``shape_conflict``,
``dtype_conflict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from .dtypes import family

#: one parameter as the planner sees it: (content id, dtype, shape).
Entry = tuple[str, str, tuple[int, ...]]


class ParamState(str, Enum):
    UNCHANGED = "unchanged"
    CHANGED_A = "changed_a"
    CHANGED_B = "changed_b"
    CHANGED = "changed"
    SAME_CHANGE = "same_change"
    BOTH_CHANGED = "both_changed"
    SHAPE_CONFLICT = "shape_conflict"
    DTYPE_CONFLICT = "dtype_conflict"
    ADDED_A = "added_a"
    ADDED_B = "added_b"
    ADDED = "added"
    BOTH_ADDED = "both_added"
    REMOVED_A = "removed_a"
    REMOVED_B = "removed_b"
    REMOVED = "removed"
    REMOVED_BOTH = "removed_both"
    REMOVED_A_CHANGED_B = "removed_a_changed_b"
    CHANGED_A_REMOVED_B = "changed_a_removed_b"
    REMOVED_AND_CHANGED = "removed_and_changed"

    @property
    def auto(self) -> bool:
        return self not in CONFLICTS


CONFLICTS = frozenset(
    {
        ParamState.BOTH_CHANGED,
        ParamState.SHAPE_CONFLICT,
        ParamState.DTYPE_CONFLICT,
        ParamState.BOTH_ADDED,
        ParamState.REMOVED_A_CHANGED_B,
        ParamState.CHANGED_A_REMOVED_B,
        ParamState.REMOVED_AND_CHANGED,
    }
)

#: which side an automatic two-model state takes: "a", "b" or None (dropped).
AUTO_SOURCE: dict[ParamState, str | None] = {
    ParamState.UNCHANGED: "a",
    ParamState.CHANGED_A: "a",
    ParamState.CHANGED_B: "b",
    ParamState.SAME_CHANGE: "a",
    ParamState.ADDED_A: "a",
    ParamState.ADDED_B: "b",
    ParamState.REMOVED_A: None,
    ParamState.REMOVED_B: None,
    ParamState.REMOVED_BOTH: None,
}


def mix_conflict(entries: Sequence[Entry]) -> ParamState | None:
    """``shape_conflict`` or ``dtype_conflict`` when these entries cannot be combined, else None."""
    if len({tuple(e[2]) for e in entries}) > 1:
        return ParamState.SHAPE_CONFLICT
    dtypes = {e[1] for e in entries}
    if len(dtypes) > 1 and {family(d) for d in dtypes} != {"float"}:
        return ParamState.DTYPE_CONFLICT
    return None


def classify(ancestor: Entry | None, a: Entry | None, b: Entry | None) -> ParamState:
    """The state of one parameter from its entries in the ancestor, A and B (None: absent)."""
    if a is None and b is None:
        if ancestor is None:
            raise ValueError("a parameter must be present somewhere")
        return ParamState.REMOVED_BOTH
    if ancestor is None:
        if a is None:
            return ParamState.ADDED_B
        if b is None:
            return ParamState.ADDED_A
        if a[0] == b[0]:
            return ParamState.SAME_CHANGE
        return mix_conflict([a, b]) or ParamState.BOTH_ADDED
    if a is None:
        return ParamState.REMOVED_A if b is not None and b[0] == ancestor[0] else ParamState.REMOVED_A_CHANGED_B
    if b is None:
        return ParamState.REMOVED_B if a[0] == ancestor[0] else ParamState.CHANGED_A_REMOVED_B
    changed_a, changed_b = a[0] != ancestor[0], b[0] != ancestor[0]
    if not changed_a and not changed_b:
        return ParamState.UNCHANGED
    if not changed_b:
        return ParamState.CHANGED_A
    if not changed_a:
        return ParamState.CHANGED_B
    if a[0] == b[0]:
        return ParamState.SAME_CHANGE
    return mix_conflict([a, b]) or ParamState.BOTH_CHANGED


def classify_models(ancestor: Entry | None, models: Sequence[Entry | None]) -> tuple[ParamState, int | None]:
    """The state of one parameter and, for an automatic state, the model it is taken from.

    The source is None when the parameter is dropped (or for a conflict).  Two models use
    the table of :func:`classify`; more use the generic states of the module docstring.
    """
    if len(models) == 2:
        state = classify(ancestor, models[0], models[1])
        side = AUTO_SOURCE.get(state)
        return state, (None if side is None else {"a": 0, "b": 1}[side])
    present = [i for i, m in enumerate(models) if m is not None]
    if not present:
        if ancestor is None:
            raise ValueError("a parameter must be present somewhere")
        return ParamState.REMOVED_BOTH, None
    if ancestor is None:
        ids = {models[i][0] for i in present}  # type: ignore[index]
        if len(ids) == 1:
            return (ParamState.SAME_CHANGE if len(present) == len(models) else ParamState.ADDED), present[0]
        return mix_conflict([models[i] for i in present]) or ParamState.BOTH_ADDED, None  # type: ignore[misc]
    changes = {(m[0] if m is not None else None) for m in models if m is None or m[0] != ancestor[0]}
    if not changes:
        return ParamState.UNCHANGED, 0
    if changes == {None}:
        return ParamState.REMOVED, None
    if None in changes:
        return ParamState.REMOVED_AND_CHANGED, None
    if len(changes) == 1:
        new = next(iter(changes))
        return ParamState.CHANGED, next(i for i, m in enumerate(models) if m is not None and m[0] == new)
    return mix_conflict([m for m in models if m is not None]) or ParamState.BOTH_CHANGED, None
