"""N-way merges over REST: plan of three versions, a seeded weighted merge, recipe rules, bad input."""

from __future__ import annotations

from mgit_lab.core.cascade.recipes import derive

from .conftest import MODELS
from .test_jobs import wait_for

R = {"repo": "zoo"}


def with_c3(zoo):
    derive(zoo, "base", f"{MODELS}:shift", name="c3", kwargs={"amount": 0.125})
    return zoo


async def test_plan_of_three_versions_states_the_common_ancestor(api, zoo):
    with_c3(zoo)
    params = [("repo", "zoo"), ("version", "c1"), ("version", "c2"), ("version", "c3")]
    status, plan = await api("GET", "merge/plan", params=params)
    assert status == 200, plan
    assert plan["version_names"] == ["c1", "c2", "c3"] and plan["ancestor_name"] == "base"
    assert plan["ancestor_source"] == "lowest common ancestor of c1, c2, c3"
    assert all(len(p["shapes"]) == 3 for p in plan["parameters"])
    slerp = next(s for s in plan["strategies"] if s["name"] == "slerp")
    assert not slerp["applicable"] and "at most 2 versions" in slerp["reason"]


async def test_weighted_seeded_merge_of_three_with_rules(api, zoo):
    with_c3(zoo)
    body = {
        **R,
        "versions": ["c1", "c2", "c3"],
        "strategy": "dare_ties",
        "weights": {"c1": 0.5, "C": 2.0},
        "args": {"density": 0.7},
        "rules": [{"filter": "fc2", "strategy": "take-b"}],
        "seed": 9,
        "name": "trio",
    }
    status, job = await api("POST", "merge", body=body)
    assert status == 202, job
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    result = done["result"]
    assert result["strategy"] == "dare-ties" and result["seed"] == 9
    assert [m["weight"] for m in result["model_args"]] == [0.5, 1.0, 2.0]
    version = zoo.version("trio")
    assert sorted(p.name for p, rel in zoo.graph.parents("trio") if rel.value == "merge") == ["c1", "c2", "c3"]
    assert version.metadata["merge"]["seed"] == 9 and version.metadata["merge"]["randomised"] is True
    assert version.recipe["rules"] == [{"filter": "fc2", "strategy": "take-b"}]
    assert version.recipe["models"] == {"A": {"weight": 0.5}, "C": {"weight": 2.0}}
    for key in ("fc2.weight", "fc2.bias"):
        assert version.manifest[key].oid == zoo.version("c2").manifest[key].oid


async def test_nway_bad_input(api, zoo):
    status, doc = await api("POST", "merge", body={**R, "versions": ["c1"]})
    assert status == 400 and "name the versions to merge" in doc["message"]
    status, doc = await api("POST", "merge", body={**R, "versions": ["c1", "c2"], "dtype": "float16"})
    assert status == 400 and "unknown computation dtype 'float16'" in doc["message"]
    status, doc = await api("POST", "merge", body={**R, "versions": ["c1", "c2"], "weights": {"c9": 1}})
    assert status == 400 and "'c9' is not one of the merged versions" in doc["message"]
    status, doc = await api("POST", "merge", body={**R, "versions": ["c1", "c2"], "rules": [{"filter": "nothing"}]})
    assert status == 400 and "recipe filter 'nothing' matches no parameter" in doc["message"]
    status, doc = await api("POST", "merge", body={**R, "versions": ["c1", "c1"]})
    assert status == 400 and "cannot merge 'c1' with itself" in doc["message"]
