"""A writer used by the crash tests: adds versions (and gc's) forever, printing each commit."""

from __future__ import annotations

import sys

import numpy as np

from mgit_lab.api import Repository


def main(path: str, prefix: str, seed: int) -> None:
    repo = Repository.open(path)
    rng = np.random.default_rng(seed)
    state = {f"layer{i}.weight": (rng.standard_normal((64, 64)).astype(np.float32), "float32") for i in range(6)}
    parent = None
    print("ready", flush=True)
    for step in range(10_000):
        for key, (arr, dtype) in list(state.items()):
            arr = arr.copy()
            arr[rng.integers(0, 64)] += np.float32(0.01)
            state[key] = (arr, dtype)
        name = f"{prefix}-{step}"
        repo.add_arrays(state, name, parents=[(parent, "finetune")] if parent else None)
        print(name, flush=True)
        parent = name
        if step % 4 == 3:
            repo.gc()
            print("gc", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
