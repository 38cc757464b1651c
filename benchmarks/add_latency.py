"""`mgit add` of a ~90 MB safetensors fine-tune whose parent is stored, against the pure codec
time of the same tensors measured in the same run (issue 10: wall within 2x of it).

Every figure comes from this run, at two thread counts: the codecs' default (the machine's
cores, at most 8; what ``mgit add`` uses unless the repository's ``threads`` setting or
``MGIT_THREADS`` says otherwise) and one thread (``MGIT_THREADS=1`` for the command,
``parallel.using(1)`` for the codec), so each ratio compares like with like:

- **wall**: ``mgit add child.safetensors --name child`` as a subprocess (parent inferred),
  median of ``--rounds`` runs, each on a fresh copy of the repository holding the parent;
- **pure codec**: each child tensor encoded once against its parent tensor with the codec
  the add chose for it (``codec.encode(child, base=parent)``), summed; and the automatic
  choice (``encode_best``, which may try several candidates) for comparison;
- **CPU**: the command's user + system seconds over all its threads, against the codec's
  (``time.process_time``): on a loaded machine the CPU ratio moves less than the wall's;
- **floor of a process per command**: a subprocess that only starts the interpreter and
  imports the libraries an add cannot do without (numpy, h5py, zstandard, blake3), plus the
  delta bases' decoding (``split: base``) and the pure codec: what any ``mgit add`` that
  starts a fresh process must at least spend, however the rest is written;
- **warm add**: ``Repository.add`` in this already-running process (what ``%mgit add`` in a
  notebook or the panel's server pays: no interpreter start, no imports);
- **split** of the same command run in a subprocess that times its phases by wrapping the
  functions that do them (medians over the rounds):

  ``import``  every module an add loads (listed by a first run), imported up front;
  ``read``    the file memory-mapped, its header checked, its tensors as views
              (its sha256 runs on a thread of its own, overlapped: in no row);
  ``hash``    the tensors' content ids (BLAKE3);
  ``infer``   the rest of preparing: sketch, parent inference, checks;
  ``base``    the parent's tensors read from their pack and decoded (the delta bases);
  ``encode``  the codec choice and encoding (``encode_best``: the "pure codec" plus
              the choice);
  ``write``   encoded bytes into the new HDF5 pack, then its commit (fsync, rename, index);
  ``commit``  the rest of the transaction: the files record, sketch, manifest, lineage;
  ``cli``     argument parsing, opening the repository, the summary printed;
  ``start+exit`` the interpreter's own start and exit (the subprocess's wall minus the rest).

Changed from the first version of this benchmark (issue 10, measuring 6.5x): the
subprocesses run with ``PYTHONDONTWRITEBYTECODE=0`` after one warm-up add, as
``cli_latency.py`` does: with ``PYTHONDONTWRITEBYTECODE=1`` (set in this machine's sessions)
every ``mgit_lab`` module is compiled from source on every run, 0.1-0.2 s an installed
``mgit`` never pays.  The import row was a fixed list of modules, now it is what the add
really loads; the split comes from the command's own process (it was an in-process add in
a process that had torch loaded), and it separates the delta bases' decoding, the encoding
and the pack writes that were one ``store.put`` row.

Usage::

    .venv/bin/python benchmarks/add_latency.py [--mb 90] [--rounds 3] [--tree DIR]

``--tree DIR`` measures the ``mgit_lab`` package of another source tree (e.g. an export of
an older commit) with this interpreter, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
from mgit_lab.core.codecs import parallel  # noqa: E402
from mgit_lab.core.codecs.abc import TensorSpec  # noqa: E402
from mgit_lab.core.codecs.choose import encode_best  # noqa: E402
from mgit_lab.core.codecs.registry import get_codec  # noqa: E402

HEAVY = ("torch", "transformers", "tqdm", "fsspec", "networkx", "scipy")
PHASES = ("import", "read", "hash", "infer", "base", "encode", "write", "commit", "cli", "start+exit")

#: run in the measured subprocess: times one `mgit add` phase by phase (see the docstring)
DRIVER = r"""
import contextlib, importlib, io, json, sys, time
T0 = time.perf_counter()
opts = json.loads(sys.argv[1])
for name in opts["modules"]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
t_import = time.perf_counter() - T0
spent = {}

def wrap(module, attr, phase, outermost=False):
    owner = importlib.import_module(module)
    *path, last = attr.split(".")
    for p in path:
        owner = getattr(owner, p)
    real = getattr(owner, last)
    depth = [0]

    def timed(*args, **kwargs):
        if outermost and depth[0]:
            return real(*args, **kwargs)
        depth[0] += 1
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            depth[0] -= 1
            spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - t

    setattr(owner, last, timed)

wrap("mgit_lab.core.verbs.files", "record_for_add", "read")
wrap("mgit_lab.core.verbs.add_prepare", "_read_without_torch", "read")
wrap("mgit_lab.core.verbs.add_prepare", "_hash_all", "hash")
wrap("mgit_lab.core.verbs.add", "prepare_add", "prepare")
wrap("mgit_lab.core.verbs.add", "store_prepared", "store")
wrap("mgit_lab.core.store.objects", "ObjectStore._chunk", "base", outermost=True)
wrap("mgit_lab.core.store.writer", "encode_best", "encode")
wrap("mgit_lab.core.store.pack", "PackWriter.append", "write")
wrap("mgit_lab.core.store.pack", "PackWriter.commit", "write")
from mgit_lab import cli
t = time.perf_counter()
sys.argv = ["mgit", "add", opts["child"], "--name", "child"]
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main()  # as the executable calls it (no argv)
t_main = time.perf_counter() - t
assert code == 0, code
g = spent.get
phases = {
    "import": t_import,
    "read": g("read", 0.0),
    "hash": g("hash", 0.0),
    "infer": g("prepare", 0.0) - g("read", 0.0) - g("hash", 0.0),
    "base": g("base", 0.0),
    "encode": g("encode", 0.0),
    "write": g("write", 0.0),
    "commit": g("store", 0.0) - g("base", 0.0) - g("encode", 0.0) - g("write", 0.0),
    "cli": t_main - g("prepare", 0.0) - g("store", 0.0),
}
print(json.dumps({"phases": phases, "modules": sorted(sys.modules)}))
"""


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


def environment(threads: int | None, tree: Path | None) -> dict[str, str]:
    """The subprocesses' environment: bytecode cached (see the docstring), the thread count."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("MGIT_THREADS", None)
    if threads is not None:
        env["MGIT_THREADS"] = str(threads)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def timed_add(template: Path, copy: Path, cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the subprocess (user + system, all its threads), stdout)."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(template, copy)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, proc.stdout


def codec_times(repo_dir: Path, threads: int) -> tuple[float, float, float, dict[str, int]]:
    """Seconds of the chosen codecs (wall and CPU) and of the automatic choice (wall) over
    the child's tensors."""
    repo = Repository.open(repo_dir)
    child, parent = repo.version("child"), repo.version("parent")
    chosen_total = chosen_cpu = auto_total = 0.0
    used: dict[str, int] = {}
    with parallel.using(threads):
        for name, ref in child.manifest.items():
            a = repo.store.get(ref.oid)
            base = repo.store.get(parent.manifest[name].oid)
            spec = TensorSpec(ref.dtype, tuple(ref.shape))
            hit = repo.pack_index.get(ref.oid)
            assert hit is not None
            config = hit[0]["chunks"][0][3]
            used[config["id"]] = used.get(config["id"], 0) + 1
            codec = get_codec(config)
            t, c = time.perf_counter(), time.process_time()
            codec.encode(a, base if codec.needs_base else None)
            chosen_total += time.perf_counter() - t
            chosen_cpu += time.process_time() - c
            t = time.perf_counter()
            encode_best(a, spec, base, spec, effort=repo.store.codec_effort)
            auto_total += time.perf_counter() - t
    return chosen_total, chosen_cpu, auto_total, used


FLOOR_MODULES = ("numpy", "h5py", "zstandard", "blake3")


def floor_start(env: dict[str, str]) -> float:
    """Wall seconds of a subprocess that starts and imports :data:`FLOOR_MODULES`, nothing else."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import " + ", ".join(FLOOR_MODULES)], env=env, check=True)
    return time.perf_counter() - start


def warm_add(template: Path, copy: Path, child: Path, threads: int) -> float:
    """Wall seconds of ``Repository.add`` of ``child`` in this (warm) process."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(template, copy)
    repo = Repository.open(copy)
    with parallel.using(threads):
        start = time.perf_counter()
        repo.add(child, name="child")
        return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tree", type=Path, help="measure the mgit_lab package of this source tree instead")
    opts = ap.parse_args()
    tree = opts.tree.resolve() if opts.tree else None
    work = Path(tempfile.mkdtemp(prefix="mgit-add-latency-"))
    parent, child = make_models(work, opts.mb)
    template = work / "template"
    repo = Repository.init(template)
    repo.add(parent, name="parent")
    settings = {"default": None, "1 thread": 1}
    mgit = [sys.executable, "-m", "mgit_lab.cli", "add", str(child), "--name", "child"]
    driver = [sys.executable, "-c", DRIVER]
    # warm-up: bytecode written, page cache filled, and the modules an add loads listed
    timed_add(template, work / "run", mgit, environment(None, tree))
    listing = [*driver, json.dumps({"modules": [], "child": str(child)})]
    _, _, out = timed_add(template, work / "run", listing, environment(None, tree))
    modules = json.loads(out)["modules"]
    heavy = sorted(m for m in HEAVY if m in modules)
    walls: dict[str, list[float]] = {k: [] for k in settings}
    cpus: dict[str, list[float]] = {k: [] for k in settings}
    splits: dict[str, dict[str, list[float]]] = {k: {p: [] for p in PHASES} for k in settings}
    codec: dict[str, dict[str, list[float]]] = {k: {"chosen": [], "cpu": [], "auto": []} for k in settings}
    floors: dict[str, list[float]] = {k: [] for k in settings}
    warm: dict[str, list[float]] = {k: [] for k in settings}
    used: dict[str, int] = {}
    args = json.dumps({"modules": modules, "child": str(child)})
    for _ in range(opts.rounds):  # interleaved: drift of the machine's load hits every figure alike
        for key, threads in settings.items():
            env = environment(threads, tree)
            wall, cpu, _ = timed_add(template, work / "run", mgit, env)
            walls[key].append(wall)
            cpus[key].append(cpu)
            wall, _, out = timed_add(template, work / "run", [*driver, args], env)
            phases = json.loads(out)["phases"]
            phases["start+exit"] = wall - sum(phases.values())
            for p in PHASES:
                splits[key][p].append(phases[p])
            chosen, chosen_cpu, auto, used = codec_times(work / "run", threads or parallel.default_threads())
            codec[key]["chosen"].append(chosen)
            codec[key]["cpu"].append(chosen_cpu)
            codec[key]["auto"].append(auto)
            floors[key].append(floor_start(env))
            warm[key].append(warm_add(template, work / "run", child, threads or parallel.default_threads()))
    med = statistics.median
    size = child.stat().st_size / 2**20
    print(f"\nmgit add of a {size:.0f} MB safetensors fine-tune, parent stored; {opts.rounds} rounds (medians)")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    load = os.getloadavg()[0]
    print(f"measured: {tree or ROOT}; default threads here: {parallel.default_threads()}; load {load:.1f}")
    print(f"heavy modules an add loaded: {', '.join(heavy) or 'none of ' + ', '.join(HEAVY)}\n")
    names = list(settings)
    print("| figure | " + " | ".join(f"{k}: s | x codec" for k in names) + " |")
    print("|---|" + "---:|---:|" * len(names))

    def row(label: str, values: dict[str, float], per: str = "chosen") -> None:
        cells = [f"{values[k]:.3f} | {values[k] / med(codec[k][per]):.2f}" for k in names]
        print(f"| {label} | " + " | ".join(cells) + " |")

    codecs = ", ".join(f"{k} x{n}" for k, n in used.items())
    row("**wall: mgit add** (subprocess)", {k: med(walls[k]) for k in names})
    row(f"pure codec: chosen per tensor ({codecs})", {k: med(codec[k]["chosen"]) for k in names})
    row("automatic choice (encode_best)", {k: med(codec[k]["auto"]) for k in names})
    row("CPU: mgit add (user + system, x codec CPU)", {k: med(cpus[k]) for k in names}, per="cpu")
    row("CPU: pure codec (all threads)", {k: med(codec[k]["cpu"]) for k in names}, per="cpu")
    for p in PHASES:
        row(f"split: {p}", {k: med(splits[k][p]) for k in names})
    row("split: sum (the split's own run)", {k: sum(med(splits[k][p]) for p in PHASES) for k in names})
    row(f"floor: start + import {', '.join(FLOOR_MODULES)} (subprocess)", {k: med(floors[k]) for k in names})
    row(
        "floor of a process per command: that + split: base + pure codec",
        {k: med(floors[k]) + med(splits[k]["base"]) + med(codec[k]["chosen"]) for k in names},
    )
    row("warm add: Repository.add in a running process (notebook, server)", {k: med(warm[k]) for k in names})
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
