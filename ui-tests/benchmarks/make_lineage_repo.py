"""Create a real repository with a generated lineage for the panel's browser benchmark.

    python make_lineage_repo.py FOLDER COUNT [SEED]

The mix is the one of src/__tests__/generateLineage.ts: chains of 1-8 versions (fine-tune,
version, prune, quantize, distill, adapter), sweeps of 20-50 sibling fine-tunes, merges of
two tips and new roots; every version stores one small tensor (the panel's speed does not
depend on tensor sizes). Prints the seconds it took.
"""

from __future__ import annotations

import random
import sys
import time

import numpy as np

from mgit_lab import Repository

RELATIONS = ["finetune", "version", "prune", "quantize", "distill", "adapter"]
TYPES = ["mlm", "classifier", "ner", "qa", None]


def build(folder: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    repo = Repository.init(folder)
    names: list[str] = []

    def add(parents: list[tuple[str, str]]) -> str:
        name = f"model-{len(names)}"
        w = np.full(4, len(names), dtype=np.float32)
        repo.add_arrays({"w": (w, "float32")}, name, parents=parents, model_type=rng.choice(TYPES))
        names.append(name)
        return name

    tips = [add([])]
    while len(names) < count:
        pick = rng.choice(tips)
        r = rng.random()
        if r < 0.15:
            last = pick
            for _ in range(min(rng.randint(20, 50), count - len(names))):
                last = add([(pick, "finetune")])
            tips.append(last)
        elif r < 0.22 and len(tips) > 1:
            other = rng.choice(tips)
            if other != pick:
                tips.append(add([(pick, "merge"), (other, "merge")]))
        elif r < 0.3:
            tips.append(add([]))
        else:
            last = pick
            for _ in range(min(rng.randint(1, 8), count - len(names))):
                last = add([(last, rng.choice(RELATIONS))])
            tips.append(last)
        tips = tips[-60:]
    repo.close()


if __name__ == "__main__":
    t0 = time.perf_counter()
    build(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    print(f"{time.perf_counter() - t0:.1f}")
