"""Remotes over REST against a real S3 API (moto's server on loopback): a push job and the
status it leaves, and wrong credentials failing the job clearly without showing them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.s3 import fresh_bucket, loopback_s3

from .test_jobs import wait_for

pytest.importorskip("s3fs")
pytest.importorskip("moto")

R = {"repo": "zoo"}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mgit-rest-key", "AWS_SECRET_ACCESS_KEY": "mgit-rest-secret-do-not-leak"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with loopback_s3(CREDENTIALS) as endpoint:
        yield endpoint


@pytest.fixture
def bucket_url(s3_endpoint: str) -> str:
    return f"s3://{fresh_bucket(s3_endpoint)}/team/models"


async def test_push_to_s3_then_status(api, zoo, s3_endpoint, bucket_url):
    body = {**R, "name": "cloud", "url": bucket_url, "options": {"endpoint_url": s3_endpoint}}
    status, doc = await api("POST", "remotes", body=body)
    assert status == 200 and doc["remotes"][0]["options"] == {"endpoint_url": s3_endpoint}, doc
    status, job = await api("POST", "push", body={**R, "remote": "cloud", "versions": ["c1"]})
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert sorted(done["result"]["versions"]) == ["base", "c1"] and done["result"]["bytes_sent"] > 0
    status, doc = await api("GET", "remotes/cloud/status", params=R)
    assert (doc["ahead_count"], sorted(doc["ahead"]), doc["behind_count"]) == (2, ["base2", "c2"], 0), doc
    assert "secret" not in str(doc).lower()


async def test_wrong_credentials_fail_the_job_with_a_clear_message(api, zoo, s3_endpoint, bucket_url, monkeypatch):
    from moto import settings

    body = {**R, "name": "cloud", "url": bucket_url, "options": {"endpoint_url": s3_endpoint}}
    await api("POST", "remotes", body=body)
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # the server now checks keys
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG")
    status, job = await api("POST", "push", body={**R, "remote": "cloud"})
    done = await wait_for(api, job["id"], timeout=30)
    assert done["status"] == "failed" and done["error"]["status"] == 502, done
    assert "access denied (wrong or missing credentials?)" in done["error"]["message"], done
    assert "AWS_ACCESS_KEY_ID" in done["error"]["hint"] and "AKIAWRONG" not in str(done), done
