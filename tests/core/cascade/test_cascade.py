"""Update cascades: recipes re-run in order on the new upstream; failures reported, not hidden."""

from __future__ import annotations

import shutil

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core import schema
from mgit_lab.core.cascade import run_cascade
from mgit_lab.core.cascade.recipes import derive, function_recipe
from mgit_lab.core.errors import Conflict, InvalidInput
from mgit_lab.core.evaluation import register_test
from mgit_lab.core.io.module_states import load_version_model, model_state
from mgit_lab.core.lineage import Relation
from mgit_lab.core.merge import merge_versions
from tests.support.models import shift
from tests.support.repos import add_model, assert_shape, snapshot, tiny


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    r = Repository.init(tmp_path_factory.mktemp("cascade") / "r")
    add_model(r, tiny(0), "base")
    derive(r, "base", "tests.support.models:shift", name="c1", kwargs={"amount": 1.0})
    derive(r, "base", "tests.support.models:shift", name="c2", kwargs={"amount": 2.0})
    derive(
        r,
        "base",
        "tests.support.models:shift",
        name="c3",
        kwargs={"amount": 3.0},
        model_type="mlp",
    )
    derive(r, "c1", "tests.support.models:shift", name="g1", kwargs={"amount": 0.5})
    merge_versions(r, "c1", "c2", strategy="average", name="m")
    add_model(r, tiny(4), "manual", parents=[("base", "finetune")])  # no recipe
    derive(r, "manual", "tests.support.models:shift", name="after-manual", kwargs={"amount": 1.0})
    derive(
        r,
        "base",
        "tests.support.models:shift",
        name="base2",
        kwargs={"amount": 10.0},
        relation="version",
    )
    return r.root


@pytest.fixture
def repo(template, tmp_path):
    shutil.copytree(template, tmp_path / "r")
    return Repository.open(tmp_path / "r")


def weights(repo, key):
    return load_version_model(repo, key).state_dict()


def test_cascade_rebuilds_in_order_on_the_new_upstream(repo):
    report = run_cascade(repo, "base", "base2")
    doc = report.to_json()
    assert_shape(doc, schema.CascadeReport)
    assert_shape(doc["entries"][0], schema.CascadeEntry)
    status = {e["old"]: (e["status"], e["new"]) for e in doc["entries"]}
    assert status == {
        "c1": ("updated", "c1@base2"),
        "c2": ("updated", "c2@base2"),
        "c3": ("updated", "c3@base2"),
        "g1": ("updated", "g1@base2"),
        "m": ("updated", "m@base2"),
        "manual": ("skipped", None),
        "after-manual": ("skipped", None),
    }
    reasons = {e["old"]: e["reason"] for e in doc["entries"]}
    assert reasons["manual"] == "no creation recipe recorded"
    assert reasons["after-manual"] == "parent 'manual' was not rebuilt"
    assert doc["updated"] == ["c1", "c2", "c3", "g1", "m"] and not doc["complete"]
    # weights equal the recipes run by hand on the new base
    b2 = load_version_model(repo, "base2")
    expected_c1 = shift(b2, 1.0)
    for k, t in expected_c1.state_dict().items():
        assert weights(repo, "c1@base2")[k].equal(t), k
    expected_g1 = shift(expected_c1, 0.5).state_dict()
    assert weights(repo, "g1@base2")["fc1.weight"].equal(expected_g1["fc1.weight"])
    m = weights(repo, "m@base2")
    b2w = b2.state_dict()["fc1.weight"]
    torch.testing.assert_close(m["fc1.weight"], ((b2w + 1.0) + (b2w + 2.0)) / 2)
    assert m["fc2.weight"].equal(b2.state_dict()["fc2.weight"])
    # edges: a version child of the old one, and a child of its new parents with the old relations
    g = repo.graph
    assert sorted((p.name, r) for p, r in g.parents("c1@base2")) == [
        ("base2", Relation.FINETUNE),
        ("c1", Relation.VERSION),
    ]
    assert sorted((p.name, r) for p, r in g.parents("m@base2")) == [
        ("c1@base2", Relation.MERGE),
        ("c2@base2", Relation.MERGE),
        ("m", Relation.VERSION),
    ]
    new_c1 = repo.version("c1@base2")
    assert new_c1.recipe == function_recipe("tests.support.models:shift", parent=repo.version("base2").id, amount=1.0)
    assert new_c1.metadata["cascade"] == {
        "from": repo.version("base").id,
        "to": repo.version("base2").id,
        "replaces": repo.version("c1").id,
    }
    assert repo.version("m@base2").metadata["merge"]["ancestor_name"] == "base2"
    assert repo.version("c3@base2").model_type == "mlp"
    # a second identical cascade is refused before doing anything
    before = snapshot(repo)
    with pytest.raises(Conflict, match="'c1@base2' already exists"):
        run_cascade(repo, "base", "base2")
    assert snapshot(repo) == before


def test_dry_run_changes_nothing(repo):
    before = snapshot(repo)
    report = run_cascade(repo, "base", "base2", dry_run=True)
    assert snapshot(repo) == before
    planned = {e["old"]: e["parents"] for e in report.entries if e["status"] == "planned"}
    assert planned == {
        "c1": ["base2"],
        "c2": ["base2"],
        "c3": ["base2"],
        "g1": ["c1@base2"],
        "m": ["c1@base2", "c2@base2"],
    }


def test_selection_by_subtree_and_type(repo):
    report = run_cascade(repo, "base", "base2", select="c1", dry_run=True)
    assert [e["old"] for e in report.entries] == ["c1", "g1", "m"]
    m = next(e for e in report.entries if e["old"] == "m")
    assert m["status"] == "skipped" and m["reason"] == "parent 'c2' was not rebuilt"
    report = run_cascade(repo, "base", "base2", model_type="mlp", dry_run=True)
    assert [e["old"] for e in report.entries] == ["c3"]
    with pytest.raises(InvalidInput, match="'base2' is not derived from 'base'"):
        run_cascade(repo, "base", "base2", select="base2")
    with pytest.raises(InvalidInput, match="the same version"):
        run_cascade(repo, "base", "base")


def test_unimportable_recipe_is_caught_before_anything_runs(repo):
    repo.add_arrays(
        model_state(tiny(0)),
        "broken",
        parents=[("base", "finetune")],
        model_type="tiny",
        recipe={
            "kind": "function",
            "ref": "gone_package.train:finetune",
            "kwargs": {},
            "parent": repo.version("base").id,
        },
    )
    before = snapshot(repo)
    with pytest.raises(
        InvalidInput,
        match="the recipe of 'broken' cannot run: cannot import the recipe 'gone_package.train:finetune'",
    ):
        run_cascade(repo, "base", "base2", trust=["gone_package.train:finetune"])
    assert snapshot(repo) == before
    # without the user naming it, a recipe read from the lineage is not even imported
    with pytest.raises(InvalidInput, match="'gone_package.train:finetune' is named by repository data"):
        run_cascade(repo, "base", "base2")
    assert snapshot(repo) == before


def test_a_failing_recipe_is_reported_and_its_dependants_skipped(repo):
    with repo.transaction() as txn:
        recipe = function_recipe("tests.support.models:raising_recipe", parent=repo.version("base").id)
        txn.graph.get("c2").recipe = recipe
    report = run_cascade(repo, "base", "base2")
    status = {e["old"]: e["status"] for e in report.entries}
    assert status["c2"] == "failed" and status["m"] == "skipped" and status["c1"] == "updated"
    c2 = next(e for e in report.entries if e["old"] == "c2")
    assert "raised RuntimeError: out of GPU memory" in c2["reason"]
    assert "c2@base2" not in repo.graph and "m@base2" not in repo.graph and "c1@base2" in repo.graph
    assert "c2" in report.not_updated and not report.complete


def test_tests_run_and_stop_on_failure(repo):
    # score = sum(fc1.weight): c1@base2 passes, c2@base2 would too; fail everything above a bar c1@base2 misses
    c1_new_score = float(shift(load_version_model(repo, "base2"), 1.0).fc1.weight.detach().sum())
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": ("higher", c1_new_score + 1.0), "loss": "lower"},
    )
    report = run_cascade(repo, "base", "base2", stop_on_failure=True)
    status = {e["old"]: e["status"] for e in report.entries}
    assert status["c1"] == "updated-tests-failed"
    assert {status[k] for k in ("c2", "c3", "g1", "m", "manual", "after-manual")} == {"not-run"}
    c1 = report.entries[0]
    assert c1["before"]["weight_sum"]["score"] == pytest.approx(
        float(weights(repo, "c1")["fc1.weight"].sum()), rel=1e-6
    )
    assert c1["after"]["weight_sum"]["score"] == pytest.approx(c1_new_score, rel=1e-6)
    assert repo.version("c1@base2").tests["weight_sum"]["status"] == "failed"


def test_a_raising_test_fails_that_version_only(repo):
    register_test(repo, "tests.support.models:raising_test", version="c2", metrics={"x": "higher"})
    report = run_cascade(repo, "base", "base2")
    status = {e["old"]: e["status"] for e in report.entries}
    assert status["c2"] == "failed" and status["m"] == "skipped" and status["c1"] == "updated"
    assert "c2@base2" not in repo.graph


def test_a_recipe_without_a_known_parent_is_skipped(repo):
    with repo.transaction() as txn:
        txn.graph.get("m").recipe = {
            **txn.graph.get("m").recipe,
            "parents": [repo.version("c1").id, "0" * 16],
        }
        txn.graph.get("g1").recipe = {
            "kind": "function",
            "ref": "tests.support.models:shift",
            "kwargs": {},
        }  # parent unknown
    report = run_cascade(repo, "base", "base2", dry_run=True)
    status = {e["old"]: (e["status"], e["reason"]) for e in report.entries}
    assert status["m"][0] == "skipped" and "not (all) in the graph" in status["m"][1]
    assert status["g1"][0] == "planned"  # falls back to its single derivation parent, c1
