"""The pre-push hook finds the versions the pushed commits need."""

from __future__ import annotations

from mgit_lab.gitint.push_hook import pushed_versions

from .conftest import base_state, finetuned, git, mgit, write


def test_pre_push_names_the_pushed_versions_and_warns_without_an_mgit_remote(repo, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    write(repo / "model.safetensors", base_state())
    git(repo, "add", "model.safetensors")
    git(repo, "commit", "-qm", "base")
    first = git(repo, "show", "HEAD:model.safetensors").stdout.splitlines()[1].split()[1]
    done = git(repo, "push", "-q", "origin", "main")
    assert "no mgit remote is set up" in done.stderr and "mgit remote add origin URL" in done.stderr
    # the next push names only the new commit's version
    write(repo / "model.safetensors", finetuned(base_state(), ["head.weight"], 1))
    git(repo, "commit", "-qam", "ft")
    second = git(repo, "show", "HEAD:model.safetensors").stdout.splitlines()[1].split()[1]
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    old = git(repo, "rev-parse", "origin/main").stdout.strip()
    line = f"refs/heads/main {head} refs/heads/main {old}\n"
    assert pushed_versions(repo, "origin", line) == [second]
    assert first != second
    assert pushed_versions(repo, "origin", f"refs/heads/main {head} refs/heads/main {'0' * 40}\n") == [second]


def test_git_push_sends_the_versions_to_the_mgit_remote(repo, tmp_path):
    import json

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    mgit(repo, "init")  # the store (the filter would make it on the first add too)
    mgit(repo, "remote", "add", "origin", str(tmp_path / "objects"))
    write(repo / "model.safetensors", base_state())
    git(repo, "add", "model.safetensors")
    git(repo, "commit", "-qm", "base")
    version = git(repo, "show", "HEAD:model.safetensors").stdout.splitlines()[1].split()[1]
    done = git(repo, "push", "-q", "origin", "main")
    assert "to mgit remote 'origin'" in done.stderr
    lineage = json.loads((tmp_path / "objects" / "lineage.json").read_text())
    assert version in json.dumps(lineage)
