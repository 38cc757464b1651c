"""Model tests, merge (plan, dry run, merge) and cascades over REST, on real torch models."""

from __future__ import annotations

import pytest

from .test_jobs import FINAL, wait_for

R = {"repo": "zoo"}


# ---------------------------------------------------------------- registries
async def test_strategies_registry(api):
    from mgit_lab.core.merge import describe_strategies

    status, doc = await api("GET", "merge/strategies")
    assert status == 200
    assert doc["strategies"] == describe_strategies()  # rendered from the registry, not a second list
    assert "average" in {s["name"] for s in doc["strategies"]}
    for s in doc["strategies"]:
        for a in s["arguments"]:
            assert a["type"] in ("float", "int", "bool", "str")


async def test_tests_registry(api, zoo):
    status, doc = await api("GET", "tests", params=R)
    assert status == 200
    assert {t["name"] for t in doc["tests"]} == {"score", "slow"}
    assert all(t["scope"] == "type" and t["model_type"] == "tiny" for t in doc["tests"])
    status, doc = await api("GET", "tests", params={**R, "version": "c1"})
    assert len(doc["tests"]) == 2
    status, doc = await api("GET", "tests", params={**R, "version": "nope"})
    assert status == 404


# ---------------------------------------------------------------- tests
async def test_run_tests_on_versions(api, zoo):
    status, job = await api("POST", "tests/run", body={**R, "versions": ["c1", "c2"], "names": ["score"]})
    assert status == 202 and job["kind"] == "tests"
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    results = done["result"]["results"]
    assert [(r["version_name"], r["test"], r["status"]) for r in results] == [
        ("c1", "score", "passed"),
        ("c2", "score", "passed"),
    ]
    assert any(line.endswith(" c2: tests") for line in done["log"])
    # stored with the versions: the graph shows the status, the version its results
    status, graph = await api("GET", "graph", params=R)
    status_by_name = {n["name"]: n["test_status"] for n in graph["nodes"]}
    assert status_by_name["c1"] == "pass" and status_by_name["base"] == "none"
    status, c1 = await api("GET", "versions/c1", params=R)
    assert c1["tests"]["score"]["metrics"]["score"] == results[0]["metrics"]["score"]


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"versions": ["nope"]}, 404, "no version named 'nope'"),
        ({"versions": ["c1"], "names": ["nope"]}, 404, "no test named 'nope'"),
        ({"versions": []}, 400, "lists no version"),
        ({"versions": "c1"}, 400, "field 'versions' must be a list"),
        ({"versions": [1]}, 400, "list of strings"),
        ({}, 400, "field 'versions' is required"),
    ],
)
async def test_run_tests_bad_input(api, zoo, body, code, words):
    status, doc = await api("POST", "tests/run", body={**R, **body})
    assert status == code, doc
    assert words in doc["message"]
    status, jobs = await api("GET", "jobs")
    assert jobs["jobs"] == []  # nothing was queued


async def test_cancel_a_test_run(api, zoo):
    status, job = await api("POST", "tests/run", body={**R, "versions": ["base", "c1", "c2", "base2"]})
    running = await wait_for(api, job["id"], until=lambda j: j["progress"]["done"] > 0 or j["status"] in FINAL)
    assert running["status"] == "running"
    # the server answers at once while the job runs
    status, graph = await api("GET", "graph", params=R)
    assert status == 200
    await api("DELETE", f"jobs/{job['id']}")
    final = await wait_for(api, job["id"])
    assert final["status"] == "cancelled", final
    assert final["progress"]["done"] < final["progress"]["total"]


# ---------------------------------------------------------------- merge
async def test_merge_plan(api, zoo):
    status, plan = await api("GET", "merge/plan", params={**R, "a": "c1", "b": "c2"})
    assert status == 200
    assert plan["a_name"] == "c1" and plan["b_name"] == "c2" and plan["ancestor_name"] == "base"
    assert plan["conflicts"] == len([p for p in plan["parameters"] if not p["auto"]])
    status, doc = await api("GET", "merge/plan", params={**R, "a": "c1"})
    assert status == 400 and "query parameter 'b' is required" in doc["message"]
    status, doc = await api("GET", "merge/plan", params={**R, "a": "c1", "b": "nope"})
    assert status == 404


async def test_merge_dry_run_then_merge(api, zoo):
    body = {**R, "a": "c1", "b": "c2", "strategy": "average", "name": "c1+c2"}
    status, job = await api("POST", "merge", body={**body, "dry_run": True})
    assert status == 202
    dry = await wait_for(api, job["id"])
    assert dry["status"] == "done" and dry["result"]["dry_run"] is True and dry["result"]["version"] is None
    _, rev = await api("GET", "revision", params=R)
    status, job = await api("POST", "merge", body=body)
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert done["result"]["version"] == "c1+c2" and not done["result"]["dry_run"]
    assert {t["test"] for t in done["result"]["tests"]} == {"score", "slow"}
    _, graph = await api("GET", "graph", params=R)
    merged = next(n for n in graph["nodes"] if n["name"] == "c1+c2")
    assert sorted((p["name"], p["relation"]) for p in merged["parents"]) == [("c1", "merge"), ("c2", "merge")]
    assert graph["revision"] > rev["revision"]
    # the name is now taken: refused before any job starts
    status, doc = await api("POST", "merge", body=body)
    assert status == 409


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"strategy": "nope"}, 400, "nope"),
        ({"strategy": "average", "args": {"bogus": 1}}, 400, "bogus"),
        ({"b": "nope"}, 404, "no version named 'nope'"),
        ({"args": [1]}, 400, "field 'args' must be an object"),
        ({"overrides": {"fc1.*": 3}}, 400, "overrides"),
        ({"strategi": "average"}, 400, "unknown field(s) 'strategi'"),
    ],
)
async def test_merge_bad_input(api, zoo, extra, code, words):
    status, doc = await api("POST", "merge", body={**R, "a": "c1", "b": "c2", **extra})
    assert status == code, doc
    assert words in doc["message"]
    assert doc["hint"] is None or isinstance(doc["hint"], str)


# ---------------------------------------------------------------- cascade
async def test_cascade_dry_run_and_run(api, zoo):
    status, job = await api("POST", "cascade", body={**R, "old": "base", "new": "base2", "dry_run": True})
    dry = await wait_for(api, job["id"])
    assert dry["status"] == "done" and dry["result"]["dry_run"] is True
    assert {e["old"]: e["status"] for e in dry["result"]["entries"]} == {"c1": "planned", "c2": "planned"}
    status, job = await api("POST", "cascade", body={**R, "old": "base", "new": "base2"})
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert sorted(done["result"]["updated"]) == ["c1", "c2"]
    _, graph = await api("GET", "graph", params=R)
    names = {n["name"] for n in graph["nodes"]}
    assert {"c1@base2", "c2@base2"} <= names


async def test_cascade_bad_input(api, zoo):
    status, doc = await api("POST", "cascade", body={**R, "old": "base", "new": "base"})
    assert status == 400 and "same version" in doc["message"]
    status, doc = await api("POST", "cascade", body={**R, "old": "base", "new": "nope"})
    assert status == 404
    status, doc = await api("POST", "cascade", body={**R, "old": "base", "new": "base2", "select": "base2"})
    assert status == 400 and "not derived" in doc["message"]


# ---------------------------------------------------------------- diff
async def test_diff_job(api, zoo):
    status, job = await api("POST", "diff", body={**R, "a": "base", "b": "c1"})
    assert status == 202 and job["kind"] == "diff"
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    diff = done["result"]
    assert diff["mode"] == "contextual" and diff["summary"]["identical"] is False
    assert {p["a"]: p["status"] for p in diff["params"]} == {
        "fc1.weight": "changed",
        "fc1.bias": "changed",
        "fc2.weight": "changed",
        "fc2.bias": "changed",
    }
    assert any(n["status"] == "changed" for n in diff["nodes"])
    # structural: same layers, same shapes
    status, job = await api("POST", "diff", body={**R, "a": "base", "b": "c1", "structural": True, "lcs": True})
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert done["result"]["mode"] == "structural" and done["result"]["summary"]["identical"] is True


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"b": "nope"}, 404, "no version named 'nope'"),
        ({"structural": "yes"}, 400, "field 'structural' must be true or false"),
        ({"collapse": [1]}, 400, "field 'collapse'"),
        ({"colapse": "Linear"}, 400, "unknown field(s) 'colapse'"),
    ],
)
async def test_diff_bad_input(api, zoo, extra, code, words):
    status, doc = await api("POST", "diff", body={**R, "a": "base", "b": "c1", **extra})
    assert status == code, doc
    assert words in doc["message"]
