"""Real git repositories with mgit installed, and small checkpoints to put in them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

MGIT = [sys.executable, "-m", "mgit_lab.cli"]


@pytest.fixture(autouse=True)
def _git_env(tmp_path, monkeypatch):
    """No user or system git config: HOME is a temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def mgit(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*MGIT, *args], cwd=repo, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"mgit {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain").stdout


def base_state(seed: int = 0, width: int = 32) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "embed.weight": torch.randn(50, width, generator=g),
        "layer0.weight": torch.randn(width, width, generator=g),
        "layer0.bias": torch.randn(width, generator=g),
        "layer1.weight": torch.randn(width, width, generator=g),
        "head.weight": torch.randn(3, width, generator=g),
    }


def finetuned(state: dict[str, torch.Tensor], names: list[str], seed: int, scale: float = 1e-2) -> dict:
    g = torch.Generator().manual_seed(seed)
    out = {k: v.clone() for k, v in state.items()}
    for name in names:
        out[name] = out[name] + scale * torch.randn(out[name].shape, generator=g)
    return out


def write(path: Path, state: dict[str, torch.Tensor]) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".safetensors":
        save_file(state, str(path), metadata={"format": "pt"})
    else:
        torch.save(state, path)
    return path.read_bytes()


def read(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with mgit installed and ``*.safetensors`` tracked (committed)."""
    root = tmp_path / "work"
    root.mkdir()
    git(root, "init", "-q")
    mgit(root, "git", "install")
    mgit(root, "track", "*.safetensors", "*.pt", "*.bin")
    (root / "train.py").write_text("print('train')\n")
    git(root, "add", ".gitattributes", "train.py")
    git(root, "commit", "-qm", "code")
    return root
