"""Merge speed and memory on two ~110M-parameter models (BERT-base from a BertConfig, no downloads).

Builds a repository with ``base`` and two fine-tunes ``ft-a``, ``ft-b`` (base + seeded noise on
every tensor, so every parameter is a conflict), then for each method runs
``merge_versions(repo, "ft-a", "ft-b", strategy=...)`` in a fresh child process and reports:

- wall time of the merge (read from the store, compute, store the result) - median of runs;
- peak memory of the merge: the rise of the process's peak RSS over its RSS before the
  merge (``/proc/self/clear_refs`` resets the peak), next to the largest tensor's size and
  the store's decode cache still held at the end (part of the peak; the store bounds it);
- the peer: mergekit 0.1.5 computing the same method on the same tensors, one tensor at a
  time already in memory (compute only, no I/O), timed in the same child; and our own
  compute on the same tensors (``TensorStrategy.merge``), so the ratio compares arithmetic.

Usage::

    .venv/bin/python benchmarks/merge.py [--methods ties,slerp] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

METHODS = {  # ours -> (mergekit's name, our args, mergekit's parameters, base: ancestor / a / none)
    "average": ("linear", {}, {"weight": 1.0}, "none"),
    "task-arithmetic": ("task_arithmetic", {}, {"weight": 1.0}, "ancestor"),
    "ties": ("ties", {"density": 0.2}, {"weight": 1.0, "density": 0.2}, "ancestor"),
    "dare-ties": ("dare_ties", {"density": 0.5}, {"weight": 1.0, "density": 0.5}, "ancestor"),
    "dare-linear": ("dare_linear", {"density": 0.5}, {"weight": 1.0, "density": 0.5}, "ancestor"),
    "breadcrumbs": ("breadcrumbs", {}, {"weight": 1.0, "density": 0.9, "gamma": 0.01}, "ancestor"),
    "breadcrumbs-ties": ("breadcrumbs_ties", {}, {"weight": 1.0, "density": 0.9, "gamma": 0.01}, "ancestor"),
    "della": ("della", {}, {"weight": 1.0, "density": 0.5, "epsilon": 0.15}, "ancestor"),
    "della-linear": ("della_linear", {}, {"weight": 1.0, "density": 0.5, "epsilon": 0.15}, "ancestor"),
    "slerp": ("slerp", {}, {"t": 0.5}, "a"),
    "nuslerp": ("nuslerp", {}, {"weight": 1.0}, "none"),
    "multislerp": ("multislerp", {}, {"weight": 1.0}, "none"),
    "karcher": ("karcher", {}, {}, "none"),
    "model-stock": ("model_stock", {}, {}, "ancestor"),
    "sce": ("sce", {}, {}, "ancestor"),
    "nearswap": ("nearswap", {}, {"t": 0.0001}, "a"),
    "ram": ("ram", {}, {}, "ancestor"),
}


def build(root: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel

    from mgit_lab.core.io.module_states import model_state
    from mgit_lab.core.repository import Repository

    torch.manual_seed(0)
    model = BertModel(BertConfig())  # bert-base: 12 layers, hidden 768, ~110M parameters
    repo = Repository.init(root)
    state = model_state(model)
    repo.add_arrays(state, "base", model_type="bert")
    rng = torch.Generator().manual_seed(1)
    for name in ("ft-a", "ft-b"):
        ft = {}
        for k, (a, d) in state.items():
            t = torch.from_numpy(a)
            if t.is_floating_point():
                t = t + torch.randn(t.shape, generator=rng) * 0.01
            ft[k] = (t.numpy(), d)
        repo.add_arrays(ft, name, parents=[("base", "finetune")], model_type="bert")
    repo.close()


def _rss(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _mergekit(method, group, params) -> None:
    import torch

    torch.manual_seed(0)
    method([group], parameters=params, dtype=torch.float32)


def child(root: str, method: str, name: str) -> dict:
    import numpy as np
    import torch

    from mgit_lab.core.merge import get_strategy, merge_versions
    from mgit_lab.core.merge.base import TensorJob
    from mgit_lab.core.merge.registry import parse_arguments, parse_model_arguments
    from mgit_lab.core.repository import Repository

    repo = Repository.open(root)
    theirs, args, mk_params, base_role = METHODS[method]
    largest = max(t.numel * 4 for t in repo.version("base").manifest.values())
    before = _rss("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    t0 = time.perf_counter()
    merge_versions(repo, "ft-a", "ft-b", strategy=method, args=args, name=name)
    wall = time.perf_counter() - t0
    peak = _rss("VmHWM") - before
    store_cache = repo.store._cached  # decoded base chunks the store keeps (bounded by its cache_bytes)
    # compute only, ours and mergekit's, on the same in-memory tensors (the 12 largest)
    import mergekit.merge_methods.registry as registry
    from mergekit.merge_methods.base import TensorGroup

    versions = [repo.version(v).manifest for v in ("base", "ft-a", "ft-b")]
    names = sorted(versions[0], key=lambda k: -versions[0][k].numel)[:12]
    strategy = get_strategy(method)
    ours_s = theirs_s = 0.0
    for n, key in enumerate(names):
        o, a, b = ((repo.store.get(m[key].oid), m[key].dtype) for m in versions)
        job = TensorJob(
            key,
            (a, b),
            o,
            parse_arguments(strategy, args),
            tuple(parse_model_arguments(strategy, 2, args)),
            seed=0,
        )
        tensors = [torch.from_numpy(np.array(x[0])) for x in (a, b)]
        ids, base_index = ["a", "b"], None
        if base_role == "ancestor":
            tensors, ids, base_index = [torch.from_numpy(np.array(o[0])), *tensors], ["o", *ids], 0
        elif base_role == "a":
            base_index = 0
        params = {}
        for k, v in mk_params.items():
            non_base = [i for j, i in enumerate(ids) if j != base_index] if k != "t" else None
            params[k] = v if non_base is None else dict.fromkeys(non_base, v)
        group = TensorGroup.from_tensors(tensors, ids=ids, base_index=base_index, name=key)
        method_ = registry.get(theirs)
        run_ours = (strategy.merge, job)
        run_theirs = (_mergekit, method_, group, params)
        first, second = (run_theirs, run_ours) if n % 2 else (run_ours, run_theirs)  # alternate who goes first
        times = {id(first): _timed(*first), id(second): _timed(*second)}
        ours_s += times[id(run_ours)]
        theirs_s += times[id(run_theirs)]
    return {
        "wall_s": wall,
        "peak_bytes": peak,
        "largest_tensor_bytes": largest,
        "store_cache_bytes": store_cache,
        "compute_ours_s": ours_s,
        "compute_mergekit_s": theirs_s,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep", help="build the repository here (reused when it exists)")
    p.add_argument("--child", nargs=3, metavar=("ROOT", "METHOD", "NAME"), help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(child(*opts.child)))
        return
    tmp = None
    if opts.keep:
        root = Path(opts.keep)
    else:
        tmp = tempfile.TemporaryDirectory()
        root = Path(tmp.name) / "bench"
    if not (root / ".mgit").exists():
        t0 = time.perf_counter()
        build(root)
        print(f"built base, ft-a, ft-b (bert-base, fp32) in {time.perf_counter() - t0:.0f} s", flush=True)
    print(
        f"{'method':18} {'merge s':>8} {'peak MiB':>9} {'largest MiB':>11} {'peak/largest':>12} "
        f"{'ours compute s':>14} {'mergekit s':>10} {'ratio':>6} {'store cache MiB':>15}"
    )
    for method in opts.methods.split(","):
        runs = []
        for _ in range(opts.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(root), method, f"{method}-{uuid.uuid4().hex[:8]}"],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        mib = 1 << 20
        print(
            f"{method:18} {med['wall_s']:8.1f} {med['peak_bytes'] / mib:9.0f} "
            f"{med['largest_tensor_bytes'] / mib:11.0f} "
            f"{med['peak_bytes'] / med['largest_tensor_bytes']:12.1f} {med['compute_ours_s']:14.2f} "
            f"{med['compute_mergekit_s']:10.2f} {med['compute_ours_s'] / med['compute_mergekit_s']:6.2f} "
            f"{med['store_cache_bytes'] / mib:15.0f}",
            flush=True,
        )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
