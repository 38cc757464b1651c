"""git merge of checkpoints: single-sided changes merge, conflicts stay conflicts."""

from __future__ import annotations

from safetensors.torch import load_file

from .conftest import base_state, finetuned, git, mgit, status, write


def _branches(repo, ours_names, theirs_names):
    base = base_state()
    write(repo / "model.safetensors", base)
    git(repo, "add", "model.safetensors")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "theirs")
    theirs = finetuned(base, theirs_names, 2)
    write(repo / "model.safetensors", theirs)
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    ours = finetuned(base, ours_names, 1)
    write(repo / "model.safetensors", ours)
    git(repo, "commit", "-qam", "ours")
    return base, ours, theirs


def test_single_sided_changes_merge_automatically(repo):
    base, ours, theirs = _branches(repo, ["layer0.weight"], ["head.weight"])
    done = git(repo, "merge", "-q", "--no-edit", "theirs")
    assert "CONFLICT" not in done.stdout
    merged = load_file(str(repo / "model.safetensors"))
    assert merged["layer0.weight"].equal(ours["layer0.weight"])
    assert merged["head.weight"].equal(theirs["head.weight"])
    assert merged["embed.weight"].equal(base["embed.weight"])
    assert status(repo) == ""
    pointer = git(repo, "show", "HEAD:model.safetensors").stdout
    assert pointer.startswith("mgit-pointer 1\n")
    diff = git(repo, "diff", "HEAD~1", "HEAD").stdout
    assert "~ head.weight" in diff and "layer0.weight" not in diff


def test_conflicting_parameters_leave_the_file_conflicted(repo):
    base, ours, theirs = _branches(repo, ["layer0.weight", "head.weight"], ["head.weight"])
    done = git(repo, "merge", "--no-edit", "theirs", check=False)
    assert done.returncode != 0 and "CONFLICT" in done.stdout
    assert "1 tensors changed on both sides" in done.stderr
    note = (repo / "model.safetensors").read_text()
    assert note.startswith("mgit-merge-conflict 1\n") and "conflict head.weight" in note
    assert "mgit git resolve model.safetensors --ours" in note
    assert "UU model.safetensors" in status(repo)
    # adding the note is refused: it is not a model
    refused = git(repo, "add", "model.safetensors", check=False)
    assert refused.returncode != 0 and "unfinished mgit merge" in refused.stderr
    assert "mgit git resolve" in mgit(repo, "git", "check", check=False).stdout
    out = mgit(repo, "git", "resolve", "model.safetensors", "--theirs").stdout
    assert "resolved model.safetensors (1 conflicting tensors, --theirs)" in out
    merged = load_file(str(repo / "model.safetensors"))
    assert merged["head.weight"].equal(theirs["head.weight"])
    assert merged["layer0.weight"].equal(ours["layer0.weight"])
    git(repo, "commit", "-qm", "merged")
    assert status(repo) == ""


def test_a_configured_strategy_settles_conflicts(repo):
    base, ours, theirs = _branches(repo, ["head.weight"], ["head.weight", "layer1.weight"])
    git(repo, "config", "mgit.mergeStrategy", "ours")
    git(repo, "merge", "-q", "--no-edit", "theirs")
    merged = load_file(str(repo / "model.safetensors"))
    assert merged["head.weight"].equal(ours["head.weight"])
    assert merged["layer1.weight"].equal(theirs["layer1.weight"])
    assert status(repo) == ""


def test_resolve_with_an_explicit_method_averages(repo):
    base, ours, theirs = _branches(repo, ["head.weight"], ["head.weight"])
    git(repo, "merge", "--no-edit", "theirs", check=False)
    mgit(repo, "git", "resolve", "model.safetensors", "--method", "average")
    merged = load_file(str(repo / "model.safetensors"))
    assert merged["head.weight"].allclose((ours["head.weight"] + theirs["head.weight"]) / 2, atol=1e-6)
    git(repo, "commit", "-qm", "averaged on purpose")
    assert status(repo) == ""
