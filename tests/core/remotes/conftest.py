"""Remotes under test: a folder, and a real S3 API served on loopback by moto's server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state

from mgit_lab.api import Repository
from tests.support.s3 import fresh_bucket, loopback_s3

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mgit-test-key", "AWS_SECRET_ACCESS_KEY": "mgit-test-secret-do-not-leak"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a moto S3 server running for the whole session."""
    with loopback_s3(CREDENTIALS) as endpoint:
        yield endpoint


@pytest.fixture
def s3_remote(s3_endpoint: str) -> tuple[str, dict[str, str]]:
    """(url, options) of an empty prefix in a fresh bucket."""
    return f"s3://{fresh_bucket(s3_endpoint)}/team/models", {"endpoint_url": s3_endpoint}


@pytest.fixture(params=["folder", "s3"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """Each test using it runs against a folder remote and an S3 remote."""
    if request.param == "folder":
        return str(tmp_path / "shared"), {}
    return request.getfixturevalue("s3_remote")


@pytest.fixture
def source(tmp_path: Path) -> Repository:
    """A repository with base -> ft."""
    repo = Repository.init(tmp_path / "source")
    base = layer_state()
    repo.add_arrays(base, "base")
    repo.add_arrays(finetuned(base, 1), "ft", parents=[("base", "finetune")])
    return repo
