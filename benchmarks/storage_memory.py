"""Peak memory of ``add`` and ``checkout`` of a model with one very large tensor.

Run by ``benchmarks/storage.py`` in fresh processes (``python -m benchmarks.storage_memory
add|checkout MODEL_DIR REPO_DIR``): the model is a folder of ``.npy`` files (bf16 bit
patterns), loaded into memory before measuring.  Each phase resets the kernel's peak
RSS (``/proc/self/clear_refs``) and prints one JSON line: the resident set before the
phase, its peak during it (``VmHWM``), and the largest tensor's size.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mgit_lab.api import Repository  # noqa: E402 - after the path line


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def load_model(folder: Path) -> dict[str, tuple[np.ndarray, str]]:
    return {p.stem: (np.load(p), "bfloat16") for p in sorted(folder.glob("*.npy"))}


def save_model(state: dict[str, tuple[np.ndarray, str]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (array, _) in state.items():
        np.save(folder / f"{name}.npy", array)


def main() -> None:
    phase, model_dir, repo_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    largest = max(p.stat().st_size - 128 for p in model_dir.glob("*.npy"))
    if phase == "add":
        state = load_model(model_dir)
        repo = Repository.init(repo_dir)
        before = _status("VmRSS")
        _reset_peak()
        repo.add_arrays(state, "big")
    else:
        repo = Repository.open(repo_dir)
        before = _status("VmRSS")
        _reset_peak()
        got = repo.checkout_arrays("big")
    peak = _status("VmHWM")
    if phase != "add":
        for p in model_dir.glob("*.npy"):
            assert np.array_equal(got[p.stem][0], np.load(p, mmap_mode="r")), p.stem
    print(json.dumps({"phase": phase, "before": before, "peak": peak, "largest": largest}))


if __name__ == "__main__":
    main()
