"""Pushes in processes of their own: two at once lose nothing; one killed resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state, same_state

from mgit_lab.api import Repository
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.config import get_remote
from mgit_lab.core.remotes.fetch import pull
from mgit_lab.core.remotes.lineage_slot import LineageSlot
from mgit_lab.core.remotes.packs import INDEX_SUFFIX, PARALLEL, Catalogue
from mgit_lab.core.remotes.push import push
from mgit_lab.core.remotes.transport import RemoteFS
from mgit_lab.core.verbs.clone import clone

PUSHER = Path(__file__).with_name("pusher.py")


def _pusher(repo: Path, *flags: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    return subprocess.Popen(
        [sys.executable, str(PUSHER), str(repo), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("mode", ["conditional", "lock"])
def test_two_concurrent_pushers_lose_no_version(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path, mode: str
) -> None:
    url, options = remote
    if mode == "conditional" and not url.startswith("s3://"):
        pytest.skip("a folder has no conditional writes: it always uses the lock")
    status.add(source, "origin", url, options)
    push(source)
    a, _ = clone(url, tmp_path / "a", options=options)
    b, _ = clone(url, tmp_path / "b", options=options)
    a.add_arrays(finetuned(layer_state(), 11), "from-a", parents=[("ft", "finetune")])
    b.add_arrays(finetuned(layer_state(), 12), "from-b", parents=[("ft", "finetune")])
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    # conditional: both read the same lineage before either swaps; lock: the two overlap
    flags = ["--lock", "--slow-union", "0.5"] if mode == "lock" else ["--barrier", str(barrier)]
    procs = [_pusher(tmp_path / "a", *flags), _pusher(tmp_path / "b", *flags)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reports = [json.loads(o.strip().splitlines()[-1]) for o, _ in outs]
    assert sorted(r["versions"][0] for r in reports) == ["from-a", "from-b"]
    if mode == "conditional":
        assert max(r["attempts"] for r in reports) >= 2  # one lost the race, re-read, combined
    pull(source)
    assert sorted(v.name for v in source.versions()) == ["base", "from-a", "from-b", "ft"]
    assert same_state(a, source, "from-a") and same_state(b, source, "from-b")


def _complete_packs(url: str, options: dict[str, str]) -> int:
    if not url.startswith("s3://"):
        folder = Path(url) / "packs"
        return len(list(folder.glob("*" + INDEX_SUFFIX))) if folder.is_dir() else 0
    import boto3

    bucket, _, prefix = url[5:].partition("/")
    got = boto3.client("s3", endpoint_url=options["endpoint_url"]).list_objects_v2(
        Bucket=bucket, Prefix=f"{prefix}/packs/"
    )
    return sum(o["Key"].endswith(INDEX_SUFFIX) for o in got.get("Contents", []))


HOLD_AFTER = 64_000  # bytes of complete packs before the kill


def test_a_killed_push_resumes_sending_only_the_rest(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    # the pusher reports each pack completed on the remote; once 64 KB of packs are there,
    # its sending threads stop after the pack they are on: the kill lands mid-transfer at a
    # checkpoint, not after a guessed delay
    proc = _pusher(source.root, "--hold-after", str(HOLD_AFTER))
    assert proc.stdout is not None
    packs_done, bytes_done = 0, 0
    while bytes_done < HOLD_AFTER:
        line = proc.stdout.readline()
        assert line, proc.communicate()  # the pusher ended before its checkpoint
        if line.startswith("checkpoint "):
            packs_done, bytes_done = (int(x) for x in line.split()[1:3])
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    arrived = _complete_packs(url, options)
    # at least the checkpoint's packs, at most one more per other sending thread; no lineage yet
    assert packs_done <= arrived <= packs_done + PARALLEL - 1, (arrived, packs_done)
    rfs = RemoteFS(get_remote(source.mgit_dir, "origin"))
    assert LineageSlot(rfs).read() is None
    already = set(Catalogue(rfs, None).load().objects)

    total = sum(source.store.info(o).stored_nbytes for o in source.store.object_ids())
    resumed = push(source)
    assert resumed.versions == ["base", "ft"]
    assert 0 < resumed.objects < len(source.store.object_ids())
    # only what did not arrive is sent again: at least 64 KB of packs arrived before the kill,
    # of which at most 16 KB are outweighed by the manifests, indexes and lineage sent now
    assert resumed.bytes_sent < total - 48_000, (resumed.bytes_sent, total, arrived)
    assert resumed.objects == len(set(source.store.object_ids()) - already)  # exactly the rest
    check, _ = clone(url, tmp_path / "check", options=options)
    assert same_state(source, check, "base") and same_state(source, check, "ft")
