"""Merge arithmetic that mergekit does not decide: paper mode, seeds, N-way, the dtype rule, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.io.tensors import array_to_tensor, tensor_to_array
from mgit_lab.core.merge import MergeSpec, Rule, describe_strategies, merge_state_list, merge_states
from mgit_lab.core.merge.dtypes import output_dtype


def f32(*values):
    return np.array(values, dtype=np.float32), "float32"


def one(strategy, o, inputs, **spec):
    out = merge_state_list(
        {"w": o} if o is not None else None, [{"w": m} for m in inputs], MergeSpec(strategy=strategy, **spec)
    )
    return out["w"]


# ------------------------------------------------------------------ ties: the two modes
def test_ties_modes_differ_on_ties_cancellations_and_rounding():
    o = f32(0, 0, 0, 0, 0, 0, 0)
    a = f32(1, -1, 1, 0.5, 0.5, 0.25, 3)  # magnitudes tied at 1 (three of them) and 0.5
    b = f32(-1, 1, 0.5, 0.5, -0.5, 0.25, -3)  # entries 0, 1 and 6 cancel exactly
    args = {"density": 0.3}  # 0.3 * 7 = 2.1: mergekit keeps int -> 2, paper ceil -> 3 (+ ties)
    mk = one("ties", o, [a, b], args=args)[0]
    paper = one("ties", o, [a, b], args={**args, "mode": "paper"})[0]
    # paper: a keeps |3| and every |1| (tied at the threshold): 3, -1, 1, 1; b keeps 3, 1, 1 likewise
    # entry 6: 3 + -3 = 0 -> no sign elected -> the ancestor's 0; entries 0, 1 cancel likewise
    np.testing.assert_array_equal(paper, np.array([0, 0, 1, 0, 0, 0, 0], dtype=np.float32))
    # mergekit: exactly 2 entries per model; a cancellation elects + and keeps the positive entry
    assert np.count_nonzero(mk) >= 1 and mk[6] == 3.0
    assert not np.array_equal(mk, paper)


def test_ties_weighted_election_only_in_mergekit_mode():
    o = f32(0)
    a, b = f32(1), f32(-2)
    weights = {"A": {"weight": 3.0}, "B": {"weight": 1.0}}
    args = {"density": 1.0, "normalize": True}
    mk = one("ties", o, [a, b], args=args, models=weights)[0]
    paper = one("ties", o, [a, b], args={**args, "mode": "paper"}, models=weights)[0]
    assert mk[0] == pytest.approx(1.0)  # 3*1 vs 1*-2: + wins, mean of weighted agreeing = 3/3
    assert paper[0] == pytest.approx(-2.0)  # unweighted 1 + -2 < 0: - wins


# ------------------------------------------------------------------ randomised strategies
@pytest.mark.parametrize("strategy", ["dare-linear", "dare-ties", "della", "della-linear"])
def test_seeded_strategies_repeat_and_depend_on_the_seed(strategy):
    rng = np.random.default_rng(0)
    o = (rng.normal(size=(40, 30)).astype(np.float32), "float32")
    models = [((o[0] + rng.normal(scale=0.1, size=o[0].shape)).astype(np.float32), "float32") for _ in range(3)]
    first = one(strategy, o, models, seed=11)[0]
    again = one(strategy, o, models, seed=11)[0]
    other = one(strategy, o, models, seed=12)[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_dare_paper_mode_rescales_by_one_over_density():
    o = (np.zeros(2000, dtype=np.float32), "float32")
    a = (np.full(2000, 0.5, dtype=np.float32), "float32")
    b = (np.full(2000, 0.25, dtype=np.float32), "float32")
    out = one("dare-linear", o, [a, b], args={"density": 0.25, "mode": "paper"})[0]
    # each entry survives with probability 0.25 and is divided by 0.25: A's 0.5 -> 2, B's 0.25 -> 1
    assert set(np.unique(out).tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert abs((out != 0).mean() - (1 - 0.75**2)) < 0.05


def test_della_epsilon_out_of_range_is_named():
    o = (np.zeros(10, dtype=np.float32), "float32")
    a = (np.ones(10, dtype=np.float32), "float32")
    b = (np.full(10, 2.0, dtype=np.float32), "float32")
    with pytest.raises(InvalidInput, match=r"epsilon=0.4 .* density=0.6.*strictly between 0 and 1"):
        one("della", o, [a, b], args={"density": 0.6, "epsilon": 0.4})


# ------------------------------------------------------------------ N-way and per-tensor rules
def test_three_way_task_arithmetic_with_weights_and_rules():
    o = {"enc.w": f32(0, 0), "head.w": f32(1, 1)}
    models = [
        {"enc.w": f32(1, 0), "head.w": f32(2, 1)},
        {"enc.w": f32(0, 2), "head.w": f32(1, 3)},
        {"enc.w": f32(4, 4), "head.w": f32(5, 5)},
    ]
    spec = MergeSpec(
        strategy="task-arithmetic",
        models={"A": {"weight": 1.0}, "B": {"weight": 0.5}, "C": {"weight": 0.25}},
        rules=[Rule("head", args={"lambda": 2.0}), Rule("enc.*", models={"C": {"weight": 0.0}})],
    )
    out = merge_state_list(o, models, spec)
    np.testing.assert_allclose(out["enc.w"][0], [1, 1])  # C's weight is 0 for enc.*
    np.testing.assert_allclose(out["head.w"][0], [1 + 2 * (1 + 0 + 1), 1 + 2 * (0 + 1 + 1)])


def test_three_way_automatic_states():
    o = {"same": f32(1), "one": f32(1), "gone": f32(1), "clash": f32(1)}
    models = [
        {"same": f32(1), "one": f32(1), "gone": f32(1), "clash": f32(2)},
        {"same": f32(1), "one": f32(7), "clash": f32(3)},
        {"same": f32(1), "one": f32(7), "gone": f32(1), "clash": f32(4)},
    ]
    out = merge_state_list(o, models, MergeSpec("average"))
    assert out["same"][0][0] == 1 and out["one"][0][0] == 7 and "gone" not in out
    assert out["clash"][0][0] == 3


def test_a_rule_can_take_a_version_by_letter():
    o = {"x": f32(0), "y": f32(0)}
    models = [{"x": f32(1), "y": f32(1)}, {"x": f32(2), "y": f32(2)}, {"x": f32(3), "y": f32(3)}]
    out = merge_state_list(o, models, MergeSpec("average", rules=[Rule("y", "C")]))
    assert out["x"][0][0] == 2 and out["y"][0][0] == 3


def test_slerp_refuses_three_versions():
    o = {"x": f32(0)}
    models = [{"x": f32(1)}, {"x": f32(2)}, {"x": f32(3)}]
    with pytest.raises(InvalidInput, match="strategy 'slerp' merges at most 2 versions, not 3"):
        merge_state_list(o, models, MergeSpec("slerp"))


# ------------------------------------------------------------------ dtypes
def test_output_dtype_rule():
    assert output_dtype(["float16", "float32"]) == "float32"
    assert output_dtype(["bfloat16", "float16"]) == "float32"
    assert output_dtype(["bfloat16", "bfloat16"]) == "bfloat16"
    assert output_dtype(["float64", "bfloat16", "float32"]) == "float64"


def _as(values, dtype):
    t = torch.tensor(
        values, dtype={"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[dtype]
    )
    return tensor_to_array(t)


def test_fp16_child_of_an_fp32_base_merges_with_an_fp32_child():
    o = {"w": _as([1.0, 2.0], "float32")}
    a = {"w": _as([1.5, 2.5], "float16")}
    b = {"w": _as([3.0, 4.0], "float32")}
    out = merge_states(o, a, b, "average")
    assert out["w"][1] == "float32"
    np.testing.assert_array_equal(out["w"][0], np.array([2.25, 3.25], dtype=np.float32))


def test_float64_computation_is_used_when_asked():
    vals = np.array([1.0, 1e-8], dtype=np.float32)
    o = {"w": (np.zeros(2, dtype=np.float32), "float32")}
    a = {"w": (vals, "float32")}
    b = {"w": (np.array([1e8, 3.0], dtype=np.float32), "float32")}
    lo = merge_states(o, a, b, "task-arithmetic", dtype="float32")["w"][0]
    hi = merge_states(o, a, b, "task-arithmetic", dtype="float64")["w"][0]
    expected = (vals.astype(np.float64) + np.array([1e8, 3.0], dtype=np.float32)).astype(np.float32)
    np.testing.assert_array_equal(hi, expected)
    assert lo.dtype == hi.dtype == np.float32


def test_bfloat16_results_are_rounded_once():
    o = {"w": _as([0.0] * 3, "bfloat16")}
    a = {"w": _as([1.0, 1.0078125, -3.0], "bfloat16")}
    b = {"w": _as([1.0078125, 1.0078125, 5.0], "bfloat16")}
    out = merge_states(o, a, b, "average")["w"]
    got = array_to_tensor(out[0], "bfloat16").float()
    expected = (array_to_tensor(a["w"][0], "bfloat16").float() + array_to_tensor(b["w"][0], "bfloat16").float()) / 2
    assert torch.equal(got, expected.to(torch.bfloat16).float())


def test_dtype_conflict_is_named_as_such():
    o = {"n": (np.array([1], dtype=np.int64), "int64")}
    a = {"n": (np.array([2], dtype=np.int64), "int64")}
    b = {"n": (np.array([3.0], dtype=np.float32), "float32")}
    with pytest.raises(InvalidInput, match=r"n \[dtype_conflict\]: average: dtype conflict: int64, float32"):
        merge_states(o, a, b, "average")
    assert merge_states(o, a, b, "take-b")["n"][1] == "float32"


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("strategy", "args", "message"),
    [
        ("frankenmerge", {}, "unknown merge strategy 'frankenmerge'.*choose one of"),
        ("ties", {"density": 2}, r"density=2 of strategy 'ties' is out of range \[0, 1\]"),
        ("dare_ties", {"lambda": 11}, r"lambda=11 of strategy 'dare-ties' is out of range"),
        ("slerp", {"t": "left"}, "is not a valid float"),
        ("della", {"mode": "magic"}, "is not one of mergekit, paper"),
    ],
)
def test_bad_arguments(strategy, args, message):
    o, a, b = {"w": f32(0, 0)}, {"w": f32(1, 2)}, {"w": f32(3, 1)}
    with pytest.raises(InvalidInput, match=message):
        merge_states(o, a, b, strategy, args)


def test_incompatible_shapes_are_refused_with_a_fix():
    o, a, b = {"w": f32(0, 0)}, {"w": f32(1, 2, 3)}, {"w": f32(3, 1)}
    with pytest.raises(InvalidInput, match=r"w \[shape_conflict\]: ties: A is float32\[3\] but B is float32\[2\]") as e:
        merge_states(o, a, b, "ties")
    assert "--take A:'w'" in e.value.hint


def test_per_model_value_for_a_version_not_merged():
    with pytest.raises(InvalidInput, match="'Z' is not one of the merged versions"):
        merge_states({"w": f32(0)}, {"w": f32(1)}, {"w": f32(2)}, "ties", models={"Z": {"weight": 1}})


def test_every_strategy_states_its_mode_and_tie_handling():
    for info in describe_strategies():
        assert info["modes"][0] in ("mergekit", "paper")
        assert len(info["ties"]) > 20
        names = {a["name"] for a in info["arguments"]}
        assert ("mode" in names) == (len(info["modes"]) > 1)
