"""Encode on 1 vs 2 threads, many alternating rounds, with a zstd control in the same rounds.

The storage benchmark's thread rows take 3 rounds inside a 4-minute run; on a shared
machine the free cores come and go faster than that.  This script repeats short rounds
(one thread, two threads, alternating, the control among them) on 48M bf16 words
(3 tensors of 16M: ``float-planes``) and their bf16 fine-tune deltas (``ordered-delta``
in blocks) and prints per codec the median wall speedup of the second thread with every
round's figure, the process CPU of a 2-thread round over a 1-thread round (above 1: the
threads slow each other), and the control (plain zstd on 4 independent buffers).

Run: ``python benchmarks/codec_threads.py [ROUNDS]`` (default 9, ~30 s).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.storage_models import bf16_finetune
from mgit_lab.core.codecs import parallel
from mgit_lab.core.codecs.registry import get_codec


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    rng = np.random.default_rng(0)
    weights = rng.standard_normal(48 << 20).astype(np.float32) * np.float32(0.02)
    words = (weights.view(np.uint32) >> 16).astype(np.uint16)  # bf16 bit patterns
    tensors = [words[i << 24 : (i + 1) << 24] for i in range(3)]
    kids = [bf16_finetune({"t": (t, "bfloat16")})["t"][0] for t in tensors]
    planes, delta = get_codec("float-planes"), get_codec({"id": "ordered-delta", "block": 1 << 20})
    work = {
        "float-planes": lambda: [planes.encode(t) for t in tensors],
        "ordered-delta block": lambda: [delta.encode(k, t) for k, t in zip(kids, tensors, strict=True)],
    }
    bufs = [rng.integers(0, 16, 8 << 20, dtype=np.uint8).tobytes() for _ in range(4)]
    zs = [zstandard.ZstdCompressor(level=1) for _ in bufs]
    pool = ThreadPoolExecutor(2)

    def control(threads: int) -> None:
        if threads == 1:
            for z, b in zip(zs, bufs, strict=True):
                z.compress(b)
        else:
            list(pool.map(lambda zb: zb[0].compress(zb[1]), zip(zs, bufs, strict=True)))

    with parallel.using(2):
        work["float-planes"]()  # the codec pool exists before the first timed round
    wall: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for threads in (1, 2):
            t0 = time.perf_counter()
            control(threads)
            wall.setdefault(("control", threads), []).append(time.perf_counter() - t0)
        for name, fn in work.items():
            for threads in (1, 2):
                t0, c0 = time.perf_counter(), time.process_time()
                with parallel.using(threads):
                    fn()
                wall.setdefault((name, threads), []).append(time.perf_counter() - t0)
                cpu.setdefault((name, threads), []).append(time.process_time() - c0)
    print(f"2 threads vs 1, {rounds} alternating rounds (median, then every round):")
    for name in ("control", *work):
        ups = [a / b for a, b in zip(wall[(name, 1)], wall[(name, 2)], strict=True)]
        line = f"  {name:20s} {statistics.median(ups):.2f}x  ({', '.join(f'{u:.2f}' for u in ups)})"
        if name != "control":
            inflation = statistics.median(cpu[(name, 2)]) / statistics.median(cpu[(name, 1)])
            line += f"; one thread {statistics.median(wall[(name, 1)]) * 1e3:.0f} ms, CPU 2t/1t {inflation:.2f}"
        print(line)


if __name__ == "__main__":
    main()
