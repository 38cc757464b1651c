"""Remotes under test: a folder, and a real S3 API served on loopback by moto's server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state

from mgit_lab.api import Repository

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mgit-test-key", "AWS_SECRET_ACCESS_KEY": "mgit-test-secret-do-not-leak"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a moto S3 server running for the whole session."""
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in [*CREDENTIALS, "AWS_DEFAULT_REGION"]}
    os.environ.update(CREDENTIALS, AWS_DEFAULT_REGION="us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def s3_remote(s3_endpoint: str) -> tuple[str, dict[str, str]]:
    """(url, options) of an empty prefix in a fresh bucket."""
    import boto3

    bucket = "b" + uuid.uuid4().hex[:12]
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/team/models", {"endpoint_url": s3_endpoint}


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
