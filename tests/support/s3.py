"""A real S3 API on loopback for tests: moto's ``ThreadedMotoServer``, with test credentials
set in the environment while it runs (and the previous values put back after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def loopback_s3(credentials: Mapping[str, str]) -> Iterator[str]:
    """Run an S3 server on 127.0.0.1 (a free port); yield its ``http://host:port`` endpoint."""
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in [*credentials, "AWS_DEFAULT_REGION"]}
    os.environ.update(credentials, AWS_DEFAULT_REGION="us-east-1")
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


def fresh_bucket(endpoint: str) -> str:
    """Create an empty bucket with a unique name on ``endpoint``; return its name."""
    import boto3

    bucket = "b" + uuid.uuid4().hex[:12]
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    return bucket
