"""The test, tests, bisect, merge and cascade verbs through the CLI entry point."""

from __future__ import annotations

import json

import pytest

from mgit_lab.api import Repository
from mgit_lab.cli import main
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.merge import describe_strategies
from tests.support.repos import add_model, snapshot, tiny


@pytest.fixture
def repo(tmp_path):
    r = Repository.init(tmp_path / "r")
    add_model(r, tiny(0), "base")
    derive(r, "base", "tests.support.models:shift", name="a", kwargs={"amount": 1.0})
    derive(r, "base", "tests.support.models:shift", name="b", kwargs={"amount": -1.0})
    derive(
        r,
        "base",
        "tests.support.models:shift",
        name="base2",
        kwargs={"amount": 0.5},
        relation="version",
    )
    return r


def mgit(repo, capsys, *argv):
    code = main(["-C", str(repo.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_tests_add_list_run_remove(repo, capsys):
    code, out, _ = mgit(
        repo,
        capsys,
        "tests",
        "add",
        "tests.support.models:weight_sum",
        "--type",
        "tiny",
        "--metric",
        "score:higher:>=-1000",
        "--metric",
        "loss:lower",
    )
    assert code == 0 and "registered test 'weight_sum'" in out
    code, out, _ = mgit(repo, capsys, "tests", "list")
    assert "weight_sum" in out and "score (higher >= -1000.0)" in out and "type tiny" in out
    code, out, _ = mgit(repo, capsys, "test", "a")
    assert code == 0 and "passed" in out and "score=" in out
    code, out, _ = mgit(repo, capsys, "test", "--all", "--json")
    results = json.loads(out)
    assert {r["version_name"] for r in results} == {"base", "a", "b", "base2"}
    assert Repository.open(repo.root).version("b").tests["weight_sum"]["status"] == "passed"
    code, out, _ = mgit(repo, capsys, "tests", "remove", "weight_sum")
    assert code == 0 and "removed" in out


def test_failing_test_exits_1(repo, capsys):
    mgit(
        repo,
        capsys,
        "tests",
        "add",
        "tests.support.models:weight_sum",
        "--graph",
        "--metric",
        "score:higher:1e9",
        "--metric",
        "loss:lower",
    )
    code, out, _ = mgit(repo, capsys, "test", "base")
    assert code == 1 and "FAIL" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "tests",
                "add",
                "no_such_mod:fn",
                "--type",
                "tiny",
                "--metric",
                "x:higher",
            ],
            "cannot import the test function",
        ),
        (
            [
                "tests",
                "add",
                "tests.support.models:weight_sum",
                "--type",
                "tiny",
                "--metric",
                "score:up",
            ],
            "must declare its direction",
        ),
        (["test"], "name a version to test"),
        (
            ["merge", "a", "b", "--strategy", "weighted-average", "--arg", "alpha=7"],
            "out of range [0, 1]",
        ),
        (["merge", "a", "b", "--arg", "alpha"], "write --arg NAME=VALUE"),
        (["merge", "a", "b", "--take", "C:fc1.*"], "invalid override 'C:fc1.*'"),
        (["merge", "a"], "name the two versions to merge"),
        (["cascade", "base", "base"], "the same version"),
        (["bisect", "b", "a", "--test", "t"], "no test named 't'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(repo, capsys, argv, message):
    before = snapshot(repo)
    code, _out, err = mgit(repo, capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("mgit: error: ") and message in err
    assert "Traceback" not in err
    assert snapshot(repo) == before


def test_unknown_strategy_is_a_usage_error(repo, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-C", str(repo.root), "merge", "a", "b", "--strategy", "median"])
    assert exc.value.code == 2
    assert "invalid choice: 'median'" in capsys.readouterr().err


def test_merge_dry_run_then_merge(repo, capsys):
    before = snapshot(repo)
    code, out, _ = mgit(repo, capsys, "merge", "a", "b", "--dry-run")
    assert code == 0 and snapshot(repo) == before
    assert "common ancestor: base" in out and "both_changed" in out and "dry run: nothing was recorded" in out
    for s in describe_strategies():
        assert s["name"] in out
    code, out, _ = mgit(
        repo,
        capsys,
        "merge",
        "a",
        "b",
        "--strategy",
        "task-arithmetic",
        "--arg",
        "scale_a=0.5",
        "--take",
        "B:fc2.*",
        "--name",
        "m",
        "--json",
    )
    doc = json.loads(out)
    # scale_a/scale_b (two-model task arithmetic) are read as the weights of A and B
    assert doc["version"] == "m" and doc["args"] == {"normalize": False, "lambda": 1.0}
    assert [m["weight"] for m in doc["model_args"]] == [0.5, 1.0]
    assert doc["overrides"] == {"fc2.*": "take-b"}
    assert Repository.open(repo.root).version("m").metadata["merge"]["strategy"] == "task-arithmetic"


def test_strategy_help_is_rendered_from_the_registry(repo, capsys):
    _code, out, _ = mgit(repo, capsys, "merge", "--strategies")
    for s in describe_strategies():
        assert f"{s['name']}: {s['description']}" in out
        for a in s["arguments"]:
            assert f"--arg {a['name']}=<{a['type']}> default {a['default']}" in out
    with pytest.raises(SystemExit):
        main(["merge", "--help"])
    help_text = capsys.readouterr().out
    assert all(s["name"] in help_text for s in describe_strategies())


def test_cascade_and_bisect(repo, capsys):
    code, out, _ = mgit(repo, capsys, "cascade", "base", "base2", "--dry-run")
    assert code == 0 and "a@base2" in out and "planned" in out
    mgit(
        repo,
        capsys,
        "tests",
        "add",
        "tests.support.models:weight_sum",
        "--type",
        "tiny",
        "--metric",
        "score:higher",
        "--metric",
        "loss:lower",
    )
    code, out, _ = mgit(repo, capsys, "cascade", "base", "base2")
    assert code == 0, out
    assert "weight_sum.score" in out and "updated: a, b" in out and "not updated: none" in out
    code, out, _ = mgit(repo, capsys, "cascade", "base", "base2", "--json")
    assert code == 1  # names taken: refused
    mgit(
        repo,
        capsys,
        "tests",
        "add",
        "tests.support.models:weight_sum",
        "--graph",
        "--name",
        "high",
        "--metric",
        f"score:higher:{float(tiny(0).fc1.weight.detach().sum()) - 0.1}",
        "--metric",
        "loss:lower",
    )
    derive(repo, "a", "tests.support.models:shift", name="a2", kwargs={"amount": -2.0})
    code, out, _ = mgit(repo, capsys, "bisect", "base", "a2", "--test", "high", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["first_bad"] == "a2" and doc["path"] == ["base", "a", "a2"]
