"""Benchmark of `mgit diff` on BERT-base-size models (110M parameters).

Targets (issue 4): a diff of two in-memory BERT-base models in <= 3 s including hashing,
and a diff of two versions already in a repository (hashes stored) in <= 0.5 s.

Model 2 is a full fine-tune of model 1 (every tensor nudged), the worst case for the
tensor statistics.  Baselines measured in the same run:

- ``naive``: what a user writes by hand, ``torch.equal`` and ``(b - a).norm()`` per tensor
  (no graph, no ranks);
- ``export``: one ``torch.export.export`` of the model (the tracing floor).

Run: ``python benchmarks/diff.py [--layers 12] [--hidden 768] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import transformers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mgit_lab.api import Repository
from mgit_lab.core.diff import diff_models, diff_versions, trace_cache
from mgit_lab.core.diff.example_inputs import from_config
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.tensors import tensor_to_array


def _best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), result


def _naive(a: torch.nn.Module, b: torch.nn.Module) -> int:
    changed = 0
    sb = b.state_dict()
    with torch.no_grad():
        for k, v in a.state_dict().items():
            if not torch.equal(v, sb[k]):
                changed += 1
                float((sb[k].float() - v.float()).norm())
    return changed


def _share(timings: dict) -> str:
    total = timings.get("total") or sum(timings.values())
    parts = [f"{k} {v:.3f}s ({100 * v / total:.0f}%)" for k, v in timings.items() if k != "total"]
    return ", ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    config = transformers.BertConfig(
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=max(1, args.hidden // 64),
        intermediate_size=4 * args.hidden,
    )
    base = transformers.BertModel(config).eval()
    tuned = copy.deepcopy(base)
    with torch.no_grad():
        for p in tuned.parameters():
            p.add_(torch.randn_like(p) * 1e-3)
    n = sum(p.numel() for p in base.parameters())
    print(
        f"models: BertModel, {args.layers} layers, hidden {args.hidden}: {n / 1e6:.1f}M parameters; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )

    # ---------------------------------------------------------------- baselines
    naive, naive_med, _ = _best(lambda: _naive(base, tuned), args.repeat)
    kwargs = from_config(base)[1]
    export, export_med, _ = _best(lambda: torch.export.export(base, (), kwargs, strict=False), args.repeat)
    print(f"baseline naive tensor compare: {naive:.3f}s (median {naive_med:.3f}s)")
    print(f"baseline one torch.export:     {export:.3f}s (median {export_med:.3f}s)")

    # ---------------------------------------------------------------- in-memory models
    print("\n[1] diff_models(base, finetuned): contextual, hashing every tensor, stats on changed tensors")
    trace_cache.clear_memory()
    t = time.perf_counter()
    cold = diff_models(base, tuned)
    cold_s = time.perf_counter() - t
    print(f"  cold (trace cache empty): {cold_s:.3f}s  [{_share(cold.timings)}]")
    warm, warm_med, d = _best(lambda: diff_models(base, tuned), args.repeat)
    print(f"  warm (architecture traced before): {warm:.3f}s (median {warm_med:.3f}s)  [{_share(d.timings)}]")
    nostat, nostat_med, d2 = _best(lambda: diff_models(base, tuned, stats=False), args.repeat)
    print(f"  warm, --no-stats: {nostat:.3f}s (median {nostat_med:.3f}s)  [{_share(d2.timings)}]")
    print(f"  changed layers {len(d.removed_nodes)}, changed tensors {len(d.changed_params)}")
    print(
        f"  target <= 3 s: cold {'MET' if cold_s <= 3 else 'MISSED'} ({cold_s:.2f}s), "
        f"{cold_s / naive:.1f}x the naive compare, {cold_s / export:.1f}x one export, "
        f"tracing {100 * cold.timings['trace'] / cold_s:.0f}% of it"
    )

    # ---------------------------------------------------------------- repository versions
    print("\n[2] diff_versions(repo, 'base', 'tuned'): hashes are the stored object ids")
    folder = Path(tempfile.mkdtemp(prefix="mgit-diff-bench-"))
    try:
        repo = Repository.init(folder)
        t = time.perf_counter()
        for name, model, parents in [
            ("base", base, None),
            ("tuned", tuned, [("base", "finetune")]),
        ]:
            state = {k: tensor_to_array(v) for k, v in model.state_dict().items()}
            repo.add_arrays(state, name, parents=parents, architecture=architecture_of(model))
        print(f"  (setup: adding both versions took {time.perf_counter() - t:.1f}s)")
        cache = repo.mgit_dir / "cache" / "diff"
        shutil.rmtree(cache, ignore_errors=True)
        trace_cache.clear_memory()
        t = time.perf_counter()
        first = diff_versions(repo, "base", "tuned", stats=False)
        first_s = time.perf_counter() - t
        print(
            f"  first ever (trace on the meta device, cached to disk), --no-stats: {first_s:.3f}s"
            f"  [{_share(first.timings)}]"
        )

        def from_disk():
            trace_cache.clear_memory()
            return diff_versions(repo, "base", "tuned", stats=False)

        disk, disk_med, d3 = _best(from_disk, args.repeat)
        print(
            f"  new process (trace read from .mgit/cache), --no-stats: {disk:.3f}s (median {disk_med:.3f}s)"
            f"  [{_share(d3.timings)}]"
        )
        mem, mem_med, d4 = _best(lambda: diff_versions(repo, "base", "tuned", stats=False), args.repeat)
        print(f"  same process again, --no-stats: {mem:.3f}s (median {mem_med:.3f}s)  [{_share(d4.timings)}]")
        full, full_med, d5 = _best(lambda: diff_versions(repo, "base", "tuned"), max(1, args.repeat - 1))
        print(
            f"  with tensor stats (reads and decodes every changed tensor): {full:.3f}s (median {full_med:.3f}s)"
            f"  [{_share(d5.timings)}]"
        )
        assert d4.removed_nodes == d.removed_nodes and len(d5.changed_params) == len(d.changed_params)
        print(
            f"  target <= 0.5 s (hashes stored, trace cached): {'MET' if disk <= 0.5 else 'MISSED'} ({disk:.3f}s); "
            f"first ever {first_s:.3f}s; with stats {full:.3f}s"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
