"""N-way merges of stored versions: ancestor, edges, metadata, recipes replayed by a cascade, streaming, CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from mgit_lab.cli import main
from mgit_lab.core.cascade import run_cascade
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from mgit_lab.core.merge import MergeSpec, merge_versions, plan_merge
from mgit_lab.core.merge.recipe_file import read_recipe, spec_from_recipe
from mgit_lab.core.repository import Repository
from tests.support.merge_models import Pair, pair


def add(repo, model, name, **kw):
    return repo.add_arrays(model_state(model), name, architecture=architecture_of(model), model_type="pair", **kw)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """base -> ft1, ft2, ft3 (seeded jitter recipes); base -> base2 (new upstream); other, twin (unrelated)."""
    r = Repository.init(tmp_path_factory.mktemp("nway") / "r")
    add(r, pair(0), "base")
    for i in (1, 2, 3):
        derive(r, "base", "tests.support.merge_models:jitter", name=f"ft{i}", kwargs={"seed": i})
    derive(
        r,
        "base",
        "tests.support.merge_models:jitter",
        name="base2",
        kwargs={"seed": 10, "scale": 0.01},
        relation="version",
    )
    add(r, Pair(n_in=4), "other")
    add(r, pair(5), "twin")  # unrelated, same architecture
    return r.root


@pytest.fixture
def repo(template, tmp_path):
    shutil.copytree(template, tmp_path / "r")
    return Repository.open(tmp_path / "r")


def tensors(repo, key):
    return {k: torch.from_numpy(np.array(a)) for k, (a, _) in repo.checkout_arrays(key).items()}


def test_three_way_weighted_task_arithmetic(repo):
    result = merge_versions(
        repo, "ft1", "ft2", "ft3", strategy="task-arithmetic", weights={"ft1": 0.5, "ft3": 0.25}, name="m"
    )
    plan = result.plan
    assert plan.ancestor_name == "base" and plan.ancestor_source == "lowest common ancestor of ft1, ft2, ft3"
    assert sorted((p.name, r.value) for p, r in repo.graph.parents("m")) == [
        ("ft1", "merge"),
        ("ft2", "merge"),
        ("ft3", "merge"),
    ]
    base, f1, f2, f3, m = (tensors(repo, k) for k in ("base", "ft1", "ft2", "ft3", "m"))
    for k in base:
        expected = base[k] + (0.5 * (f1[k] - base[k]) + 1.0 * (f2[k] - base[k]) + 0.25 * (f3[k] - base[k]))
        torch.testing.assert_close(m[k], expected, rtol=1e-6, atol=1e-6)
    meta = repo.version("m").metadata["merge"]
    assert [x["weight"] for x in meta["model_args"]] == [0.5, 1.0, 0.25]
    assert meta["versions"] == [repo.version(k).id for k in ("ft1", "ft2", "ft3")]
    assert meta["dtype"] == "float32" and meta["seed"] == 0


def test_no_common_ancestor_is_explained_and_base_names_one(repo):
    with pytest.raises(InvalidInput, match="share no ancestor and have different architectures") as e:
        plan_merge(repo, "ft1", "other")
    assert "--base" in e.value.hint
    with pytest.raises(InvalidInput, match="ties needs a common ancestor and ft1 and twin have none") as e:
        merge_versions(repo, "ft1", "twin", strategy="ties")
    assert "--base" in e.value.hint
    result = merge_versions(repo, "ft1", "twin", strategy="ties", ancestor="base", name="forced")
    assert result.plan.ancestor_name == "base" and result.plan.ancestor_source == "named with --base: base"


def test_recipe_round_trips_through_the_store_and_a_cascade_replays_it(repo, tmp_path):
    recipe = tmp_path / "merge.yaml"
    recipe.write_text(
        "versions: [ft1, ft2, ft3]\n"
        "strategy: dare_ties\n"
        "seed: 42\n"
        "args: {density: 0.6}\n"
        "models:\n  ft1: {weight: 0.7}\n  ft3: {density: 0.9}\n"
        "rules:\n"
        "  - filter: attn.bias\n    take: ft2\n"
        "  - filter: 'mlp.*'\n    args: {lambda: 0.5}\n    models: {ft2: {weight: 0.1}}\n"
    )
    spec, versions, _, _ = read_recipe(recipe)
    merge_versions(repo, *versions, spec=spec, name="soup")
    stored = repo.version("soup").recipe
    assert stored["models"] == {"A": {"weight": 0.7}, "C": {"density": 0.9}}
    assert stored["rules"] == [
        {"filter": "attn.bias", "strategy": "B"},
        {"filter": "mlp.*", "args": {"lambda": 0.5}, "models": {"B": {"weight": 0.1}}},
    ]
    assert spec_from_recipe(stored) == spec_from_recipe(json.loads(json.dumps(stored)))
    soup = tensors(repo, "soup")
    assert torch.equal(soup["attn.bias"], tensors(repo, "ft2")["attn.bias"])
    # the same recipe on the same versions gives the same bits (seeded per tensor)
    again = merge_versions(repo, "ft1", "ft2", "ft3", spec=spec_from_recipe(stored), name="soup-again")
    assert again.version is not None
    assert all(repo.version("soup-again").manifest[k].oid == t.oid for k, t in repo.version("soup").manifest.items())
    # a cascade rebuilds ft1..ft3 on base2, then replays the stored recipe on them
    report = run_cascade(repo, "base", "base2")
    assert "soup" in report.updated, report.to_json()
    rebuilt = repo.version("soup@base2")
    assert {k: v for k, v in rebuilt.recipe.items() if k not in ("parents", "ancestor")} == {
        k: v for k, v in stored.items() if k not in ("parents", "ancestor")
    }
    parents = [repo.version(p).name for p in rebuilt.recipe["parents"]]
    assert parents == ["ft1@base2", "ft2@base2", "ft3@base2"]
    manual = merge_versions(
        repo, *parents, spec=spec_from_recipe(stored), ancestor=rebuilt.recipe["ancestor"], name="manual"
    )
    assert manual.version is not None
    assert all(repo.version("manual").manifest[k].oid == t.oid for k, t in rebuilt.manifest.items())


def test_merge_streams_one_parameter_at_a_time(repo, monkeypatch):
    from mgit_lab.core.store.writer import StoreWriter

    events = []
    get, put = repo.store.get, StoreWriter.put

    def traced_get(oid):
        events.append("read")
        return get(oid)

    def traced_put(self, array, dtype, **kw):
        events.append("write")
        return put(self, array, dtype, **kw)

    monkeypatch.setattr(repo.store, "get", traced_get)
    monkeypatch.setattr(StoreWriter, "put", traced_put)
    merge_versions(repo, "ft1", "ft2", "ft3", strategy="ties", name="streamed")
    n = len(repo.version("streamed").manifest)
    assert n == 4 and events.count("write") == n
    # each parameter's 4 inputs (ancestor + 3 models) are read just before it is written; a merge
    # holding the whole model would read all 16 first
    gaps = "".join("r" if e == "read" else "w" for e in events).split("w")[:-1]
    assert all(4 <= len(g) <= 8 for g in gaps), events


def test_cli_three_way_merge_and_errors(repo, capsys, tmp_path):
    root = str(repo.root)
    code = main(
        [
            "-C",
            root,
            "merge",
            "ft1",
            "ft2",
            "ft3",
            "--strategy",
            "della",
            "--weight",
            "ft1=2",
            "--seed",
            "3",
            "--dtype",
            "float64",
            "--arg",
            "density=0.5",
            "--name",
            "cli",
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["version"] == "cli" and doc["seed"] == 3 and doc["dtype"] == "float64"
    assert [m["weight"] for m in doc["model_args"]] == [2.0, 1.0, 1.0]
    code = main(["-C", root, "merge", "ft1", "ft2", "ft3", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "ft1 (A) + ft2 (B) + ft3 (C), common ancestor: base (lowest common ancestor" in out
    assert main(["-C", root, "merge", "ft1", "other"]) != 0
    err = capsys.readouterr().err
    assert "share no ancestor" in err and "--base" in err and "Traceback" not in err
    assert main(["-C", root, "merge", "ft1", "ft2", "ft3", "--strategy", "nearswap"]) != 0
    assert "strategy 'nearswap' merges at most 2 versions, not 3" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("strategy: ties\nweights: {ft1: 1}\n")
    assert main(["-C", root, "merge", "ft1", "ft2", "--recipe", str(bad)]) != 0
    assert "the merge recipe has unknown keys: weights" in capsys.readouterr().err


def test_spec_defaults():
    assert MergeSpec().strategy == "average" and MergeSpec().dtype == "float32"
