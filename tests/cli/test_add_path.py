"""`mgit add` of a safetensors file whose parent is stored: what the command loads and how
often it touches the file's bytes.  Issue 10's speed target checked by its mechanism, not by
a stopwatch: a regression here (torch or tqdm back on the path, the file read or hashed
twice) costs tenths of a second at the benchmark's 90 MB."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from mgit_lab.api import Repository
from mgit_lab.cli import main

ROOT = Path(__file__).resolve().parents[2]
#: none of these is needed to add a safetensors file (importlib.metadata: plugin entry points)
HEAVY = ("torch", "transformers", "tqdm", "fsspec", "networkx", "scipy", "safetensors", "importlib.metadata")

#: runs `mgit add` as the executable does, counting opens of the file and bytes hashed
PROBE = """
import json, os, sys
child = os.path.abspath(sys.argv[1])
opens = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        if os.path.abspath(os.fsdecode(args[0])) == child:
            opens.append(args)
sys.addaudithook(hook)
from mgit_lab.core.store import hashing
hashed = []
real_update = hashing.ObjectHasher.update
def update(self, part):
    hashed.append(int(part.nbytes))
    real_update(self, part)
hashing.ObjectHasher.update = update
from mgit_lab.cli import main
sys.argv = ["mgit", "add", sys.argv[1], "--name", "child"]
code = main()
heavy = sorted(m for m in %r if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "opens": len(opens), "hashed": hashed}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def added(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("addpath")
    rng = np.random.default_rng(0)
    parent = {f"l{i}.weight": rng.standard_normal((64, 48)).astype(np.float32) for i in range(3)}
    parent["l0.bias"] = np.zeros(64, dtype=np.float32)
    child = {k: v + (1e-3 * rng.standard_normal(v.shape)).astype(np.float32) for k, v in parent.items()}
    save_file(parent, str(root / "parent.safetensors"))
    save_file(child, str(root / "child.safetensors"))
    Repository.init(root / "r").add(root / "parent.safetensors", name="parent")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MGIT_THREADS", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), str(root / "child.safetensors")],
        cwd=root / "r",
        env=env,
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return {**report, "stdout": proc.stdout, "root": root, "child": child}


def test_add_infers_the_parent_and_stores_the_file(added):
    assert added["code"] == 0
    assert "added child" in added["stdout"] and "finetune of parent" in added["stdout"]
    repo = Repository.open(added["root"] / "r")
    arrays = repo.checkout_arrays("child")
    raw = (added["root"] / "child.safetensors").read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert list(arrays) == [k for k in header if k != "__metadata__"]  # the header's order
    for name, value in added["child"].items():
        assert np.array_equal(arrays[name][0], value)
    assert repo.verify().ok


def test_add_of_a_safetensors_file_loads_no_heavy_library(added):
    assert added["heavy"] == []


def test_add_opens_the_file_once(added):
    # mapped once for the files record; the tensors are views of those bytes (a second read,
    # e.g. by the torch-free reader, was 90 MB read and copied again)
    assert added["opens"] == 1


def test_add_hashes_each_tensor_once(added):
    # content ids (BLAKE3): every tensor once, plus the file's header bytes, which is stored
    # as an object of its own; the files record reuses the tensors' ids (same memory)
    size = (added["root"] / "child.safetensors").stat().st_size
    tensors = [a.nbytes for a in added["child"].values()]
    header = size - 8 - sum(tensors)
    assert sorted(added["hashed"]) == sorted([*tensors, header])


def test_main_called_in_process_leaves_the_garbage_collector_alone(added, monkeypatch):
    monkeypatch.chdir(added["root"] / "r")
    before = gc.get_freeze_count()
    assert main(["log"]) == 0
    assert gc.get_freeze_count() == before  # only the executable's own run freezes (it ends)
