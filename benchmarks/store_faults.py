"""Counts of the store fault-injection suite (issue 9): faults injected, detected, harmless,
silent wrong bytes, unclear messages and versions lost (the last three must be 0).

Reuses the suite's code (``tests/support/store_faults.py``); more versions, flips and
cuts than ``make test`` runs are a flag away:

    .venv/bin/python benchmarks/store_faults.py [--versions 4] [--flips 2] [--cuts 1] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.store_faults import build_repo, disk_full_run, run_faults  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=4)
    ap.add_argument("--flips", type=int, default=2, help="bit flips per pack (and as many inside its objects)")
    ap.add_argument("--cuts", type=int, default=1, help="truncations per pack")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pristine = Path(tmp) / "pristine" / "repo"
        expected = build_repo(pristine, args.versions)
        counts = run_faults(pristine, expected, Path(tmp) / "work", args.seed, args.flips, args.cuts)
        full = disk_full_run(Path(tmp) / "mnt", pristine, expected)
        if isinstance(full, str):
            print(f"disk-full run skipped: {full}")
        else:
            counts.record(full)
    print(counts.summary() + f" ({time.perf_counter() - start:.0f} s)")
    for problem in counts.problems:
        print("  " + problem)
    sys.exit(1 if counts.problems else 0)


if __name__ == "__main__":
    main()
