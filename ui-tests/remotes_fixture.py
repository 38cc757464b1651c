"""Repositories for the Remotes Galata test (made by the test itself, under the server root).

python remotes_fixture.py ROOT team                -> team/alice (base -> ft), team/bob (empty)
python remotes_fixture.py ROOT add REPO NAME SEED  -> a version NAME (random, seeded) in REPO
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mgit_lab import Repository


def state(seed: int) -> dict[str, tuple[np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    return {f"layer{i}.weight": (rng.standard_normal(256).astype(np.float32), "float32") for i in range(4)}


def make_team(root: Path) -> None:
    alice = Repository.init(root / "team" / "alice")
    base = state(1)
    alice.add_arrays(base, "base", model_type="mlm", message="pre-trained")
    ft = {k: (a + 0.01, d) for k, (a, d) in base.items()}
    alice.add_arrays(ft, "ft", parents=[("base", "finetune")], model_type="mlm", message="fine-tuned")
    alice.close()
    Repository.init(root / "team" / "bob").close()


def add_version(repo: Path, name: str, seed: int) -> None:
    r = Repository.open(repo)
    r.add_arrays(state(seed), name, model_type="mlm")
    r.close()


if __name__ == "__main__":
    root = Path(sys.argv[1])
    if sys.argv[2] == "team":
        make_team(root)
    elif sys.argv[2] == "add":
        add_version(root / sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        raise SystemExit(__doc__)
