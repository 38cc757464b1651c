"""How fast `mgit` answers, against `python -c pass` and `git log` measured in the same run.

Goal (issue 10): the read-only verbs (`log`, `show`, `du`, `tag` listing, `--help`,
`--version`) answer within 150 ms wall on a 1,000-version repository on a quiet core, and
argument and path errors within 200 ms (before any heavy import).  The machine is shared and
noisy, so every command is run ``--rounds`` times, the commands interleaved round-robin, and
the table shows medians and their ratios to the two baselines of the same run:

- ``python -c pass``: the interpreter's own start, the floor of any Python command;
- ``git log`` on a 1,000-commit repository (``--no-pager``, output to a pipe).

Usage::

    .venv/bin/python benchmarks/cli_latency.py [--versions 1000] [--rounds 15] [--keep DIR]

The mgit repository is built once per ``--keep`` folder (a forest of small models, as in
``benchmarks/server_graph.py``); the git repository with ``git fast-import``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MS = 150.0
ERROR_GOAL_MS = 200.0


def build_git(path: Path, commits: int) -> None:
    """A git repository of ``commits`` commits, each changing one small file."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    lines = []
    for i in range(commits):
        data = f"model {i}\n"
        msg = f"commit {i}\n"
        lines += [
            "commit refs/heads/main",
            f"committer Bench <bench@example.com> {1_700_000_000 + i} +0000",
            f"data {len(msg)}",
            msg.rstrip("\n"),
            "M 100644 inline notes.txt",
            f"data {len(data)}",
            data.rstrip("\n"),
            "",
        ]
    stream = "\n".join(lines) + "\n"
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=stream.encode(), check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)


def build_mgit(path: Path, versions: int) -> None:
    from benchmarks.server_graph import build_repository

    build_repository(path, versions, tensors=8)


def run_once(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, proc.returncode, proc.stderr.decode(errors="replace")


ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0", "GIT_PAGER": "cat", "PAGER": "cat"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the repositories in this folder")
    opts = ap.parse_args()

    work = opts.keep or Path(tempfile.mkdtemp(prefix="mgit-cli-latency-"))
    mrepo, grepo = work / "models", work / "git"
    if not (mrepo / ".mgit").exists():
        t = time.perf_counter()
        build_mgit(mrepo, opts.versions)
        print(f"built {opts.versions} versions in {time.perf_counter() - t:.1f} s: {mrepo}", file=sys.stderr)
    if not (grepo / ".git").exists():
        build_git(grepo, opts.versions)
    mgit = [sys.executable, "-m", "mgit_lab.cli"]
    mid = f"m{opts.versions // 2}"
    commands: list[tuple[str, list[str], Path, int, float]] = [
        ("python -c pass", [sys.executable, "-c", "pass"], mrepo, 0, 0),
        ("git log", ["git", "--no-pager", "log"], grepo, 0, 0),
        ("mgit --version", [*mgit, "--version"], mrepo, 0, GOAL_MS),
        ("mgit --help", [*mgit, "--help"], mrepo, 0, GOAL_MS),
        ("mgit log", [*mgit, "log"], mrepo, 0, GOAL_MS),
        ("mgit log --json", [*mgit, "log", "--json"], mrepo, 0, GOAL_MS),
        (f"mgit show {mid}", [*mgit, "show", mid], mrepo, 0, GOAL_MS),
        (f"mgit show {mid} --json", [*mgit, "show", mid, "--json"], mrepo, 0, GOAL_MS),
        ("mgit du", [*mgit, "du"], mrepo, 0, GOAL_MS),
        ("mgit tag", [*mgit, "tag"], mrepo, 0, GOAL_MS),
        ("mgit add missing.safetensors", [*mgit, "add", "missing.safetensors"], mrepo, 1, ERROR_GOAL_MS),
        ("mgit show nope", [*mgit, "show", "nope"], mrepo, 1, ERROR_GOAL_MS),
        ("mgit merge (no versions)", [*mgit, "merge"], mrepo, 1, ERROR_GOAL_MS),
        ("mgit log --bad-flag", [*mgit, "log", "--bad-flag"], mrepo, 2, ERROR_GOAL_MS),
    ]
    times: dict[str, list[float]] = {name: [] for name, *_ in commands}
    for name, cmd, cwd, code, _ in commands:  # warm the page cache once; check exit codes
        _, got, err = run_once(cmd, cwd)
        if got != code:
            print(f"{name}: exit {got}, expected {code}\n{err}", file=sys.stderr)
            return 1
    for _ in range(opts.rounds):
        for name, cmd, cwd, _, _ in commands:
            times[name].append(run_once(cmd, cwd)[0])
    py = statistics.median(times["python -c pass"])
    git = statistics.median(times["git log"])
    print(
        f"\n{opts.versions} versions / commits, {opts.rounds} rounds, medians (load average {os.getloadavg()[0]:.1f})"
    )
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    print("| command | median ms | min ms | x python -c pass | x git log | goal ms | met |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, _, _, _, goal in commands:
        med = statistics.median(times[name])
        met = "" if not goal else ("yes" if med <= goal else "no")
        print(
            f"| {name} | {med:.0f} | {min(times[name]):.0f} | {med / py:.1f} | {med / git:.1f} | "
            f"{goal or '':} | {met} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
