"""Damaged remote objects, wrong credentials, an unreachable endpoint, secrets kept out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from remote_cases import finetuned, layer_state, same_state

from mgit_lab.api import Repository
from mgit_lab.cli import main
from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.fetch import pull
from mgit_lab.core.remotes.packs import INDEX_SUFFIX, PACK_SUFFIX
from mgit_lab.core.remotes.push import push
from mgit_lab.core.remotes.transport import RemoteError
from mgit_lab.core.verbs.clone import clone

SECRET = "mgit-test-secret-do-not-leak"


class RemoteFiles:
    """Reads and writes the remote's files behind mgit's back (folder or S3)."""

    def __init__(self, url: str, options: dict[str, str]) -> None:
        self.url = url
        if url.startswith("s3://"):
            self.bucket, _, self.prefix = url[5:].partition("/")
            self.s3 = boto3.client("s3", endpoint_url=options["endpoint_url"])

    def names(self, folder: str) -> list[str]:
        if not self.url.startswith("s3://"):
            return sorted(p.name for p in (Path(self.url) / folder).iterdir())
        got = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=f"{self.prefix}/{folder}/")
        return sorted(o["Key"].rsplit("/", 1)[-1] for o in got.get("Contents", []))

    def read(self, rel: str) -> bytes:
        if not self.url.startswith("s3://"):
            return (Path(self.url) / rel).read_bytes()
        return self.s3.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{rel}")["Body"].read()

    def write(self, rel: str, data: bytes) -> None:
        if not self.url.startswith("s3://"):
            (Path(self.url) / rel).write_bytes(data)
        else:
            self.s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}/{rel}", Body=data)


def _pack_of(files: RemoteFiles, oid: str) -> tuple[str, list[int]]:
    for name in files.names("packs"):
        if name.endswith(INDEX_SUFFIX):
            doc = json.loads(files.read(f"packs/{name}"))
            if oid in doc["objects"]:
                return name[: -len(INDEX_SUFFIX)], doc["objects"][oid]["chunks"][0]
    raise AssertionError(oid)


def test_corrupted_and_truncated_objects_are_refused_and_the_rest_completes(
    remote: tuple[str, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, options = remote
    repo = Repository.init(tmp_path / "src")
    status.add(repo, "origin", url, options)
    base = layer_state()
    repo.add_arrays(base, "base")
    push(repo)
    repo.add_arrays(finetuned(base, 1, touched=1), "ft-a", parents=[("base", "finetune")])
    push(repo)  # ft-a's changed tensor: alone in a pack
    repo.add_arrays(finetuned(base, 2, touched=1), "ft-b", parents=[("base", "finetune")])
    push(repo)
    files = RemoteFiles(url, options)
    oid_a = repo.version("ft-a").manifest["l0.weight"].oid
    oid_b = repo.version("ft-b").manifest["l0.weight"].oid
    pack_a, (off, length, _, _) = _pack_of(files, oid_a)
    blob = bytearray(files.read(f"packs/{pack_a}{PACK_SUFFIX}"))
    for i in range(off + length // 3, off + length // 3 + 16):
        blob[i] ^= 0x5A
    files.write(f"packs/{pack_a}{PACK_SUFFIX}", bytes(blob))  # corrupted
    pack_b, _ = _pack_of(files, oid_b)
    blob_b = files.read(f"packs/{pack_b}{PACK_SUFFIX}")
    files.write(f"packs/{pack_b}{PACK_SUFFIX}", blob_b[: len(blob_b) - 100])  # truncated

    target = Repository.init(tmp_path / "dst")
    status.add(target, "origin", url, options)
    report = pull(target)
    assert not report.ok
    refused = {r["object"]: r for r in report.refused}
    assert set(refused) == {oid_a, oid_b}
    assert refused[oid_a]["versions"] == ["ft-a"] and refused[oid_b]["versions"] == ["ft-b"]
    assert "truncated" in refused[oid_b]["reason"]
    assert report.skipped_versions == ["ft-a", "ft-b"]
    assert [v.name for v in target.versions()] == ["base"]  # the rest completed
    assert same_state(repo, target, "base") and target.verify().ok
    assert not target.store.has(oid_a) and not target.store.has(oid_b)  # never visible

    # the CLI names the object and the versions, exit code 1
    assert main(["-C", str(tmp_path / "dst"), "pull"]) == 1
    err = capsys.readouterr().out
    assert f"REFUSED object {oid_a[:12]}" in err and "needed by: ft-a" in err


def test_wrong_credentials_is_a_clear_error(
    s3_remote: tuple[str, dict[str, str]], source: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import settings

    url, options = s3_remote
    status.add(source, "origin", url, options)
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # the server now checks keys
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG")
    with pytest.raises(RemoteError, match="access denied") as err:
        push(source)
    assert "AWS_ACCESS_KEY_ID" in str(err.value) and "AKIAWRONG" not in str(err.value)


def test_unreachable_endpoint_fails_fast(source: Repository, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status.add(source, "origin", "s3://bucket/models", {"endpoint_url": f"http://127.0.0.1:{port}"})
    start = time.monotonic()
    with pytest.raises(RemoteError, match="cannot be reached"):
        push(source)
    assert time.monotonic() - start < 15
    with pytest.raises(RemoteError, match="cannot be reached"):
        clone("s3://bucket/models", tmp_path / "c", options={"endpoint_url": f"http://127.0.0.1:{port}"})
    assert not (tmp_path / "c").exists()  # a failed clone leaves nothing behind


def test_credentials_are_never_stored_or_shown(
    s3_remote: tuple[str, dict[str, str]],
    source: Repository,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, options = s3_remote
    with pytest.raises(InvalidInput, match="credentials"):
        status.add(source, "x", f"s3://KEY:{SECRET}@bucket/p")
    with pytest.raises(InvalidInput, match="credentials"):
        status.add(source, "x", url, {"aws_secret_access_key": SECRET})
    with pytest.raises(InvalidInput, match="credentials"):
        status.add(source, "x", url, {"endpoint_url": f"http://u:{SECRET}@127.0.0.1:1"})
    status.add(source, "origin", url, options)
    caplog.set_level("DEBUG")
    root = str(source.root)
    assert main(["-C", root, "-v", "push"]) == 0
    assert main(["-C", root, "remote", "list", "--json"]) == 0
    out = capsys.readouterr()
    files = RemoteFiles(url, options)
    texts = [
        out.out,
        out.err,
        caplog.text,
        (source.mgit_dir / "config.json").read_text(),
        files.read("lineage.json").decode(),
        *(p.read_text() for p in (source.mgit_dir / "remotes").rglob("*.json")),
    ]
    assert all(SECRET not in t and "mgit-test-key" not in t for t in texts)
    assert '"remotes"' in out.out and url in out.out
