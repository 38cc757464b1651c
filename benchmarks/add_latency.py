"""`mgit add` of a ~90 MB safetensors fine-tune whose parent is stored, against the pure codec
time of the same tensors measured in the same run (issue 10: wall within 2x of it).

Three figures, all from this run:

- **wall**: ``mgit add child.safetensors --name child`` as a subprocess (parent inferred),
  median of ``--rounds`` runs, each on a fresh copy of the repository holding the parent;
- **pure codec**: each child tensor encoded once against its parent tensor with the codec
  the add chose for it (``codec.encode(child, base=parent)``), summed; and the automatic
  choice (``encode_best``, which may try several candidates) for comparison;
- **split** of one in-process add, from the progress callback's step changes: import
  (a subprocess importing what ``mgit add`` imports), read, hash, infer (sketch + parent
  inference), encode + write (``store``), commit (manifest, sketch, lineage).

Usage::

    .venv/bin/python benchmarks/add_latency.py [--mb 90] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from mgit_lab.api import Repository  # noqa: E402
from mgit_lab.core.codecs.abc import TensorSpec  # noqa: E402
from mgit_lab.core.codecs.choose import encode_best  # noqa: E402
from mgit_lab.core.codecs.registry import get_codec  # noqa: E402
from mgit_lab.core.verbs import add as add_verb  # noqa: E402


def make_models(folder: Path, mb: int) -> tuple[Path, Path]:
    """A parent of float32 matrices (~``mb`` MB) and a fine-tune: every weight moved by ~1e-3."""
    g = torch.Generator().manual_seed(0)
    rows = 1024
    per = rows * 3584 * 4
    parent = {f"layer{i}.weight": torch.randn(rows, 3584, generator=g) * 0.02 for i in range(max(1, mb * 2**20 // per))}
    parent.update({f"layer{i}.bias": torch.zeros(rows) for i in range(len(parent))})
    child = {k: v + torch.randn(v.shape, generator=g) * 1e-3 for k, v in parent.items()}
    save_file(parent, folder / "parent.safetensors")
    save_file(child, folder / "child.safetensors")
    return folder / "parent.safetensors", folder / "child.safetensors"


#: what `mgit add FILE.safetensors` imports (no torch: see core/io/safetensors_file.py)
IMPORTS = (
    "import mgit_lab.cli, mgit_lab.core.verbs.add, mgit_lab.core.io.safetensors_file, "
    "mgit_lab.core.inference.infer, mgit_lab.core.store.objects, mgit_lab.core.codecs.choose"
)


def timed_subprocess(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def split(repo_dir: Path, child: Path) -> dict[str, float]:
    repo = Repository.open(repo_dir)
    marks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def progress(done: int, total: int, step: str) -> None:
        if marks[-1][0] != step and step in ("loading", "hashing", "storing"):
            marks.append((step, time.perf_counter()))
        if done == total and step in ("hashing", "storing"):
            marks.append(({"hashing": "infer", "storing": "commit"}[step], time.perf_counter()))

    prep = add_verb.prepare_add(
        repo, child, name="child", parent=None, relation=None, lossy=None, infer=True, progress=progress
    )
    marks.append(("prepare", time.perf_counter()))
    add_verb.store_prepared(
        repo,
        prep,
        model_type=None,
        message=None,
        lossy=None,
        author=None,
        metadata=None,
        metrics=None,
        progress=progress,
    )
    marks.append(("end", time.perf_counter()))
    out: dict[str, float] = {}
    for (step, t0), (_, t1) in zip(marks, marks[1:], strict=False):
        out[step] = out.get(step, 0.0) + t1 - t0
    return {
        "open": out.get("start", 0.0),
        "read": out.get("loading", 0.0),
        "hash": out.get("hashing", 0.0),
        "infer (sketch + parent inference)": out.get("infer", 0.0),
        "encode + write (store.put)": out.get("storing", 0.0) + out.get("prepare", 0.0),
        "commit (pack, manifest, sketch, lineage)": out.get("commit", 0.0),
    }


def codec_time(repo_dir: Path) -> tuple[float, float, dict[str, int]]:
    repo = Repository.open(repo_dir)
    child, parent = repo.version("child"), repo.version("parent")
    chosen_total = auto_total = 0.0
    used: dict[str, int] = {}
    for name, ref in child.manifest.items():
        a = repo.store.get(ref.oid)
        base = repo.store.get(parent.manifest[name].oid)
        spec = TensorSpec(ref.dtype, tuple(ref.shape))
        hit = repo.pack_index.get(ref.oid)
        assert hit is not None
        config = hit[0]["chunks"][0][3]
        used[config["id"]] = used.get(config["id"], 0) + 1
        codec = get_codec(config)
        t = time.perf_counter()
        codec.encode(a, base if codec.needs_base else None)
        chosen_total += time.perf_counter() - t
        t = time.perf_counter()
        encode_best(a, spec, base, spec, effort=repo.store.codec_effort)
        auto_total += time.perf_counter() - t
    return chosen_total, auto_total, used


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3)
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mgit-add-latency-"))
    parent, child = make_models(work, opts.mb)
    template = work / "template"
    repo = Repository.init(template)
    repo.add(parent, name="parent")
    mgit = [sys.executable, "-m", "mgit_lab.cli"]
    walls = []
    for i in range(opts.rounds):
        copy = work / f"run{i}"
        shutil.copytree(template, copy)
        walls.append(timed_subprocess([*mgit, "add", str(child), "--name", "child"], copy))
    wall = statistics.median(walls)
    imports = statistics.median(timed_subprocess([sys.executable, "-c", IMPORTS], work) for _ in range(opts.rounds))
    copy = work / "split"
    shutil.copytree(template, copy)
    phases = split(copy, child)
    chosen, auto, used = codec_time(copy)
    size = child.stat().st_size / 2**20
    print(f"\nmgit add of a {size:.0f} MB safetensors fine-tune, parent stored; {opts.rounds} rounds (medians)")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    print("| figure | seconds | x pure codec |")
    print("|---|---:|---:|")
    print(f"| wall: mgit add (subprocess) | {wall:.2f} | {wall / chosen:.2f} |")
    codecs = ", ".join(f"{k} x{n}" for k, n in used.items())
    print(f"| pure codec: chosen codec per tensor ({codecs}) | {chosen:.2f} | 1.00 |")
    print(f"| automatic choice (encode_best) | {auto:.2f} | {auto / chosen:.2f} |")
    print(f"| split: import (subprocess) | {imports:.2f} | {imports / chosen:.2f} |")
    for k, v in phases.items():
        print(f"| split: {k} | {v:.2f} | {v / chosen:.2f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
