"""The three-way state table, checked row by row, and its merge results."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.merge import ParamState, build_plan, classify, merge_states
from mgit_lab.core.merge.planner import CONFLICTS

S = ParamState


def e(oid: str, shape=(2,), dtype="float32"):
    return (oid, dtype, tuple(shape))


@pytest.mark.parametrize(
    ("o", "a", "b", "state"),
    [
        (e("o"), e("o"), e("o"), S.UNCHANGED),
        (e("o"), e("a"), e("o"), S.CHANGED_A),
        (e("o"), e("o"), e("b"), S.CHANGED_B),
        (e("o"), e("x"), e("x"), S.SAME_CHANGE),
        (e("o"), e("a"), e("b"), S.BOTH_CHANGED),
        (e("o"), e("a", (3,)), e("b"), S.SHAPE_CONFLICT),
        # floating dtypes mix (cast by the rule of merge/dtypes.py); floating and integer do not
        (e("o"), e("a"), e("b", dtype="float16"), S.BOTH_CHANGED),
        (e("o"), e("a"), e("b", dtype="int64"), S.DTYPE_CONFLICT),
        (None, e("a"), e("b", dtype="bool"), S.DTYPE_CONFLICT),
        (
            e("o"),
            e("a", (3,)),
            e("o"),
            S.CHANGED_A,
        ),  # a one-sided reshape merges automatically
        (e("o"), None, e("o"), S.REMOVED_A),
        (e("o"), None, e("b"), S.REMOVED_A_CHANGED_B),
        (e("o"), e("o"), None, S.REMOVED_B),
        (e("o"), e("a"), None, S.CHANGED_A_REMOVED_B),
        (e("o"), None, None, S.REMOVED_BOTH),
        (None, e("a"), None, S.ADDED_A),
        (None, None, e("b"), S.ADDED_B),
        (None, e("x"), e("x"), S.SAME_CHANGE),
        (None, e("a"), e("b"), S.BOTH_ADDED),
        (None, e("a", (3,)), e("b"), S.SHAPE_CONFLICT),
    ],
)
def test_state_table(o, a, b, state):
    assert classify(o, a, b) is state
    # swapping A and B mirrors the state
    mirror = {
        S.CHANGED_A: S.CHANGED_B,
        S.CHANGED_B: S.CHANGED_A,
        S.REMOVED_A: S.REMOVED_B,
        S.REMOVED_B: S.REMOVED_A,
        S.ADDED_A: S.ADDED_B,
        S.ADDED_B: S.ADDED_A,
        S.REMOVED_A_CHANGED_B: S.CHANGED_A_REMOVED_B,
        S.CHANGED_A_REMOVED_B: S.REMOVED_A_CHANGED_B,
    }
    assert classify(o, b, a) is mirror.get(state, state)


def test_conflict_set():
    assert {s.value for s in CONFLICTS} == {
        "both_changed",
        "shape_conflict",
        "dtype_conflict",
        "both_added",
        "removed_a_changed_b",
        "changed_a_removed_b",
        "removed_and_changed",
    }
    assert all(s.auto == (s not in CONFLICTS) for s in ParamState)


def f32(*values):
    return (np.array(values, dtype=np.float32), "float32")


def test_merge_applies_the_table():
    """Every automatic state takes the right side; deletions are deletions (git-theta's slip)."""
    o = {
        "same": f32(1, 1),
        "only_a": f32(1, 1),
        "only_b": f32(1, 1),
        "both_same": f32(1, 1),
        "conflict": f32(1, 1),
        "del_a": f32(5, 5),
        "del_b": f32(6, 6),
        "del_both": f32(7, 7),
    }
    a = {
        "same": f32(1, 1),
        "only_a": f32(2, 2),
        "only_b": f32(1, 1),
        "both_same": f32(9, 9),
        "conflict": f32(2, 4),
        "del_b": f32(6, 6),
        "new_a": f32(3, 3),
        "new_both": f32(8, 8),
    }
    b = {
        "same": f32(1, 1),
        "only_a": f32(1, 1),
        "only_b": f32(4, 4),
        "both_same": f32(9, 9),
        "conflict": f32(6, 0),
        "del_a": f32(5, 5),
        "new_b": f32(4, 4),
        "new_both": f32(8, 8),
    }
    plan = build_plan(
        {k: (k + str(v[0].tolist()), "float32", (2,)) for k, v in o.items()},
        {k: (k + str(v[0].tolist()), "float32", (2,)) for k, v in a.items()},
        {k: (k + str(v[0].tolist()), "float32", (2,)) for k, v in b.items()},
    )
    states = {x.name: x.state.value for x in plan.entries}
    assert states == {
        "same": "unchanged",
        "only_a": "changed_a",
        "only_b": "changed_b",
        "both_same": "same_change",
        "conflict": "both_changed",
        "del_a": "removed_a",
        "del_b": "removed_b",
        "del_both": "removed_both",
        "new_a": "added_a",
        "new_b": "added_b",
        "new_both": "same_change",
    }
    merged = merge_states(o, a, b, "average")
    assert sorted(merged) == sorted(
        [
            "same",
            "only_a",
            "only_b",
            "both_same",
            "conflict",
            "new_a",
            "new_b",
            "new_both",
        ]
    )
    expect = {
        "same": [1, 1],
        "only_a": [2, 2],
        "only_b": [4, 4],
        "both_same": [9, 9],
        "conflict": [4, 2],
        "new_a": [3, 3],
        "new_b": [4, 4],
        "new_both": [8, 8],
    }
    for k, values in expect.items():
        np.testing.assert_array_equal(merged[k][0], np.array(values, dtype=np.float32), err_msg=k)
        assert merged[k][1] == "float32"


def test_deletion_against_a_change_is_a_conflict_not_a_silent_drop():
    o = {"w": f32(1, 1)}
    a: dict = {}
    b = {"w": f32(2, 2)}
    with pytest.raises(InvalidInput, match=r"w \[removed_a_changed_b\]: average: A lacks the parameter"):
        merge_states(o, a, b, "average")
    assert merge_states(o, a, b, "take-a") == {}
    np.testing.assert_array_equal(merge_states(o, a, b, "take-b")["w"][0], [2, 2])
    np.testing.assert_array_equal(merge_states(o, a, b, "take-ancestor")["w"][0], [1, 1])
    np.testing.assert_array_equal(merge_states(o, a, b, "average", overrides={"w": "B"})["w"][0], [2, 2])


def test_without_ancestor_identical_structures_average():
    a = {"w": f32(1, 3), "n": (np.array([4], dtype=np.int64), "int64")}
    b = {"w": f32(3, 5), "n": (np.array([4], dtype=np.int64), "int64")}
    merged = merge_states(None, a, b, "average")
    np.testing.assert_array_equal(merged["w"][0], np.array([2, 4], dtype=np.float32))
    np.testing.assert_array_equal(merged["n"][0], [4])
    with pytest.raises(InvalidInput, match="ties needs a common ancestor"):
        merge_states(None, a, b, "ties")


def test_without_ancestor_unrelated_architectures_are_refused():
    a = {"w": f32(1, 3), "extra": f32(0, 0)}
    b = {"w": (np.zeros(3, dtype=np.float32), "float32")}
    with pytest.raises(
        InvalidInput,
        match=r"share no ancestor and have different architectures: 1 parameters only in A "
        r"\(e.g. extra\); 1 parameters of other dtype or shape \(e.g. w\)",
    ):
        merge_states(None, a, b, "average")


def test_shape_conflict_needs_a_side():
    o = {"w": f32(1, 1)}
    a = {"w": (np.zeros(3, dtype=np.float32), "float32")}
    b = {"w": f32(2, 2)}
    with pytest.raises(
        InvalidInput,
        match=r"1 parameters cannot be merged this way: w \[shape_conflict\]: average: "
        r"A is float32\[3\] but B is float32\[2\].*--take A:'w'",
    ):
        merge_states(o, a, b, "average")
    assert merge_states(o, a, b, "take-a")["w"][0].shape == (3,)
