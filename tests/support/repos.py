"""Shared fixtures-as-functions for the model-test, merge and cascade tests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, get_type_hints

import torch

from mgit_lab.api import Repository
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from tests.support.models import Tiny


def tiny(seed: int = 0, **init: Any) -> Tiny:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return Tiny(**init)


def add_model(repo: Repository, model: torch.nn.Module, name: str, **kwargs: Any):
    kwargs.setdefault("model_type", "tiny")
    return repo.add_arrays(model_state(model), name, architecture=architecture_of(model), **kwargs)


def snapshot(repo: Repository) -> dict[str, str]:
    """Digest of every file under .mgit except the lock: equal snapshots = unchanged repository."""
    out = {}
    for p in sorted(repo.mgit_dir.rglob("*")):
        if p.is_file() and p.name != "lock":
            out[str(p.relative_to(repo.mgit_dir))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def assert_shape(payload: dict, typed_dict: type) -> None:
    """``payload`` has exactly the keys of the schema TypedDict."""
    assert set(payload) == set(get_type_hints(typed_dict)), (
        sorted(payload),
        sorted(get_type_hints(typed_dict)),
    )


def path_of(repo: Repository) -> Path:
    return repo.root
