"""mgit git install / mgit track / mgit git check against the real git binary."""

from __future__ import annotations

from pathlib import Path

from .conftest import base_state, git, mgit, status, write


def test_install_writes_local_config_hook_and_exclude(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    out = mgit(root, "git", "install").stdout
    assert "--local" in out
    config = git(root, "config", "--local", "--list").stdout
    assert "filter.mgit.process=" in config and "git filter-process" in config
    assert "filter.mgit.required=true" in config
    assert "diff.mgit.command=" in config and "diff.mgit.textconv=" in config
    assert "merge.mgit.driver=" in config and "%O %A %B %P" in config
    hook = root / ".git" / "hooks" / "pre-push"
    assert "git pre-push" in hook.read_text() and hook.stat().st_mode & 0o100
    assert "/.mgit/" in (root / ".git" / "info" / "exclude").read_text().split("\n")
    mgit(root, "git", "install")  # twice: the same, the hook not doubled
    assert hook.read_text().count('git pre-push "$@"') == 1


def test_install_global_writes_the_users_config(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    mgit(root, "git", "install", "--global")
    assert "git filter-process" in git(root, "config", "--global", "filter.mgit.process").stdout
    assert "git filter-process" in (Path.home() / ".gitconfig").read_text()
    assert "filter.mgit" not in git(root, "config", "--local", "--list").stdout


def test_track_adds_attribute_lines_once(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    mgit(root, "track", "*.safetensors")
    mgit(root, "track", "*.safetensors", "my model.pt")
    lines = (root / ".gitattributes").read_text().splitlines()
    assert lines == [
        "*.safetensors filter=mgit diff=mgit merge=mgit -text",
        "my[[:space:]]model.pt filter=mgit diff=mgit merge=mgit -text",
    ]
    attr = git(root, "check-attr", "filter", "--", "my model.pt").stdout
    assert attr.strip().endswith("filter: mgit")


def test_track_says_when_the_filter_is_not_installed(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    assert "mgit git install" in mgit(root, "track", "*.pt").stdout


def test_check_finds_a_checkpoint_committed_without_the_filter(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    mgit(root, "track", "*.safetensors")  # tracked, but no install: git stores the raw file
    raw = write(root / "model.safetensors", base_state())
    git(root, "add", ".")
    git(root, "commit", "-qm", "raw")
    done = mgit(root, "git", "check", check=False)
    assert done.returncode == 1
    assert "the mgit filter is not installed" in done.stdout and "fix: mgit git install" in done.stdout
    assert "model.safetensors: a raw checkpoint is committed" in done.stdout
    assert "mgit git install && git add --renormalize model.safetensors && git commit" in done.stdout
    # after the fix the check passes, the raw blob became a pointer, the file is the same
    mgit(root, "git", "install")
    git(root, "add", "--renormalize", "model.safetensors")
    git(root, "commit", "-qm", "renormalize")
    assert git(root, "show", "HEAD:model.safetensors").stdout.startswith("mgit-pointer 1\n")
    assert mgit(root, "git", "check").returncode == 0
    assert (root / "model.safetensors").read_bytes() == raw
    assert status(root) == ""


def test_smudge_of_a_raw_checkpoint_warns_with_the_same_fix(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    mgit(root, "track", "*.safetensors")
    raw = write(root / "model.safetensors", base_state())
    git(root, "add", ".")
    git(root, "commit", "-qm", "raw")
    mgit(root, "git", "install")
    (root / "model.safetensors").unlink()
    done = git(root, "checkout", "--", "model.safetensors")
    assert "committed without the mgit filter" in done.stderr
    assert "git add --renormalize model.safetensors" in done.stderr
    assert (root / "model.safetensors").read_bytes() == raw  # the bytes git holds, unchanged


def test_a_checkout_without_the_filter_is_found_by_check(repo, tmp_path):
    write(repo / "model.safetensors", base_state())
    git(repo, "add", "model.safetensors")
    git(repo, "commit", "-qm", "model")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))  # the user's clone: nothing installed
    assert (clone / "model.safetensors").read_bytes().startswith(b"mgit-pointer 1\n")
    done = mgit(clone, "git", "check", check=False)
    assert done.returncode == 1
    assert "the work tree holds the pointer" in done.stdout
    assert (
        "fix: mgit git install && fetch the objects (`mgit pull` from the mgit remote, or copy the .mgit store)"
        " && mgit git checkout model.safetensors" in done.stdout
    )
