"""Damage a small repository in seeded ways and check every command through the CLI.

Shared by the store-damage tests, the fault-injection suite and
``benchmarks/store_faults.py`` (which prints the counts).  A command *passes* a fault when
it succeeds with the right bytes or fails with one ``mgit: error:`` line (``verify``: exit 1
and a ``DAMAGED`` report); a checkout that exits 0 with other bytes is *silent wrong bytes*;
a committed version that no longer checks out bit-exact after the damaged files are
restored (those still present; a pack a command deleted stays deleted) is *data lost*.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
from safetensors.numpy import load_file, save_file

from mgit_lab.cli import main

Expected = dict[str, dict[str, np.ndarray]]


def mgit(root: Path, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process: (exit code, stdout, stderr); an escaped exception is code -1."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["-C", str(root), *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
        except BaseException:  # noqa: BLE001 - a traceback is what the checks count
            code, _ = -1, err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


def clear_failure(code: int, out: str, err: str) -> bool:
    """One ``mgit: error:`` line and nothing else on stderr (no traceback)."""
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("WARNING")]
    return code == 1 and len(lines) == 1 and lines[0].startswith("mgit: error: ")


def model(seed: int, step: int) -> dict[str, np.ndarray]:
    """A small state dict; ``step`` nudges a few values so versions delta against each other."""
    rng = np.random.default_rng(seed)
    state = {
        "l1.weight": rng.standard_normal((32, 16)).astype(np.float32),
        "l1.bias": rng.standard_normal(64).astype(np.float32),
        "l2.weight": rng.standard_normal((16, 16)).astype(np.float16),
        "l2.bias": rng.standard_normal(16).astype(np.float32),
        "steps": np.arange(8, dtype=np.int64),
    }
    for i in range(step):
        state["l1.weight"][i % 32, :4] += 0.01 * (i + 1)
        state["l2.bias"][i % 16] -= 0.5
        state["steps"][i % 8] += 1
    return state


def add_version(root: Path, work: Path, name: str, state: dict[str, np.ndarray], parent: str | None) -> None:
    path = work / f"{name}.safetensors"
    save_file(state, str(path))
    code, out, err = mgit(root, "add", str(path), "-n", name, *(["-p", parent] if parent else ["--no-infer"]))
    assert code == 0, err
    path.unlink()


def build_repo(root: Path, versions: int, seed: int = 0) -> Expected:
    """A repository of ``versions`` chained versions (one pack each); returns their tensors."""
    root.mkdir(parents=True, exist_ok=True)
    assert mgit(root, "init", str(root))[0] == 0
    expected: Expected = {}
    parent = None
    for i in range(versions):
        name = f"v{i}"
        expected[name] = model(seed, i)
        add_version(root, root, name, expected[name], parent)
        parent = name
    return expected


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes() for k in a
    )


def checkout(root: Path, name: str) -> tuple[int, str, str, dict[str, np.ndarray] | None]:
    """Check ``name`` out through the CLI into a file; its tensors when it exited 0."""
    target = root.parent / f"out-{name}.safetensors"
    code, out, err = mgit(root, "checkout", name, "-o", str(target), "-f")
    got = load_file(str(target)) if code == 0 else None
    target.unlink(missing_ok=True)
    return code, out, err, got


@dataclass
class Outcome:
    """What the commands did after one fault."""

    fault: str
    detected: bool = False
    wrong_bytes: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def _check_checkouts(root: Path, expected: Expected, o: Outcome, when: str) -> None:
    for name, want in expected.items():
        code, out, err, got = checkout(root, name)
        if code == 0:
            if got is None or not same(got, want):
                o.wrong_bytes.append(f"{when} checkout {name}")
        elif clear_failure(code, out, err):
            o.detected = True
        else:
            o.unclear.append(f"{when} checkout {name}: {code} {err[-300:]}")


def _run(root: Path, o: Outcome, verb: str, *argv: str) -> int:
    code, out, err = mgit(root, verb, *argv)
    if code == 0:
        return 0
    if verb == "verify" and code == 1 and out.startswith("DAMAGED") and "Traceback" not in err:
        o.detected = True
    elif clear_failure(code, out, err):
        o.detected = True
    else:
        o.unclear.append(f"{verb}: {code} {out[-200:]} {err[-300:]}")
    return code


def exercise(root: Path, expected: Expected, fault: str, restore: Callable[[], None], extra_seed: int) -> Outcome:
    """Every command after a fault, then restore the damaged files and count what is lost."""
    o = Outcome(fault)
    _check_checkouts(root, expected, o, "before gc")
    _run(root, o, "log")
    _run(root, o, "verify")
    want = dict(expected)
    extra = model(1000 + extra_seed, 3)
    path = root.parent / "extra.safetensors"
    save_file(extra, str(path))
    if _run(root, o, "add", str(path), "-n", "extra", "--no-infer") == 0:
        want["extra"] = extra
    path.unlink()
    _run(root, o, "gc")
    _check_checkouts(root, want, o, "after gc")
    restore()
    mgit(root, "verify", "--repair")
    for name, tensors in want.items():
        code, _, _, got = checkout(root, name)
        if code != 0 or got is None or not same(got, tensors):
            o.lost.append(name)
    return o


@contextlib.contextmanager
def damaged_copy(pristine: Path, work: Path) -> Iterator[Path]:
    """A fresh copy of the pristine repository folder, removed afterwards."""
    root = work / "repo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(pristine, root)
    try:
        yield root
    finally:
        shutil.rmtree(work, ignore_errors=True)


def restorer(files: list[tuple[Path, bytes]]) -> Callable[[], None]:
    """Put back the original bytes of each damaged file that is still there."""

    def restore() -> None:
        for path, data in files:
            if path.exists():
                path.write_bytes(data)

    return restore


#: ways to make an index file unusable (each keeps the pack itself intact)
INDEX_FAULTS: dict[str, Callable[[bytes], bytes | None]] = {
    "cut in half": lambda b: b[: len(b) // 2],
    "valid JSON without objects": lambda b: b'{"pack": "x"}',
    "objects of the wrong type": lambda b: json.dumps({"objects": {"a" * 64: {"dtype": 7}}}).encode(),
    "deleted": lambda b: None,
    "unreadable": lambda b: b"\x00" * 7,
}


def packs(root: Path) -> list[Path]:
    return sorted((root / ".mgit" / "packs").glob("*.h5"))


@dataclass
class Counts:
    injected: int = 0
    detected: int = 0
    harmless: int = 0
    silent_wrong_bytes: int = 0
    unclear_messages: int = 0
    versions_lost: int = 0
    problems: list[str] = field(default_factory=list)

    def record(self, o: Outcome) -> None:
        self.injected += 1
        self.detected += o.detected
        self.harmless += not (o.detected or o.wrong_bytes or o.unclear)
        self.silent_wrong_bytes += len(o.wrong_bytes)
        self.unclear_messages += len(o.unclear)
        self.versions_lost += len(o.lost)
        for what in o.wrong_bytes + o.unclear + [f"lost {n}" for n in o.lost]:
            self.problems.append(f"{o.fault}: {what}")

    def summary(self) -> str:
        return (
            f"faults injected {self.injected}, detected {self.detected}, harmless {self.harmless}, "
            f"silent wrong bytes {self.silent_wrong_bytes}, unclear messages {self.unclear_messages}, "
            f"versions lost {self.versions_lost}"
        )


def run_faults(pristine: Path, expected: Expected, work: Path, seed: int, flips: int, cuts: int) -> Counts:
    """Bit flips and truncations of every pack, each index fault on every index."""
    rng = random.Random(seed)
    counts = Counts()
    n = 0
    for i, pack in enumerate(packs(pristine)):
        size = pack.stat().st_size
        faults: list[tuple[str, Callable[[bytes], bytes | None]]] = []
        start, length = blob_extent(pack)
        for _ in range(flips):  # anywhere in the file, then inside the encoded objects
            at, bit = rng.randrange(size), 1 << rng.randrange(8)
            faults.append((f"pack {i} bit {bit} flipped at {at}/{size}", _flip(at, bit)))
            at, bit = start + rng.randrange(length), 1 << rng.randrange(8)
            faults.append((f"pack {i} bit {bit} flipped at {at}/{size} (object bytes)", _flip(at, bit)))
        for _ in range(cuts):
            keep = rng.randrange(size)
            faults.append((f"pack {i} truncated to {keep}/{size}", lambda b, k=keep: b[:k]))
        for kind, make in INDEX_FAULTS.items():
            faults.append((f"index {i} {kind}", make))
        for label, make in faults:
            target_of = (lambda r, p=pack: r / ".mgit" / "packs" / p.name) if label.startswith("pack") else None
            if target_of is None:
                target_of = lambda r, p=pack: r / ".mgit" / "packs" / (p.name[: -len(".h5")] + ".idx.json")  # noqa: E731
            with damaged_copy(pristine, work) as root:
                target = target_of(root)
                original = target.read_bytes()
                damaged = make(original)
                if damaged is None:
                    target.unlink()
                else:
                    target.write_bytes(damaged)
                n += 1
                counts.record(exercise(root, expected, label, restorer([(target, original)]), n))
    return counts


def blob_extent(pack: Path) -> tuple[int, int]:
    """(file offset, length) of a pack's encoded objects (a contiguous HDF5 dataset)."""
    with h5py.File(pack, "r") as fh:
        ds = fh["blob"]
        return int(ds.id.get_offset()), int(ds.shape[0])


def _flip(at: int, bit: int) -> Callable[[bytes], bytes]:
    def flip(b: bytes) -> bytes:
        out = bytearray(b)
        out[at] ^= bit
        return bytes(out)

    return flip


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[str | None]:
    """Mount a tmpfs of ``size`` at ``path``; yields None when mounted, else why not."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        yield "not root: cannot mount a tmpfs"
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        yield f"mount failed: {done.stderr.decode(errors='replace').strip()}"
        return
    try:
        yield None
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill_disk(folder: Path, leave: int) -> Path:
    """Fill the file system of ``folder`` until ``leave`` bytes are free; returns the filler."""
    filler = folder / "filler"
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))
    return filler


def disk_full_run(mount: Path, pristine: Path, expected: Expected, big_seed: int = 7) -> Outcome | str:
    """``add`` and ``gc`` on a full tmpfs: one clear error, nothing committed lost, no new version."""
    with small_tmpfs(mount, "8m") as why_not:
        if why_not:
            return why_not
        root = mount / "repo"
        shutil.copytree(pristine, root)
        o = Outcome("disk full")
        rng = np.random.default_rng(big_seed)
        big = {"w": rng.standard_normal((256, 256)).astype(np.float32)}  # 256 KB, incompressible
        path = mount / "big.safetensors"
        save_file(big, str(path))
        filler = fill_disk(mount, 64 << 10)
        code, out, err = mgit(root, "add", str(path), "-n", "big", "--no-infer")
        if code == 0:
            o.wrong_bytes.append("add succeeded on a full disk")
        elif clear_failure(code, out, err) and "full" in err:
            o.detected = True
        else:
            o.unclear.append(f"add: {code} {err[-400:]}")
        code, out, err = mgit(root, "gc")  # repacks every pack: needs room too
        if code != 0 and not (clear_failure(code, out, err) and "full" in err):
            o.unclear.append(f"gc: {code} {err[-400:]}")
        leftovers = [p.name for p in (root / ".mgit" / "tmp").glob("*")]
        if leftovers:
            o.unclear.append(f"half-written files left visible: {leftovers}")
        code, out, err = mgit(root, "log")
        if code != 0 or "big" in out.split():
            o.unclear.append(f"log after a failed add: {code} {out[-200:]} {err[-200:]}")
        filler.unlink()
        for name, want in expected.items():
            code, _, _, got = checkout(root, name)
            if code != 0 or got is None or not same(got, want):
                o.lost.append(name)
        if mgit(root, "verify")[0] != 0:
            o.unclear.append("verify after a failed add is not clean")
        if mgit(root, "add", str(path), "-n", "big", "--no-infer")[0] != 0:
            o.unclear.append("add after freeing space failed")
        return o
