"""Clones with and without the .mgit store, and a filter process killed mid-checkout."""

from __future__ import annotations

import shutil
import sys
import textwrap

from .conftest import MGIT, base_state, finetuned, git, mgit, status, write


def _two_models(repo):
    a = write(repo / "a.safetensors", base_state(0))
    b = write(repo / "b.safetensors", base_state(1))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "models")
    return a, b


def test_clone_without_the_store_keeps_pointers_and_says_how_to_fetch(repo, tmp_path):
    a, b = _two_models(repo)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-checkout", str(repo), str(clone))
    mgit(clone, "git", "install")
    done = git(clone, "checkout", "-q", "main")
    assert "a.safetensors: this repository has no .mgit store; the file holds its mgit pointer" in done.stderr
    assert "`mgit pull`" in done.stderr and "mgit git checkout a.safetensors" in done.stderr
    assert (clone / "a.safetensors").read_bytes().startswith(b"mgit-pointer 1\n")  # never a broken checkpoint
    assert status(clone) == ""
    found = mgit(clone, "git", "check", check=False)
    assert found.returncode == 1 and "the work tree holds the pointer" in found.stdout
    # the objects arrive (here: a copy of the store), then mgit git checkout writes the files
    shutil.copytree(repo / ".mgit", clone / ".mgit")
    out = mgit(clone, "git", "checkout").stdout
    assert "wrote a.safetensors" in out and "wrote b.safetensors" in out
    assert (clone / "a.safetensors").read_bytes() == a and (clone / "b.safetensors").read_bytes() == b
    assert status(clone) == "" and mgit(clone, "git", "check").returncode == 0


def test_clone_with_the_store_checks_out_exact_files(repo, tmp_path):
    a, b = _two_models(repo)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-checkout", str(repo), str(clone))
    shutil.copytree(repo / ".mgit", clone / ".mgit")
    mgit(clone, "git", "install")
    git(clone, "checkout", "-q", "main")
    assert (clone / "a.safetensors").read_bytes() == a and (clone / "b.safetensors").read_bytes() == b
    assert status(clone) == ""


KILLER = textwrap.dedent(
    """
    # a stand-in for the filter that git talks to: it relays to the real filter process and
    # kills it (SIGKILL) as soon as the second smudge request has been passed on
    import os, signal, subprocess, sys, threading
    child = subprocess.Popen({mgit!r} + ["git", "filter-process"], stdin=subprocess.PIPE, stdout=sys.stdout.buffer)
    seen = 0
    src = sys.stdin.buffer
    while True:
        head = src.read(4)
        if not head:
            break
        size = int(head, 16)
        payload = src.read(size - 4) if size > 4 else b""
        child.stdin.write(head + payload)
        child.stdin.flush()
        if payload.startswith(b"command=smudge"):
            seen += 1
            if seen == 2:
                child.kill()
                child.wait()
                sys.exit(1)
    child.stdin.close()
    child.wait()
    """
)


def test_a_filter_process_killed_mid_checkout_leaves_no_broken_file(repo, tmp_path):
    states = [base_state(i) for i in range(4)]
    for i, s in enumerate(states):
        write(repo / f"m{i}.safetensors", s)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "v1")
    new = {}
    for i, s in enumerate(states):
        new[f"m{i}.safetensors"] = write(repo / f"m{i}.safetensors", finetuned(s, ["layer0.weight"], 10 + i))
    git(repo, "commit", "-qam", "v2")
    old = {}
    git(repo, "checkout", "-q", "HEAD~1")
    for i in range(4):
        old[f"m{i}.safetensors"] = (repo / f"m{i}.safetensors").read_bytes()
    killer = tmp_path / "killer.py"
    killer.write_text(KILLER.format(mgit=MGIT))
    real = git(repo, "config", "filter.mgit.process").stdout.strip()
    git(repo, "config", "filter.mgit.process", f"{sys.executable} {killer}")
    failed = git(repo, "checkout", "-q", "main", check=False)
    assert failed.returncode != 0 and "smudge filter mgit failed" in failed.stderr
    for path in new:  # every file is whole: the old bytes, the new bytes, or not there
        data = (repo / path).read_bytes() if (repo / path).exists() else None
        assert data in (old[path], new[path], None), path
    git(repo, "config", "filter.mgit.process", real)
    git(repo, "checkout", "-q", "-f", "main")
    for path, data in new.items():
        assert (repo / path).read_bytes() == data
    assert status(repo) == ""
