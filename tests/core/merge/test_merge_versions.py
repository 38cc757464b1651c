"""Merging stored versions: the recorded version, its edges, metadata, recipe and tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core import schema
from mgit_lab.core.errors import Conflict, InvalidInput
from mgit_lab.core.evaluation import register_test, version_digest
from mgit_lab.core.io.module_states import load_version_model, model_state
from mgit_lab.core.lineage import Relation
from mgit_lab.core.merge import merge_versions, plan_merge
from mgit_lab.core.merge.planner import common_ancestor
from tests.support.models import Tiny
from tests.support.repos import add_model, assert_shape, snapshot, tiny


def edit(model, **deltas):
    out = Tiny(**model.mgit_init)
    out.load_state_dict(model.state_dict())
    with torch.no_grad():
        for name, delta in deltas.items():
            out.get_parameter(name).add_(delta)
    return out


@pytest.fixture
def repo(tmp_path):
    r = Repository.init(tmp_path / "r")
    base = tiny(0)
    add_model(r, base, "base")
    add_model(
        r,
        edit(base, **{"fc1.weight": 1.0, "fc2.bias": 0.5}),
        "a",
        parents=[("base", "finetune")],
    )
    add_model(
        r,
        edit(base, **{"fc1.weight": 3.0, "fc1.bias": -1.0}),
        "b",
        parents=[("base", "finetune")],
    )
    return r


def test_plan_of_two_finetunes(repo):
    plan = plan_merge(repo, "a", "b")
    assert plan.ancestor_name == "base"
    states = {e.name: e.state.value for e in plan.entries}
    assert states == {
        "fc1.weight": "both_changed",
        "fc1.bias": "changed_b",
        "fc2.weight": "unchanged",
        "fc2.bias": "changed_a",
        "steps": "unchanged",
    }
    doc = plan.to_json()
    assert_shape(doc, schema.MergePlan)
    assert doc["auto"] == 4 and doc["conflicts"] == 1
    assert_shape(doc["parameters"][0], schema.MergeParameter)
    assert [s["name"] for s in doc["strategies"]][:4] == [
        "average",
        "weighted-average",
        "task-arithmetic",
        "ties",
    ]
    assert all(s["applicable"] for s in doc["strategies"])


def test_merge_records_a_version_with_edges_metadata_recipe(repo):
    result = merge_versions(repo, "a", "b", strategy="weighted-average", args={"alpha": 0.25}, name="m")
    assert_shape(result.to_json(), schema.MergeResult)
    v = Repository.open(repo.root).version("m")
    graph = repo.graph
    assert sorted((p.name, r) for p, r in graph.parents("m")) == [
        ("a", Relation.MERGE),
        ("b", Relation.MERGE),
    ]
    assert v.metadata["merge"]["strategy"] == "weighted-average"
    assert v.metadata["merge"]["args"] == {"alpha": 0.25, "normalize": True}
    assert v.metadata["merge"]["seed"] == 0 and v.metadata["merge"]["dtype"] == "float32"
    assert v.metadata["merge"]["ancestor_name"] == "base"
    assert v.metadata["merge"]["counts"] == {
        "both_changed": 1,
        "changed_a": 1,
        "changed_b": 1,
        "unchanged": 2,
    }
    assert v.recipe == {
        "kind": "merge",
        "parents": [repo.version("a").id, repo.version("b").id],
        "ancestor": repo.version("base").id,
        "strategy": "weighted-average",
        "args": {"alpha": 0.25, "normalize": True},
        "models": {},
        "overrides": {},
        "rules": [],
        "dtype": "float32",
        "seed": 0,
    }
    assert v.architecture == repo.version("a").architecture
    # expected tensors, computed from the three models independently
    base, a, b = (load_version_model(repo, k).state_dict() for k in ("base", "a", "b"))
    m = load_version_model(repo, "m").state_dict()
    torch.testing.assert_close(m["fc1.weight"], 0.25 * a["fc1.weight"] + 0.75 * b["fc1.weight"])
    torch.testing.assert_close(m["fc1.bias"], b["fc1.bias"], rtol=0, atol=0)
    torch.testing.assert_close(m["fc2.bias"], a["fc2.bias"], rtol=0, atol=0)
    torch.testing.assert_close(m["fc2.weight"], base["fc2.weight"], rtol=0, atol=0)


def test_merge_runs_registered_tests_before_recording(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        model_type="tiny",
        metrics={"score": ("higher", ">= 0"), "loss": "lower"},
    )
    result = merge_versions(repo, "a", "b", strategy="average")
    assert result.version is not None and result.version.name == "a+b"
    (r,) = result.tests
    expected = float(load_version_model(repo, "a+b").fc1.weight.detach().sum())
    assert r["metrics"]["score"] == pytest.approx(expected, rel=1e-6)
    assert repo.version("a+b").tests["weight_sum"]["version"] == result.version.id
    # the test ran on exactly the tensors that were stored
    assert r["weights"] == version_digest(repo.version("a+b"))


def test_dry_run_records_nothing_and_lists_problems(repo):
    before = snapshot(repo)
    result = merge_versions(repo, "a", "b", strategy="take-ancestor", dry_run=True)
    assert result.version is None and result.problems == []
    assert snapshot(repo) == before


def test_dry_run_without_ancestor_shows_which_strategies_cannot(tmp_path):
    r = Repository.init(tmp_path / "r")
    add_model(r, tiny(1), "x")
    add_model(r, tiny(2), "y")
    result = merge_versions(r, "x", "y", strategy="ties", dry_run=True)
    previews = {s["name"]: s for s in result.plan.to_json()["strategies"]}
    assert previews["average"]["applicable"] and not previews["ties"]["applicable"]
    assert "needs a common ancestor" in previews["ties"]["reason"]
    assert result.problems and "ties needs a common ancestor" in result.problems[0]
    merged = merge_versions(r, "x", "y", strategy="average")  # averaging works without an ancestor
    x, y = r.checkout_arrays("x"), r.checkout_arrays("y")
    np.testing.assert_allclose(
        r.checkout_arrays(merged.version.id)["fc1.weight"][0],
        (x["fc1.weight"][0] + y["fc1.weight"][0]) / 2,
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"strategy": "median"}, InvalidInput, "unknown merge strategy 'median'"),
        (
            {"strategy": "weighted-average", "args": {"alpha": 2}},
            InvalidInput,
            "out of range",
        ),
        (
            {"strategy": "ties", "args": {"density": 0.5, "k": 1}},
            InvalidInput,
            "has no argument 'k'",
        ),
        ({"overrides": {"decoder.*": "A"}}, InvalidInput, "matches no parameter"),
        ({"name": "base"}, Conflict, "already exists"),
    ],
)
def test_bad_merges_leave_the_repository_unchanged(repo, kwargs, error, message):
    before = snapshot(repo)
    with pytest.raises(error, match=message):
        merge_versions(repo, "a", "b", **kwargs)
    assert snapshot(repo) == before


def test_unrelated_architectures(repo):
    add_model(repo, tiny(5, n_in=6), "wide")
    before = snapshot(repo)
    with pytest.raises(InvalidInput, match="share no ancestor and have different architectures"):
        merge_versions(repo, "a", "wide")
    assert snapshot(repo) == before
    with pytest.raises(InvalidInput, match="with itself"):
        merge_versions(repo, "a", "a")


def test_a_raising_test_records_nothing(repo):
    register_test(repo, "tests.support.models:raising_test", graph=True, metrics={"x": "higher"})
    before = snapshot(repo)
    with pytest.raises(
        InvalidInput,
        match="raised ValueError: the evaluation data is missing on version 'a\\+b'",
    ):
        merge_versions(repo, "a", "b")
    assert snapshot(repo) == before


def test_fast_forward_and_common_ancestor(repo):
    add_model(repo, edit(tiny(0), **{"fc2.weight": 1.0}), "a2", parents=[("a", "finetune")])
    assert common_ancestor(repo.graph, "a", "a2") == repo.version("a").id
    plan = plan_merge(repo, "a", "a2")
    assert {e.state.value for e in plan.entries} <= {"unchanged", "changed_b"}
    assert common_ancestor(repo.graph, "a2", "b") == repo.version("base").id


def test_transformers_models_merge_and_load(tmp_path):
    transformers = pytest.importorskip("transformers")
    from mgit_lab.core.io.architecture import architecture_of

    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=2,
    )
    torch.manual_seed(0)
    base = transformers.BertForSequenceClassification(config).eval()
    r = Repository.init(tmp_path / "r")
    r.add_arrays(
        model_state(base),
        "bert",
        model_type="bert-cls",
        architecture=architecture_of(base),
    )
    states = []
    for i, name in enumerate(("bert-a", "bert-b")):
        m = transformers.BertForSequenceClassification(config).eval()
        m.load_state_dict(base.state_dict())
        with torch.no_grad():
            m.classifier.weight.add_(i + 1.0)
            m.bert.encoder.layer[0].output.dense.weight.mul_(1.0 + 0.1 * (i + 1))
        states.append(m.state_dict())
        r.add_arrays(
            model_state(m),
            name,
            parents=[("bert", "finetune")],
            model_type="bert-cls",
            architecture=architecture_of(m),
        )
    result = merge_versions(
        r,
        "bert-a",
        "bert-b",
        strategy="task-arithmetic",
        args={"scale_a": 0.5, "scale_b": 0.5},
        overrides={"bert.encoder.*": "A"},
    )
    merged = load_version_model(r, result.version.id)
    sd, o = merged.state_dict(), base.state_dict()
    key = "bert.encoder.layer.0.output.dense.weight"
    torch.testing.assert_close(sd[key], states[0][key], rtol=0, atol=0)
    w = "classifier.weight"
    torch.testing.assert_close(sd[w], o[w] + 0.5 * (states[0][w] - o[w]) + 0.5 * (states[1][w] - o[w]))
    with torch.no_grad():
        assert merged(torch.tensor([[1, 2, 3]])).logits.shape == (1, 2)
