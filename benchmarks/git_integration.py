"""Git integration benchmark: a 10-commit fine-tuning history kept in git through mgit.

Builds a small BERT masked-LM from a config (no download), takes a few seeded training
steps per commit and saves ``model.safetensors`` after each (10 commits), then stores that
same history four ways in the same run and prints one table:

- ``mgit``: ``mgit add`` of each checkpoint with its parent (the reference);
- ``git+mgit``: a git repository with ``mgit git install`` and ``mgit track``: ``git add`` +
  ``git commit`` per checkpoint (the long-running clean filter), then ``git checkout`` of
  every commit (the smudge filter), each checked byte for byte;
- ``git``: plain git (zlib-compressed blobs), the same adds and checkouts;
- ``git-lfs``: when ``git lfs`` is installed (``apt-get install git-lfs``).

Storage is the size of ``.git`` + ``.mgit`` (after the history is committed, no ``git gc``),
against the checkpoints' total size.  Times are medians over the 10 commits (wall clock,
process start-up included on every side: ``mgit checkout`` is a CLI call too).  Targets:
git+mgit storage within 1.1x of mgit alone; ``git checkout`` within 1.5x of ``mgit checkout``.

Run: ``python benchmarks/git_integration.py`` (``--hidden 256 --layers 4`` by default;
about 2-4 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MGIT = [sys.executable, "-m", "mgit_lab.cli"]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


def du(*paths: Path) -> int:
    return sum(f.stat().st_size for p in paths if p.exists() for f in p.rglob("*") if f.is_file())


def build_history(out: Path, commits: int, hidden: int, layers: int) -> list[Path]:
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=4000,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=4 * hidden,
        max_position_embeddings=128,
    )
    model = BertForMaskedLM(config)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    files = []
    for i in range(commits):
        if i:
            for _ in range(2):
                ids = torch.randint(0, 4000, (8, 32))
                loss = model(input_ids=ids, labels=ids).loss
                loss.backward()
                opt.step()
                opt.zero_grad()
        state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
        # tied weights: safetensors keeps one copy
        state.pop("cls.predictions.decoder.weight", None)
        path = out / f"ckpt{i:02d}.safetensors"
        save_file(state, str(path), metadata={"format": "pt"})
        files.append(path)
    return files


def bench_mgit(work: Path, files: list[Path]) -> dict:
    repo = work / "mgit"
    repo.mkdir()
    run([*MGIT, "init"], repo)
    adds, outs = [], []
    for i, f in enumerate(files):
        parent = ["--parent", f"v{i - 1}"] if i else []
        adds.append(run([*MGIT, "add", str(f), "--name", f"v{i}", *parent, "-m", f"step {i}"], repo))
    for i, f in enumerate(files):
        out = work / f"out{i}.safetensors"
        outs.append(run([*MGIT, "checkout", f"v{i}", "-o", str(out)], repo))
        assert out.read_bytes() == f.read_bytes(), f"mgit checkout v{i} differs"
        out.unlink()
    return {"bytes": du(repo / ".mgit"), "add": adds, "checkout": outs}


def bench_git(work: Path, files: list[Path], mode: str) -> dict:
    repo = work / mode
    repo.mkdir()
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    g = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "init.defaultBranch=main"]
    run([*g, "init", "-q"], repo)
    if mode == "git+mgit":
        run([*MGIT, "git", "install"], repo)
        run([*MGIT, "track", "*.safetensors"], repo)
        run([*g, "add", ".gitattributes"], repo)
    elif mode == "git-lfs":
        run(["git", "lfs", "install", "--local"], repo)
        run(["git", "lfs", "track", "*.safetensors"], repo)
        run([*g, "add", ".gitattributes"], repo)
    adds, outs, shas = [], [], []
    for i, f in enumerate(files):
        shutil.copyfile(f, repo / "model.safetensors")
        adds.append(run([*g, "add", "model.safetensors"], repo, env))
        run([*g, "commit", "-qm", f"step {i}"], repo, env)
        shas.append(
            subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
        )
    size = du(repo / ".git", repo / ".mgit")
    order = list(range(len(files) - 2, -1, -1)) + [len(files) - 1]  # every commit, each a change of file
    for i in order:
        outs.append(run([*g, "checkout", "-q", shas[i]], repo, env))
        assert (repo / "model.safetensors").read_bytes() == files[i].read_bytes(), f"{mode} checkout {i} differs"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert status == "", f"{mode}: git status not clean: {status}"
    return {"bytes": size, "add": adds, "checkout": outs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--commits", type=int, default=10)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mgit-gitbench-") as tmp:
        work = Path(tmp)
        (work / "ckpts").mkdir()
        home = work / "home"
        home.mkdir()
        os.environ["HOME"] = str(home)  # the user's git config stays untouched
        files = build_history(work / "ckpts", args.commits, args.hidden, args.layers)
        raw = sum(f.stat().st_size for f in files)
        results = {"mgit": bench_mgit(work, files)}
        modes = ["git+mgit", "git"]
        if shutil.which("git-lfs"):
            modes.append("git-lfs")
        for mode in modes:
            results[mode] = bench_git(work, files, mode)
    ref = results["mgit"]
    med = statistics.median
    print(f"{args.commits} commits of a {raw / len(files) / 1e6:.1f} MB checkpoint ({raw / 1e6:.1f} MB in all)\n")
    print(
        "| store | bytes on disk | vs checkpoints | vs mgit | add (median s) | checkout (median s) | checkout vs mgit |"
    )
    print("|---|---|---|---|---|---|---|")
    for mode, r in results.items():
        print(
            f"| {mode} | {r['bytes'] / 1e6:.1f} MB | {r['bytes'] / raw:.2f}x | {r['bytes'] / ref['bytes']:.2f}x "
            f"| {med(r['add']):.2f} | {med(r['checkout']):.2f} | {med(r['checkout']) / med(ref['checkout']):.2f}x |"
        )
    gm = results["git+mgit"]
    print(
        f"\ntargets: storage {gm['bytes'] / ref['bytes']:.2f}x of mgit (<= 1.1x: "
        f"{'met' if gm['bytes'] <= 1.1 * ref['bytes'] else 'MISSED'}); git checkout "
        f"{med(gm['checkout']) / med(ref['checkout']):.2f}x of mgit checkout (<= 1.5x: "
        f"{'met' if med(gm['checkout']) <= 1.5 * med(ref['checkout']) else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
