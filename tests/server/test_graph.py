"""Repository discovery, the graph and its revision, changes made underneath the server."""

from __future__ import annotations

import os
import threading

from mgit_lab.api import Repository

from .conftest import small_state


async def test_version_route(api):
    import mgit_lab

    status, doc = await api("GET", "version")
    assert status == 200
    assert doc == {"version": mgit_lab.__version__}


async def test_codecs_route(api):
    status, doc = await api("GET", "codecs")
    assert status == 200
    ids = {c["id"] for c in doc["codecs"]}
    assert {"raw", "xor-delta", "zstd-bytegroup"} <= ids


async def test_list_repositories_and_nearest(api, jp_root_dir, lineage_repo):
    Repository.init(jp_root_dir / "projects" / "nlp")
    Repository.init(jp_root_dir / ".hidden" / "secret")
    Repository.init(jp_root_dir / "node_modules" / "pkg")
    (jp_root_dir / "models" / "runs" / "day1").mkdir(parents=True)
    status, doc = await api("GET", "repos")
    assert status == 200
    assert doc["repositories"] == [
        {"path": "models", "name": "models"},
        {"path": "projects/nlp", "name": "nlp"},
    ]
    assert doc["nearest"] is None and doc["truncated"] is False
    # like jupyterlab-git following the file browser: the repository at or above a folder
    status, doc = await api("GET", "repos", params={"near": "models/runs/day1"})
    assert doc["nearest"] == "models"
    status, doc = await api("GET", "repos", params={"near": "projects"})
    assert doc["nearest"] is None
    # graph of a sub-folder opens the repository above it
    status, doc = await api("GET", "graph", params={"repo": "models/runs/day1"})
    assert status == 200 and len(doc["nodes"]) == 4


async def test_repository_at_the_root(api, jp_root_dir):
    repo = Repository.init(jp_root_dir)
    repo.add_arrays(small_state(0), "only")
    _, doc = await api("GET", "repos", params={"near": ""})
    assert doc["repositories"] == [{"path": "", "name": jp_root_dir.name}]
    assert doc["nearest"] == ""
    _status, doc = await api("GET", "graph")
    assert [n["name"] for n in doc["nodes"]] == ["only"]


async def test_graph_payload(api, lineage_repo):
    status, doc = await api("GET", "graph", params={"repo": "models"})
    assert status == 200
    assert doc["revision"] == lineage_repo.revision == 4
    by_name = {n["name"]: n for n in doc["nodes"]}
    assert set(by_name) == {"base", "ft", "quant", "v2"}
    ids = {n["id"]: n["name"] for n in doc["nodes"]}
    edges = {(ids[e["parent"]], ids[e["child"]], e["relation"]) for e in doc["edges"]}
    assert edges == {
        ("base", "ft", "finetune"),
        ("ft", "quant", "quantize"),
        ("base", "v2", "version"),
    }
    assert by_name["quant"]["parents"] == [{"id": by_name["ft"]["id"], "name": "ft", "relation": "quantize"}]
    assert by_name["base"]["model_type"] == "mlm" and by_name["base"]["test_status"] == "none"
    assert by_name["ft"]["raw_bytes"] == 4 * 64 * 4 and by_name["base"]["stored_bytes"] > 0
    # cheap: no manifests in the graph payload
    assert all("manifest" not in n for n in doc["nodes"])


async def test_graph_etag_and_revision(jp_fetch, api, lineage_repo):
    first = await jp_fetch("mgit", "api", "graph", params={"repo": "models"})
    etag = first.headers["ETag"]
    again = await jp_fetch(
        "mgit",
        "api",
        "graph",
        params={"repo": "models"},
        headers={"If-None-Match": etag},
        raise_error=False,
    )
    assert again.code == 304 and again.body == b""
    _, doc = await api("GET", "revision", params={"repo": "models"})
    assert doc == {"repo": "models", "revision": 4}
    # another process (CLI, notebook) writes: the revision moves and the graph follows
    other = Repository.open(lineage_repo.root)
    other.add_arrays(small_state(9), "from-cli", parents=[("v2", "finetune")])
    _, doc = await api("GET", "revision", params={"repo": "models"})
    assert doc["revision"] == 5
    changed = await jp_fetch(
        "mgit",
        "api",
        "graph",
        params={"repo": "models"},
        headers={"If-None-Match": etag},
        raise_error=False,
    )
    assert changed.code == 200 and changed.headers["ETag"] != etag
    _status, doc = await api("GET", "graph", params={"repo": "models"})
    assert doc["revision"] == 5 and "from-cli" in {n["name"] for n in doc["nodes"]}


async def test_concurrent_writers_are_serialized(api, lineage_repo):
    """Writers in other threads/processes and server jobs at once: nothing lost or corrupted."""
    errors: list[BaseException] = []

    def writer(tag: int) -> None:
        try:
            repo = Repository.open(lineage_repo.root)  # each its own object: own lock handle
            for i in range(3):
                repo.add_arrays(
                    small_state(100 * tag + i),
                    f"w{tag}-{i}",
                    parents=[("base", "finetune")],
                )
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    # meanwhile the server collects garbage and reads the graph
    status, job = await api("POST", "gc", body={"repo": "models"})
    assert status == 202
    for _ in range(5):
        status, doc = await api("GET", "graph", params={"repo": "models"})
        assert status == 200
    for t in threads:
        t.join()
    assert not errors, errors
    from .test_jobs import wait_for

    job = await wait_for(api, job["id"])
    assert job["status"] == "done", job
    status, doc = await api("GET", "graph", params={"repo": "models"})
    names = {n["name"] for n in doc["nodes"]}
    assert {f"w{t}-{i}" for t in range(3) for i in range(3)} <= names
    assert doc["revision"] == 4 + 9
    status, job = await api("POST", "verify", body={"repo": "models"})
    job = await wait_for(api, job["id"])
    assert job["result"]["ok"], job["result"]
    # every version's tensors read back
    fresh = Repository.open(lineage_repo.root)
    for v in fresh.versions():
        fresh.checkout_arrays(v.name)
    assert not os.listdir(fresh.mgit_dir / "tmp")


async def test_concurrent_rest_writes_all_land(api, lineage_repo):
    """Many writes through the server at once (each on an executor thread) are serialized."""
    import asyncio

    _, before = await api("GET", "revision", params={"repo": "models"})
    answers = await asyncio.gather(
        *(api("POST", "tags", body={"repo": "models", "version": "base", "tag": f"t{i}"}) for i in range(12))
    )
    assert [status for status, _ in answers] == [200] * 12
    _, tags = await api("GET", "tags", params={"repo": "models"})
    assert tags["tags"] == {f"t{i}": "base" for i in range(12)}
    _, after = await api("GET", "revision", params={"repo": "models"})
    assert after["revision"] == before["revision"] + 12
