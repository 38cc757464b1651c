"""Every merge strategy: shared contract checks and expected tensors computed independently."""

from __future__ import annotations

import importlib
import inspect
import json
import math
import pkgutil

import numpy as np
import pytest
import torch

import mgit_lab.core.merge as merge_pkg
from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.io.tensors import array_to_tensor, tensor_to_array
from mgit_lab.core.merge import (
    MergeStrategy,
    available_strategies,
    describe_strategies,
    get_strategy,
    merge_states,
    register_strategy,
)
from mgit_lab.core.merge.registry import parse_arguments, parse_model_arguments

RNG = np.random.default_rng(7)
ANC = RNG.normal(size=(6, 5)).astype(np.float32)
A = (ANC + RNG.normal(scale=0.5, size=ANC.shape)).astype(np.float32)
B = (ANC + RNG.normal(scale=0.5, size=ANC.shape)).astype(np.float32)


def merged(strategy, args=None, o=ANC, a=A, b=B, dtype="float32"):
    out = merge_states({"w": (o, dtype)}, {"w": (a, dtype)}, {"w": (b, dtype)}, strategy, args)
    return out["w"]


# ------------------------------------------------------------------ shared checks
def test_every_strategy_class_is_registered():
    found = set()
    for info in pkgutil.iter_modules(merge_pkg.__path__):
        module = importlib.import_module(f"mgit_lab.core.merge.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            concrete = not inspect.isabstract(obj) and "name" in vars(obj)  # shared bases name no strategy
            if issubclass(obj, MergeStrategy) and concrete and obj.__module__ == module.__name__:
                found.add(obj.name)
    assert found == set(available_strategies())
    assert len(found) == 21


@pytest.mark.parametrize("name", available_strategies())
def test_strategy_contract(name):
    s = get_strategy(name)
    info = next(i for i in describe_strategies() if i["name"] == name)
    assert json.loads(json.dumps(info)) == info
    assert info["description"] and info["resolves"]
    for arg in info["arguments"]:
        assert arg["type"] in ("float", "int", "bool", "str")
        if arg["min"] is not None:
            assert arg["min"] <= arg["default"]
        if arg["max"] is not None:
            assert arg["default"] <= arg["max"]
    defaults = parse_arguments(s, {})
    per_model = parse_model_arguments(s, 2, {})
    assert set(defaults) | set(per_model[0]) == {a["name"] for a in info["arguments"]}
    assert info["modes"] and info["ties"] and info["min_models"] <= 2
    # deterministic, dtype and shape kept
    first, second = merged(name), merged(name)
    assert first[1] == "float32" and first[0].shape == ANC.shape and first[0].dtype == np.float32
    np.testing.assert_array_equal(first[0], second[0])


@pytest.mark.parametrize("name", available_strategies())
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_strategy_keeps_low_precision_dtypes(name, dtype):
    tdt = {
        "float16": torch.float16,
        "bfloat16": torch.bfloat16,
        "float64": torch.float64,
    }[dtype]
    arrays = [tensor_to_array(torch.from_numpy(x).to(tdt))[0] for x in (ANC, A, B)]
    out, out_dtype = merged(name, o=arrays[0], a=arrays[1], b=arrays[2], dtype=dtype)
    assert out_dtype == dtype and out.dtype == arrays[1].dtype
    as_f64 = [array_to_tensor(x, dtype).to(torch.float64) for x in arrays]
    expected = {
        "average": (as_f64[1] + as_f64[2]) / 2,
        "take-a": as_f64[1],
        "take-b": as_f64[2],
        "take-ancestor": as_f64[0],
    }.get(name)
    if expected is not None:
        torch.testing.assert_close(array_to_tensor(out, dtype), expected.to(tdt), rtol=0, atol=0)


# ------------------------------------------------------------------ expected values
def test_take_sides():
    np.testing.assert_array_equal(merged("take-a")[0], A)
    np.testing.assert_array_equal(merged("take-b")[0], B)
    np.testing.assert_array_equal(merged("take-ancestor")[0], ANC)


def test_average():
    expected = [[(float(A[i, j]) + float(B[i, j])) / 2 for j in range(5)] for i in range(6)]
    np.testing.assert_array_equal(merged("average")[0], np.array(expected, dtype=np.float32))


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 1.0])
def test_weighted_average_divides_once(alpha):
    """git-theta divided the weighted sum by the weight total twice; 0.3 would expose that."""
    out = merged("weighted-average", {"alpha": alpha})[0]
    expected = np.array([[alpha * float(A[i, j]) + (1 - alpha) * float(B[i, j]) for j in range(5)] for i in range(6)])
    np.testing.assert_allclose(out, expected.astype(np.float32), rtol=1e-6, atol=1e-7)
    if alpha == 0.3:
        double = (0.3 * A.astype(np.float64) + 0.7 * B) / (0.3 + 0.7) / 2
        assert not np.allclose(out, double)


@pytest.mark.parametrize(("sa", "sb"), [(1.0, 1.0), (0.5, 0.25), (1.0, -1.0)])
def test_task_arithmetic(sa, sb):
    out = merged("task-arithmetic", {"scale_a": sa, "scale_b": sb})[0]
    o, a, b = (x.astype(np.float64) for x in (ANC, A, B))
    expected = o + sa * (a - o) + sb * (b - o)
    np.testing.assert_allclose(out, expected.astype(np.float32), rtol=1e-6, atol=1e-6)
    if (sa, sb) == (1.0, 1.0):
        np.testing.assert_allclose(out, (a + b - o).astype(np.float32), rtol=1e-6, atol=1e-6)


def ties_reference(o, a, b, density, scale):
    """TIES written out entry by entry, independently of the implementation."""
    tasks = []
    for x in (a, b):
        t = [float(v) for v in (x.astype(np.float64) - o.astype(np.float64)).reshape(-1)]
        keep = max(1, math.ceil(density * len(t)))
        order = sorted(range(len(t)), key=lambda i: -abs(t[i]))[:keep]
        trimmed = [0.0] * len(t)
        for i in order:
            trimmed[i] = t[i]
        tasks.append(trimmed)
    out = []
    for i, base in enumerate(o.astype(np.float64).reshape(-1)):
        total = tasks[0][i] + tasks[1][i]
        sign = (total > 0) - (total < 0)
        agreeing = [t[i] for t in tasks if t[i] != 0 and ((t[i] > 0) - (t[i] < 0)) == sign]
        merged_value = sum(agreeing) / len(agreeing) if agreeing else 0.0
        out.append(base + scale * merged_value)
    return np.array(out).reshape(o.shape)


@pytest.mark.parametrize(("density", "scale"), [(0.2, 1.0), (0.5, 0.7), (1.0, 1.0), (0.0001, 2.0)])
def test_ties(density, scale):
    out = merged("ties", {"density": density, "scale": scale})[0]
    np.testing.assert_allclose(
        out,
        ties_reference(ANC, A, B, density, scale).astype(np.float32),
        rtol=1e-6,
        atol=1e-6,
    )


def test_ties_sign_election_on_a_small_case():
    o = np.zeros(4, dtype=np.float32)
    a = np.array([3, -1, 2, 0.5], dtype=np.float32)
    b = np.array([-1, -2, -3, 0.5], dtype=np.float32)
    out = merged("ties", {"density": 1.0}, o=o, a=a, b=b)[0]
    # signs: +2 -> +, -3 -> -, -1 -> -, +1 -> +; agreeing means: 3, -1.5, -3, 0.5
    np.testing.assert_array_equal(out, np.array([3, -1.5, -3, 0.5], dtype=np.float32))


def test_integer_parameters_round():
    def i64(*v):
        return np.array(v, dtype=np.int64), "int64"

    out = merge_states({"n": i64(0, 0)}, {"n": i64(3, 4)}, {"n": i64(4, 7)}, "average")["n"]
    np.testing.assert_array_equal(out[0], [4, 6])  # 3.5 -> 4 and 5.5 -> 6 (round half to even)
    assert out[0].dtype == np.int64


def test_bool_parameters_need_a_side():
    def b(*v):
        return np.array(v, dtype=np.bool_), "bool"

    with pytest.raises(InvalidInput, match="bool parameters cannot be combined"):
        merge_states({"m": b(0, 0)}, {"m": b(1, 0)}, {"m": b(0, 1)}, "average")


# ------------------------------------------------------------------ arguments, overrides, registry
@pytest.mark.parametrize(
    ("strategy", "args", "message"),
    [
        (
            "weighted-average",
            {"alpha": 1.5},
            r"alpha=1.5 of strategy 'weighted-average' is out of range \[0, 1\]",
        ),
        ("weighted-average", {"alpha": "heavy"}, "is not a valid float"),
        ("ties", {"density": 1.5}, "out of range"),
        ("ties", {"mode": "fast"}, "is not one of mergekit, paper"),
        ("average", {"alpha": 0.5}, "strategy 'average' has no argument 'alpha'"),
        ("task-arithmetic", {"scale": 1}, "its arguments: weight, normalize, lambda"),
        ("averge", {}, "unknown merge strategy 'averge'.*choose one of: average"),
    ],
)
def test_bad_strategy_input(strategy, args, message):
    with pytest.raises(InvalidInput, match=message):
        merged(strategy, args)


def test_string_arguments_from_the_cli_are_converted():
    out = merged("weighted-average", {"alpha": "0.25"})[0]
    np.testing.assert_allclose(out, (0.25 * A.astype(np.float64) + 0.75 * B).astype(np.float32), rtol=1e-6)


def test_overrides_apply_by_glob_first_match_wins():
    o = dict.fromkeys(("enc.0.w", "enc.1.w", "head.w"), (ANC, "float32"))
    a = dict.fromkeys(o, (A, "float32"))
    b = {
        "enc.0.w": (B, "float32"),
        "enc.1.w": (B, "float32"),
        "head.w": (ANC, "float32"),
    }  # head: changed in A only
    out = merge_states(
        o,
        a,
        b,
        "average",
        overrides={"enc.1.*": "B", "enc.*": "ancestor", "head.*": "b"},
    )
    np.testing.assert_array_equal(out["enc.1.w"][0], B)
    np.testing.assert_array_equal(out["enc.0.w"][0], ANC)
    np.testing.assert_array_equal(out["head.w"][0], ANC)  # an override beats the automatic take-A
    with pytest.raises(InvalidInput, match="override pattern 'dec.*' matches no parameter"):
        merge_states(o, a, b, "average", overrides={"dec.*": "A"})


def test_override_with_a_strategy_uses_the_shared_arguments():
    o, a, b = (
        {"x": (ANC, "float32"), "y": (ANC, "float32")},
        {"x": (A, "float32"), "y": (A, "float32")},
        {"x": (B, "float32"), "y": (B, "float32")},
    )
    out = merge_states(
        o,
        a,
        b,
        "task-arithmetic",
        {"scale_a": 0.5, "scale_b": 0.5},
        overrides={"y": "average"},
    )
    np.testing.assert_allclose(out["y"][0], ((A.astype(np.float64) + B) / 2).astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(
        out["x"][0],
        (ANC + 0.5 * (A - ANC) + 0.5 * (B - ANC)).astype(np.float32),
        rtol=1e-5,
        atol=1e-6,
    )


def test_runtime_registration_shows_in_every_listing():
    class Maximum(merge_pkg.ArithmeticStrategy):
        name = "test-maximum"
        description = "element-wise maximum"

        def combine(self, a, b, ancestor, args):
            return np.maximum(a, b)

    register_strategy(Maximum)
    try:
        assert "test-maximum" in available_strategies()
        assert any(i["name"] == "test-maximum" for i in describe_strategies())
        np.testing.assert_array_equal(merged("test-maximum")[0], np.maximum(A, B))
    finally:
        from mgit_lab.core.merge import registry

        registry.REGISTRY.unregister("test-maximum")
        assert "test-maximum" not in available_strategies()
