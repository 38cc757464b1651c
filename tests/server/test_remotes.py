"""Remotes over REST: list/add/remove, push and pull jobs with progress, paths kept in the root."""

from __future__ import annotations

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
