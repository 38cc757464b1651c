"""Registering and running model tests; results stored with versions."""

from __future__ import annotations

import json
import math

import pytest

from mgit_lab.api import Repository
from mgit_lab.core import schema
from mgit_lab.core.errors import Conflict, InvalidInput, NotFound
from mgit_lab.core.evaluation import (
    list_tests,
    parse_metrics,
    register_test,
    run_tests,
    summarize_results,
    unregister_test,
    version_digest,
)
from mgit_lab.core.evaluation.specs import check_condition, parse_condition
from tests.support.repos import add_model, assert_shape, snapshot, tiny


@pytest.fixture
def repo(tmp_path):
    r = Repository.init(tmp_path / "r")
    add_model(r, tiny(0), "v1")
    add_model(r, tiny(1), "v2")
    add_model(r, tiny(2), "other", model_type="mlp")
    return r


# ------------------------------------------------------------------ metric specs
def test_metric_directions_must_be_declared():
    with pytest.raises(InvalidInput, match="must declare its direction"):
        parse_metrics({"accuracy": "up"})
    with pytest.raises(InvalidInput, match="declare the metrics"):
        parse_metrics({})
    specs = parse_metrics(
        {
            "acc": ("higher", ">= 0.9"),
            "loss": {"direction": "lower", "condition": 0.5, "tolerance": 0.01},
        }
    )
    assert specs["acc"] == {
        "direction": "higher",
        "condition": ">= 0.9",
        "tolerance": None,
    }
    assert specs["loss"] == {
        "direction": "lower",
        "condition": "<= 0.5",
        "tolerance": 0.01,
    }


def test_cli_metric_strings():
    specs = parse_metrics(["accuracy:higher:>=0.9", "loss:lower:0.5", "f1:higher"])
    assert specs["accuracy"]["condition"] == ">= 0.9"
    assert specs["loss"]["condition"] == "<= 0.5"  # a bare number means "at most" for a loss
    assert specs["f1"]["condition"] is None
    with pytest.raises(InvalidInput, match="NAME:higher"):
        parse_metrics(["accuracy"])


def test_condition_against_direction_is_refused():
    with pytest.raises(InvalidInput, match="declared 'lower'"):
        parse_condition(">= 0.5", "lower")
    with pytest.raises(InvalidInput, match="declared 'higher'"):
        parse_condition("< 3", "higher")
    with pytest.raises(InvalidInput, match="invalid success condition"):
        parse_condition("about 3", "higher")
    assert parse_condition("== 1", "lower") == "== 1.0"


@pytest.mark.parametrize(
    ("value", "condition", "expected"),
    [
        (0.9, ">= 0.9", True),
        (0.89, ">= 0.9", False),
        (0.9, "> 0.9", False),
        (0.4, "<= 0.5", True),
        (0.5, "< 0.5", False),
        (math.nan, "<= 0.5", False),
        (None, ">= 0.0", False),
        (1.0, None, None),
    ],
)
def test_check_condition(value, condition, expected):
    assert check_condition(value, condition) is expected


# ------------------------------------------------------------------ registry
def test_register_list_unregister_survive_reopen(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": "higher", "loss": "lower"},
    )
    register_test(repo, "tests.support.models:bias_value", version="other", metrics={"bias": "higher"})
    register_test(repo, "tests.support.models:nan_loss", graph=True, metrics={"loss": ("lower", 1.0)})
    reopened = Repository.open(repo.root)
    names = [s["name"] for s in list_tests(reopened)]
    assert names == ["weight_sum", "bias_value", "nan_loss"]
    assert [s["name"] for s in list_tests(reopened, "v1")] == ["weight_sum", "nan_loss"]
    assert [s["name"] for s in list_tests(reopened, "other")] == [
        "bias_value",
        "nan_loss",
    ]
    spec = list_tests(reopened)[1]
    assert_shape(spec, schema.ModelTestSpec)
    assert spec["version"] == reopened.version("other").id  # stored by id: survives a rename
    doc = json.loads((repo.mgit_dir / "tests.json").read_text())
    assert doc["tests"][0]["ref"] == "tests.support.models:weight_sum"
    unregister_test(reopened, "bias_value")
    assert [s["name"] for s in list_tests(reopened)] == ["weight_sum", "nan_loss"]
    with pytest.raises(NotFound, match="no test named 'bias_value'"):
        unregister_test(reopened, "bias_value")


def test_register_a_function_object(repo):
    from tests.support.models import weight_sum

    spec = register_test(
        repo,
        weight_sum,
        model_type="tiny",
        name="ws",
        metrics={"score": "higher", "loss": "lower"},
    )
    assert spec["ref"] == "tests.support.models:weight_sum" and spec["name"] == "ws"
    assert spec["description"].startswith("sum of fc1.weight")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model_type": "tiny", "graph": True}, "exactly one of"),
        ({}, "exactly one of"),
        (
            {"model_type": "tiny", "ref": "tests.support.models:no_such_function"},
            "has no attribute 'no_such_function'",
        ),
        (
            {"model_type": "tiny", "ref": "no_such_package.evals:accuracy"},
            "cannot import the test function",
        ),
        ({"model_type": "tiny", "ref": "evals.py"}, "not an importable reference"),
        (
            {"model_type": "tiny", "ref": lambda m: {}},
            "cannot be imported again by name",
        ),
        (
            {"model_type": "tiny", "dataset": "tests.support.models:nope"},
            "has no attribute 'nope'",
        ),
        (
            {"model_type": "tiny", "metrics": {"score": "sideways"}},
            "must declare its direction",
        ),
    ],
)
def test_bad_registrations_change_nothing(repo, kwargs, message):
    before = snapshot(repo)
    ref = kwargs.pop("ref", "tests.support.models:weight_sum")
    kwargs.setdefault("metrics", {"score": "higher", "loss": "lower"})
    with pytest.raises(InvalidInput, match=message):
        register_test(repo, ref, **kwargs)
    assert snapshot(repo) == before


def test_duplicate_name_needs_replace(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": "higher", "loss": "lower"},
    )
    with pytest.raises(Conflict, match="already registered"):
        register_test(
            repo,
            "tests.support.models:weight_sum",
            graph=True,
            metrics={"score": "higher", "loss": "lower"},
        )
    register_test(
        repo,
        "tests.support.models:weight_sum",
        graph=True,
        metrics={"score": "higher", "loss": "lower"},
        replace=True,
    )
    assert list_tests(repo)[0]["scope"] == "graph"


# ------------------------------------------------------------------ running
def test_run_stores_results_with_the_version(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": ("higher", ">= -100"), "loss": ("lower", "<= -1000")},
    )
    results = run_tests(repo, "v1")
    assert len(results) == 1
    r = results[0]
    assert_shape(r, schema.ModelTestResult)
    expected = float(tiny(0).fc1.weight.detach().sum())
    assert r["metrics"]["score"] == pytest.approx(expected, abs=1e-6)
    assert r["metrics"]["loss"] == pytest.approx(-expected, abs=1e-6)
    assert r["checks"]["score"]["passed"] is True and r["checks"]["loss"]["passed"] is False
    assert r["status"] == "failed"
    v = Repository.open(repo.root).version("v1")
    assert v.tests["weight_sum"] == r
    assert r["weights"] == version_digest(v)
    assert r["duration_s"] >= 0 and r["ran_at"].endswith("+00:00")
    assert summarize_results(v.tests) == "tests: 0/1 passed (failed: weight_sum)"
    assert run_tests(repo, "other") == []  # no test covers type mlp


def test_dataset_and_preprocess(repo):
    register_test(
        repo,
        "tests.support.models:with_data",
        graph=True,
        dataset="tests.support.models:make_data",
        preprocess="tests.support.models:double_scale",
        metrics={"n": "higher", "scaled": "higher"},
    )
    (r,) = run_tests(repo, "v2")
    assert r["metrics"] == {"n": 3.0, "scaled": 2.0}
    assert r["status"] == "recorded"  # no condition: measured only


def test_nan_metric_fails_its_condition(repo):
    register_test(repo, "tests.support.models:nan_loss", graph=True, metrics={"loss": ("lower", 1.0)})
    (r,) = run_tests(repo, "v1")
    assert r["metrics"]["loss"] is None and r["status"] == "failed"
    json.dumps(r, allow_nan=False)  # stored results stay valid JSON


@pytest.mark.parametrize(
    ("ref", "metrics", "message"),
    [
        (
            "tests.support.models:raising_test",
            {"x": "higher"},
            r"raised ValueError: the evaluation data is missing on version 'v1'",
        ),
        ("tests.support.models:returns_list", {"x": "higher"}, "returned list, not a dict"),
        (
            "tests.support.models:weight_sum",
            {"score": "higher"},
            r"undeclared metrics \['loss'\]",
        ),
        (
            "tests.support.models:bias_value",
            {"bias": "higher", "acc": "higher"},
            r"did not return the declared metrics \['acc'\]",
        ),
    ],
)
def test_bad_tests_give_one_message_and_record_nothing(repo, ref, metrics, message):
    register_test(repo, ref, model_type="tiny", metrics=metrics, name="t")
    before = snapshot(repo)
    with pytest.raises(InvalidInput, match=message):
        run_tests(repo, "v1")
    assert snapshot(repo) == before


def test_only_named_tests_run(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": "higher", "loss": "lower"},
    )
    register_test(repo, "tests.support.models:bias_value", graph=True, metrics={"bias": "higher"})
    assert [r["test"] for r in run_tests(repo, "v1", names=["bias_value"])] == ["bias_value"]
    with pytest.raises(InvalidInput, match="does not apply to version 'other'"):
        run_tests(repo, "other", names=["weight_sum"])
    with pytest.raises(NotFound, match="no test named 'nope'"):
        run_tests(repo, "v1", names=["nope"])
