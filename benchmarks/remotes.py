"""Remotes benchmark: bytes sent and wall time of push / clone against a real S3 API.

Stores the lineage of ``benchmarks/lineage_model.py`` (a 22.7M-parameter BERT-style MLM
and children: full fine-tune, last-2-layer fine-tune, LoRA-merged, pruned, fp16, a chain
of fine-tunes) in a repository, starts moto's S3 server on loopback (its own process),
and measures, each beside a plain upload of the same checkpoint files (one safetensors
file per model, ``s3fs.put``: what ``aws s3 cp --recursive`` does) in the same run:

(a) first push of the lineage            vs put of every model's checkpoint file
(b) push of one fine-tuned child whose   vs put of that child's checkpoint file
    parent is on the remote                 (target: bytes <= 1.05 x its stored size + 64 KB)
(c) clone of the lineage                 vs get of every checkpoint file
(d) no-op push                           vs put of every checkpoint file again
                                            (target: one listing and one small read)

Each figure is the median of ``--repeat`` runs on fresh buckets.

Run: ``python benchmarks/remotes.py`` (a few minutes; training the lineage is most of the
first run, ``--cache DIR`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.lineage_model import Child
from benchmarks.storage import _save_children, _saved_children
from mgit_lab.api import Repository
from mgit_lab.core.io.modules import tensors_of
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.push import push
from mgit_lab.core.verbs.clone import clone

CHILD = "chain-3"  # (b): fine-tuned from chain-2
MODELS = ["base", "full-ft", "last2-ft", "lora-merged", "pruned", "fp16", "chain-1", "chain-2", CHILD]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_s3() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, endpoint
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def trained_lineage(cache: Path | None, args: argparse.Namespace) -> list[Child]:
    """The fp32 lineage of :mod:`benchmarks.lineage_model` (trained once, kept in ``cache``;
    the storage benchmark's bf16 family is not needed here)."""
    kids = _saved_children(cache, "lineage") if cache is not None else None
    if kids is None:
        import torch

        from benchmarks.lineage_model import build_lineage

        torch.set_num_threads(args.threads)
        kids = build_lineage(
            pretrain_steps=args.pretrain_steps, finetune_steps=args.finetune_steps, chain_steps=args.chain_steps
        )
        if cache is not None:
            _save_children(cache, "lineage", kids)
    return kids


def synthetic_lineage() -> list[Child]:
    """The same models without training (for a quick run): a seeded MiniLM-sized BERT and
    children made by seeded updates of the sizes fine-tunes make (relative 1e-3 on every
    weight, or on the last two layers), a merged rank-8 update, 50% magnitude pruning, an
    fp16 cast, and a chain of small updates of two layers each."""
    import torch
    from transformers import BertForMaskedLM

    from benchmarks.lineage_model import make_config, state_of

    torch.manual_seed(0)
    base = BertForMaskedLM(make_config())
    st = state_of(base)
    rng = np.random.default_rng(0)

    def nudge(state, keys, scale=1e-3):  # type: ignore[no-untyped-def]
        out = dict(state)
        for k in keys:
            a, d = state[k]
            if d == "float32":
                out[k] = (a + (rng.standard_normal(a.shape).astype(np.float32) * scale * (float(a.std()) or 1.0)), d)
        return out

    names = list(st)
    last2 = [k for k in names if ".layer.4." in k or ".layer.5." in k]
    kids = [Child("base", None, "version", st)]
    kids.append(Child("full-ft", "base", "finetune", nudge(st, names)))
    kids.append(Child("last2-ft", "base", "finetune", nudge(st, last2)))
    lora = dict(st)
    for k, (a, d) in st.items():
        if a.ndim == 2 and "encoder" in k:
            b_, a_ = rng.standard_normal((a.shape[0], 8)), rng.standard_normal((8, a.shape[1]))
            lora[k] = ((a + (b_ @ a_).astype(np.float32) * 1e-3 * float(a.std())).astype(np.float32), d)
    kids.append(Child("lora-merged", "base", "adapter", lora))
    pruned = {
        k: ((np.where(np.abs(a) < np.median(np.abs(a)), 0, a).astype(a.dtype)) if a.ndim == 2 else a, d)
        for k, (a, d) in st.items()
    }
    kids.append(Child("pruned", "base", "prune", pruned))
    kids.append(Child("fp16", "base", "quantize", {k: (a.astype(np.float16), "float16") for k, (a, d) in st.items()}))
    cur, parent = st, "base"
    for g in range(1, 4):
        cur = nudge(cur, [k for k in names if f".layer.{g}." in k or f".layer.{g + 1}." in k])
        kids.append(Child(f"chain-{g}", parent, "finetune", cur))
        parent = f"chain-{g}"
    return kids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrain-steps", type=int, default=200)
    ap.add_argument("--finetune-steps", type=int, default=40)
    ap.add_argument("--chain-steps", type=int, default=8)
    ap.add_argument("--cache", type=Path, default=None, help="keep the trained lineage here")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--synthetic", action="store_true", help="children made without training (quick)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads while training the lineage")
    args = ap.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import boto3
    import s3fs
    from safetensors.torch import save_file

    kids = {k.name: k for k in (synthetic_lineage() if args.synthetic else trained_lineage(args.cache, args))}
    work = Path(tempfile.mkdtemp(prefix="mgit-remotes-bench-"))
    proc, endpoint = start_s3()
    try:
        ckpt = work / "checkpoints"
        ckpt.mkdir()
        for name in MODELS:
            save_file(tensors_of(kids[name].state), str(ckpt / f"{name}.safetensors"))
        files = sorted(ckpt.iterdir())
        lineage_bytes = sum(f.stat().st_size for f in files if f.stem != CHILD)
        child_file = ckpt / f"{CHILD}.safetensors"
        fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True)
        s3 = boto3.client("s3", endpoint_url=endpoint)

        rows: dict[str, list[tuple[float, int, int, float, int]]] = {k: [] for k in "abcd"}
        child_stored = 0
        for run in range(args.repeat):
            bucket = f"bench-{uuid.uuid4().hex[:10]}"
            s3.create_bucket(Bucket=bucket)
            repo = Repository.init(work / f"repo-{run}")
            for name in MODELS[:-1]:
                k = kids[name]
                repo.add_arrays(k.state, name, parents=[(k.parent, k.relation)] if k.parent else None)
            status.add(repo, "origin", f"s3://{bucket}/mgit", {"endpoint_url": endpoint})

            t = time.perf_counter()
            fs.put([str(f) for f in files if f.stem != CHILD], f"{bucket}/plain-a/")
            plain_a = time.perf_counter() - t
            rep = push(repo)
            rows["a"].append((rep.seconds, rep.bytes_sent, rep.requests, plain_a, lineage_bytes))

            k = kids[CHILD]
            repo.add_arrays(k.state, CHILD, parents=[(k.parent, k.relation)])
            child_stored = repo.stored_nbytes(CHILD)[0]
            t = time.perf_counter()
            fs.put(str(child_file), f"{bucket}/plain-b/{child_file.name}")
            plain_b = time.perf_counter() - t
            rep = push(repo)
            rows["b"].append((rep.seconds, rep.bytes_sent, rep.requests, plain_b, child_file.stat().st_size))

            t = time.perf_counter()
            for part in ("plain-a", "plain-b"):  # the same 9 files the clone receives
                fs.get(f"{bucket}/{part}/", str(work / f"plain-get-{run}" / part) + "/", recursive=True)
            plain_c = time.perf_counter() - t
            _, rep = clone(f"s3://{bucket}/mgit", work / f"clone-{run}", options={"endpoint_url": endpoint})
            all_bytes = sum(f.stat().st_size for f in files)
            rows["c"].append((rep.seconds, rep.bytes_received, rep.requests, plain_c, all_bytes))

            t = time.perf_counter()
            fs.put([str(f) for f in files], f"{bucket}/plain-d/")
            plain_d = time.perf_counter() - t
            rep = push(repo)
            rows["d"].append((rep.seconds, rep.bytes_sent, rep.requests, plain_d, sum(f.stat().st_size for f in files)))
            rows.setdefault("d-listings", []).append((rep.listings, 0, 0, 0.0, 0))
            repo.close()
            shutil.rmtree(work / f"clone-{run}", ignore_errors=True)
            shutil.rmtree(work / f"plain-get-{run}", ignore_errors=True)

        med = lambda key, i: statistics.median(r[i] for r in rows[key])  # noqa: E731
        labels = {
            "a": f"(a) first push of {len(MODELS) - 1} models",
            "b": f"(b) push of {CHILD} (parent on the remote)",
            "c": f"(c) clone of {len(MODELS)} models (received)",
            "d": "(d) no-op push",
        }
        print(
            f"\nmedian of {args.repeat} runs; S3 = moto server on loopback; plain = s3fs put/get of safetensors files\n"
        )
        head = "| mgit MB | mgit s | requests | plain MB | plain s | bytes mgit/plain | time mgit/plain |"
        print(f"| {'operation':44} {head}")
        print(f"|{'-' * 46}|--------:|-------:|---------:|---------:|--------:|-----------------:|----------------:|")
        for key, label in labels.items():
            secs, nbytes, reqs, psecs, pbytes = (med(key, i) for i in range(5))
            print(
                f"| {label:44} | {nbytes / 1e6:7.2f} | {secs:6.2f} | {reqs:8.0f} | {pbytes / 1e6:8.1f} | {psecs:7.2f} "
                f"| {nbytes / pbytes:16.4f} | {secs / psecs:15.3f} |"
            )
        b_sent = med("b", 1)
        limit = 1.05 * child_stored + 64_000
        print(
            f"\n(b) {CHILD}: stored {child_stored / 1e6:.2f} MB, sent {b_sent / 1e6:.2f} MB "
            f"(target <= 1.05 x stored + 64 KB = {limit / 1e6:.2f} MB): {'met' if b_sent <= limit else 'MISSED'}"
        )
        print(
            f"(d) no-op push: {med('d', 2):.0f} request(s), {med('d-listings', 0):.0f} listing(s), "
            f"{med('d', 1):.0f} bytes sent (target: one listing and one small read)"
        )
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
