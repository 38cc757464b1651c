"""Run `make <suite>` for each suite named on the command line; print a summary; exit 1 on failure.

Every suite runs even when an earlier one fails, so one run shows everything that is broken.
"""

from __future__ import annotations

import subprocess
import sys
import time


def main(suites: list[str]) -> int:
    results: list[tuple[str, int, float]] = []
    for suite in suites:
        print(f"\n==================== {suite} ====================", flush=True)
        start = time.monotonic()
        code = subprocess.call(["make", "--no-print-directory", suite])
        results.append((suite, code, time.monotonic() - start))
    failed = [name for name, code, _ in results if code != 0]
    print("\n==================== summary ====================")
    for name, code, seconds in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'}  {name:<10} {seconds:6.1f} s")
    print(f"suites: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
