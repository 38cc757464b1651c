"""Remotes over REST: list/add/remove, push and pull jobs with progress, paths kept in the root."""

from __future__ import annotations

import pytest

from mgit_lab.core.repository import Repository

from .test_jobs import wait_for

R = {"repo": "zoo"}


async def test_push_then_pull_into_another_repository(api, zoo, jp_root_dir):
    status, doc = await api("POST", "remotes", body={**R, "name": "origin", "url": "team/models"})
    assert status == 200 and doc["remotes"][0]["url"] == str((jp_root_dir / "team" / "models").resolve())
    status, job = await api("POST", "push", body=R)
    assert status == 202 and job["kind"] == "push"
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert sorted(done["result"]["versions"]) == sorted(v.name for v in zoo.versions())
    assert done["progress"]["step"] == "sending objects" and done["progress"]["fraction"] == 1.0

    other = Repository.init(jp_root_dir / "other")
    status, _ = await api("POST", "remotes", body={"repo": "other", "name": "origin", "url": "team/models"})
    assert status == 200
    status, job = await api("POST", "pull", body={"repo": "other"})
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert {v.name for v in Repository.open(other.root).versions()} == {v.name for v in zoo.versions()}

    status, doc = await api("DELETE", "remotes/origin", params=R)
    assert status == 200 and doc["remotes"] == []


async def test_bad_remote_requests_answer_4xx_before_any_job(api, zoo):
    status, doc = await api("POST", "remotes", body={**R, "name": "x", "url": "../outside"})
    assert status == 403, doc
    status, doc = await api("POST", "remotes", body={**R, "name": "x", "url": "file:///etc"})
    assert status == 400, doc
    status, doc = await api("POST", "remotes", body={**R, "name": "x", "url": "s3://k:secret@b/p"})
    assert status == 400 and "secret" not in doc["message"], doc
    status, doc = await api("POST", "push", body={**R, "remote": "nowhere"})
    assert status == 404, doc
    await api("POST", "remotes", body={**R, "name": "origin", "url": "team/models"})
    status, doc = await api("POST", "push", body={**R, "versions": ["no-such-version"]})
    assert status == 404, doc
    status, doc = await api("POST", "pull", body=R)  # nothing was pushed there: the job fails clearly
    done = await wait_for(api, doc["id"])
    assert done["status"] == "failed" and "no mgit lineage" in done["error"]["message"]


async def test_status_says_what_to_push_and_pull_as_of_the_last_read(api, zoo, jp_root_dir):
    names = sorted(v.name for v in zoo.versions())
    await api("POST", "remotes", body={**R, "name": "origin", "url": "team/models"})
    status, doc = await api("GET", "remotes/origin/status", params=R)
    assert status == 200 and doc["checked"] is None and doc["ahead_count"] is None, doc  # never read: not fetched
    assert doc["url"] == str((jp_root_dir / "team" / "models").resolve())

    status, job = await api("POST", "push", body={**R, "versions": ["base"]})
    assert (await wait_for(api, job["id"]))["status"] == "done"
    status, doc = await api("GET", "remotes/origin/status", params=R)  # the push job re-read the remote's lineage
    assert doc["checked"] and doc["behind_count"] == 0, doc
    assert doc["ahead_count"] == len(names) - 1 and sorted(doc["ahead"]) == [n for n in names if n != "base"]

    other = Repository.init(jp_root_dir / "other")
    o = {"repo": "other"}
    await api("POST", "remotes", body={**o, "name": "origin", "url": "team/models"})
    status, job = await api("POST", "fetch", body=o)
    done = await wait_for(api, job["id"])
    assert done["status"] == "done" and done["result"]["versions"] == ["base"], done
    status, doc = await api("GET", "remotes/origin/status", params=o)
    assert (doc["ahead_count"], doc["behind_count"], doc["behind"]) == (0, 1, ["base"]), doc
    status, job = await api("POST", "pull", body=o)
    assert (await wait_for(api, job["id"]))["status"] == "done"
    status, doc = await api("GET", "remotes/origin/status", params=o)
    assert (doc["ahead_count"], doc["behind_count"]) == (0, 0), doc
    assert [v.name for v in Repository.open(other.root).versions()] == ["base"]

    # removed and added again (another URL): the old remote's state is forgotten
    await api("DELETE", "remotes/origin", params=o)
    await api("POST", "remotes", body={**o, "name": "origin", "url": "team/elsewhere"})
    status, doc = await api("GET", "remotes/origin/status", params=o)
    assert doc["checked"] is None and doc["behind"] == [], doc


async def test_status_of_an_unknown_or_invalid_remote_is_a_clear_4xx(api, zoo):
    status, doc = await api("GET", "remotes/nowhere/status", params=R)
    assert status == 404 and "no remote named 'nowhere'" in doc["message"], doc
    status, doc = await api("GET", "remotes/" + "x" * 300 + "/status", params=R)
    assert status == 400, doc
    status, doc = await api("GET", "remotes/..%2Fetc/status", params=R)
    assert status in (400, 404), doc


async def test_a_push_whose_names_clash_fails_naming_them(api, zoo, jp_root_dir):
    import numpy as np

    other = Repository.init(jp_root_dir / "other")
    other.add_arrays({"w": (np.ones(8, np.float32), "float32")}, "c1")  # another version named c1
    await api("POST", "remotes", body={"repo": "other", "name": "origin", "url": "team/models"})
    status, job = await api("POST", "push", body={"repo": "other"})
    assert (await wait_for(api, job["id"]))["status"] == "done"
    await api("POST", "remotes", body={**R, "name": "origin", "url": "team/models"})
    status, job = await api("POST", "push", body=R)
    done = await wait_for(api, job["id"])
    assert done["status"] == "failed" and done["error"]["status"] == 409, done
    assert "'c1'" in done["error"]["message"] and done["error"]["hint"], done
    status, doc = await api("GET", "remotes/origin/status", params=R)  # the failed push re-read the remote
    assert doc["behind"] == ["c1"] and "c1" in doc["ahead"], doc


async def test_an_unreachable_s3_endpoint_fails_the_job_clearly_and_soon(api, zoo, monkeypatch):
    import time

    pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    body = {**R, "name": "cloud", "url": "s3://bucket/models", "options": {"endpoint_url": f"http://127.0.0.1:{port}"}}
    status, doc = await api("POST", "remotes", body=body)
    assert status == 200 and "test-secret" not in str(doc), doc
    t0 = time.monotonic()
    status, job = await api("POST", "push", body={**R, "remote": "cloud"})
    done = await wait_for(api, job["id"], timeout=30)
    assert done["status"] == "failed" and done["error"]["status"] == 502, done
    assert "cannot be reached" in done["error"]["message"] and "test-secret" not in str(done), done
    assert time.monotonic() - t0 < 20
    status, doc = await api("GET", "remotes/cloud/status", params=R)  # nothing read: still "not fetched"
    assert doc["checked"] is None, doc
