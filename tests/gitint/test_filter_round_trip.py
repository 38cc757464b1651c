"""Clean/smudge through git's long-running filter: exact bytes, clean status, history ops."""

from __future__ import annotations

import json
import subprocess

import torch

from mgit_lab.core.repository import Repository

from .conftest import base_state, finetuned, git, mgit, status, write


def _commit(repo, path, state, message):
    data = write(repo / path, state)
    git(repo, "add", path)
    git(repo, "commit", "-qm", message)
    return data


def test_commit_finetune_checkout_each_commit_exact(repo):
    v1 = _commit(repo, "model.safetensors", base_state(), "base")
    v2 = _commit(repo, "model.safetensors", finetuned(base_state(), ["layer0.weight"], 1), "ft1")
    v3 = _commit(repo, "model.safetensors", finetuned(base_state(), ["layer0.weight", "head.weight"], 2), "ft2")
    assert status(repo) == ""
    pointer = git(repo, "show", "HEAD:model.safetensors").stdout
    lines = pointer.splitlines()
    assert lines[0] == "mgit-pointer 1" and lines[3] == "file model.safetensors"
    assert [ln.split()[-1] for ln in lines[6:]] == sorted(base_state())  # one line per tensor, sorted
    assert "float32 32x32 layer0.weight" in pointer
    assert len(pointer) < 2000
    # the store holds a chain: each commit's version has the previous one as its parent
    store = Repository.open(repo)
    names = [json.loads(json.dumps(v.name)) for v in store.versions()]
    assert len(names) == 3
    ids = [
        git(repo, "show", f"{rev}:model.safetensors").stdout.splitlines()[1].split()[1]
        for rev in ("HEAD~2", "HEAD~1", "HEAD")
    ]
    assert [p.id for p, _r in store.graph.parents(ids[1])] == [ids[0]]
    assert [p.id for p, _r in store.graph.parents(ids[2])] == [ids[1]]
    store.close()
    revs = {r: git(repo, "rev-parse", r).stdout.strip() for r in ("HEAD~2", "HEAD~1", "HEAD")}
    for rev, data in ((revs["HEAD~2"], v1), (revs["HEAD~1"], v2), (revs["HEAD"], v3), (revs["HEAD~1"], v2)):
        git(repo, "checkout", "-q", rev)
        assert (repo / "model.safetensors").read_bytes() == data, rev
        assert status(repo) == ""
    # a fresh checkout from an empty work tree (one filter process for many files)
    git(repo, "checkout", "-q", "main")
    (repo / "model.safetensors").unlink()
    git(repo, "checkout", "--", ".")
    assert (repo / "model.safetensors").read_bytes() == v3


def test_clean_of_a_pointer_and_of_an_unchanged_file_is_the_identity(repo):
    _commit(repo, "model.safetensors", base_state(), "base")
    pointer = git(repo, "show", "HEAD:model.safetensors").stdout.encode()
    # touching the file makes git re-clean it: the same pointer, no new version
    (repo / "model.safetensors").touch()
    assert status(repo) == ""
    assert len(Repository.open(repo).versions()) == 1
    # a pointer file added as it is stays that pointer
    (repo / "copy.safetensors").write_bytes(pointer)
    git(repo, "add", "copy.safetensors")
    assert git(repo, "cat-file", "blob", ":copy.safetensors").stdout.encode() == pointer


def test_stash_rebase_cherry_pick_keep_status_clean(repo):
    v1 = _commit(repo, "model.safetensors", base_state(), "base")
    git(repo, "checkout", "-qb", "ft")
    v2 = _commit(repo, "model.safetensors", finetuned(base_state(), ["layer1.weight"], 3), "ft")
    git(repo, "checkout", "-q", "main")
    assert (repo / "model.safetensors").read_bytes() == v1
    (repo / "train.py").write_text("print('train more')\n")
    git(repo, "commit", "-qam", "code change")
    # stash a work-tree change to the checkpoint
    v_wip = write(repo / "model.safetensors", finetuned(base_state(), ["head.weight"], 4))
    git(repo, "stash", "-q")
    assert status(repo) == "" and (repo / "model.safetensors").read_bytes() == v1
    git(repo, "stash", "pop", "-q")
    assert (repo / "model.safetensors").read_bytes() == v_wip
    git(repo, "checkout", "-q", "--", "model.safetensors")
    assert status(repo) == ""
    # cherry-pick the fine-tune onto main
    git(repo, "cherry-pick", "ft")
    assert (repo / "model.safetensors").read_bytes() == v2 and status(repo) == ""
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    assert (repo / "model.safetensors").read_bytes() == v1 and status(repo) == ""
    # rebase the fine-tune branch onto main's code change
    git(repo, "checkout", "-q", "ft")
    git(repo, "rebase", "-q", "main")
    assert (repo / "model.safetensors").read_bytes() == v2 and status(repo) == ""
    assert (repo / "train.py").read_text() == "print('train more')\n"
    git(repo, "checkout", "-q", "HEAD~1")
    assert (repo / "model.safetensors").read_bytes() == v1 and status(repo) == ""


def test_torch_state_dict_and_a_folders_weight_file(repo):
    pt = _commit(repo, "ckpt/step1.pt", base_state(), "pt")
    folder = repo / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    weights = _commit(repo, "bert/pytorch_model.bin", base_state(5), "hf folder weights")
    git(repo, "add", "bert/config.json")
    git(repo, "commit", "-qm", "config")
    for path in ("ckpt/step1.pt", "bert/pytorch_model.bin"):
        assert git(repo, "show", f"HEAD:{path}").stdout.startswith("mgit-pointer 1\n")
    (repo / "ckpt/step1.pt").unlink()
    (repo / "bert/pytorch_model.bin").unlink()
    git(repo, "checkout", "--", ".")
    assert (repo / "ckpt/step1.pt").read_bytes() == pt
    assert (repo / "bert/pytorch_model.bin").read_bytes() == weights
    assert torch.equal(
        torch.load(repo / "ckpt/step1.pt", weights_only=True)["layer0.weight"], base_state()["layer0.weight"]
    )
    assert status(repo) == ""


def test_a_tracked_file_that_is_not_a_checkpoint_is_kept_as_it_is(repo):
    (repo / "notes.bin").write_bytes(b"just some bytes\x00\x01")
    done = git(repo, "add", "notes.bin")
    assert "not a checkpoint" in done.stderr
    git(repo, "commit", "-qm", "notes")
    assert git(repo, "cat-file", "blob", "HEAD:notes.bin").stdout == "just some bytes\x00\x01"
    (repo / "notes.bin").unlink()
    git(repo, "checkout", "--", "notes.bin")
    assert (repo / "notes.bin").read_bytes() == b"just some bytes\x00\x01"
    assert status(repo) == ""


def test_a_corrupted_pointer_fails_the_checkout_with_its_name(repo):
    _commit(repo, "model.safetensors", base_state(), "base")
    pointer = git(repo, "show", "HEAD:model.safetensors").stdout
    bad = pointer.replace("float32 32x32 layer0.weight", "float32 32xZ layer0.weight")
    done = subprocess.run(
        ["git", "hash-object", "-w", "--no-filters", "--stdin"], cwd=repo, input=bad, capture_output=True, text=True
    )
    oid = done.stdout.strip()
    git(repo, "update-index", "--cacheinfo", f"100644,{oid},model.safetensors")
    git(repo, "commit", "-qm", "damage")
    before = (repo / "model.safetensors").read_bytes()
    (repo / "model.safetensors").unlink()
    failed = git(repo, "checkout", "--", "model.safetensors", check=False)
    assert failed.returncode != 0
    assert "model.safetensors holds a damaged mgit pointer (line 10 has a bad shape)" in failed.stderr
    assert "git checkout <commit> -- PATH" in failed.stderr
    assert not (repo / "model.safetensors").exists()  # nothing half-made written
    git(repo, "checkout", "HEAD~1", "--", "model.safetensors")
    assert (repo / "model.safetensors").read_bytes() == before
    # committing the damaged pointer text itself is refused by clean
    (repo / "other.safetensors").write_text(bad)
    refused = git(repo, "add", "other.safetensors", check=False)
    assert refused.returncode != 0 and "damaged mgit pointer" in refused.stderr
    assert mgit(repo, "git", "check", check=False).returncode == 0  # the index holds the good pointer again
