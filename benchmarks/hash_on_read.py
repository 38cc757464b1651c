"""What checking every object against its hash on read costs (issue 9, finding 4).

Builds a seeded repository (a ~100 MB float32 base model and a fine-tuned child stored as
deltas), then times the same reads with the store's hash check on and off, alternating
in one run: decoding a version (``Repository.checkout_arrays``) and a full checkout to a
safetensors file (``Repository.export``).  Prints medians and the ratio on/off.

    .venv/bin/python benchmarks/hash_on_read.py [--mb 100] [--reps 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mgit_lab.core.repository import Repository
from mgit_lab.core.store import object_id


def build(root: Path, mb: int) -> Repository:
    repo = Repository.init(root)
    rng = np.random.default_rng(0)
    n = max(1, mb // 4)
    base = {f"layer{i}.weight": rng.standard_normal((1024, 1024)).astype(np.float32) for i in range(n)}
    base.update({f"layer{i}.bias": rng.standard_normal(1024).astype(np.float32) for i in range(n)})
    repo.add_arrays({k: (a, "float32") for k, a in base.items()}, "base")
    child = {k: a + (rng.standard_normal(a.shape) * 1e-4).astype(np.float32) for k, a in base.items()}
    repo.add_arrays({k: (a, "float32") for k, a in child.items()}, "child", parents=[("base", "finetune")])
    return repo


def median_times(fn: Callable[[], object], repo: Repository, reps: int) -> dict[bool, float]:
    """Median seconds of ``fn`` with the hash check on and off, runs alternating."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(reps * 2):
        check = i % 2 == 0
        repo.store.check_hashes = check
        repo.store.clear_cache()
        t = time.perf_counter()
        fn()
        times[check].append(time.perf_counter() - t)
    repo.store.check_hashes = True
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=100, help="size of the base model in MB")
    ap.add_argument("--reps", type=int, default=7, help="runs of each variant")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp) / "repo", args.mb)
        raw_mb = sum(v.raw_nbytes for v in repo.versions()) / len(repo.versions()) / 1e6
        codecs = sorted({c for o in repo.store.object_ids() for c in repo.store.info(o).codecs})
        print(f"model: {raw_mb:.0f} MB per version; codecs: {codecs}")
        print(f"{'read':<34}{'hash on (s)':>12}{'hash off (s)':>13}{'ratio':>8}")
        for name in ("base", "child"):
            rows = {
                f"decode {name}": lambda n=name: repo.checkout_arrays(n),
                f"checkout {name} -> safetensors": lambda n=name: repo.export(
                    n, Path(tmp) / "out.safetensors", "safetensors", overwrite=True
                ),
            }
            for label, fn in rows.items():
                m = median_times(fn, repo, args.reps)
                print(f"{label:<34}{m[True]:>12.3f}{m[False]:>13.3f}{m[True] / m[False]:>8.2f}")
            arrays = repo.checkout_arrays(name)
            nbytes = sum(a.nbytes for a, _ in arrays.values())
            hashes = []
            for _ in range(args.reps):
                t = time.perf_counter()
                for a, dtype in arrays.values():
                    object_id(a, dtype, threads=a.nbytes >= 16 << 20)
                hashes.append(time.perf_counter() - t)
            h = statistics.median(hashes)
            print(f"{'  of which hashing ' + name:<34}{h:>12.3f}{'':>13}{'':>8}  ({nbytes / h / 1e9:.2f} GB/s)")
        repo.close()


if __name__ == "__main__":
    main()
