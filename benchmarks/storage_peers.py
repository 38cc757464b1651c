"""Peers and speed sections of the storage benchmark (used by ``benchmarks/storage.py``).

- :func:`root_table`: bytes of whole models without a parent, ours (the store's choice)
  beside the former default (``zstd-bytegroup``), ZipNN and plain zstd, same tensors;
- :func:`speed_table`: MB/s per core of codecs on the same tensors, interleaved runs;
- :func:`thread_scaling`: wall time of one encode/decode with 1 thread vs all threads.

Per-core timings are the process's CPU time (ZipNN runs native threads that the calling
thread's CPU time would miss; our codecs run on one thread there), the best of ``repeat``
runs taken in turn (codec A, codec B, A, B, ...; each run starts with the next method,
as the first one meets colder caches), so that other load on the shared machine slows
the figures little; thread scaling needs wall clock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import zstandard

from mgit_lab.core.codecs import parallel
from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.choose import encode_best
from mgit_lab.core.codecs.registry import get_codec
from mgit_lab.core.store.objects import DEFAULT_CHUNK_ELEMS

State = dict[str, tuple[np.ndarray, str]]
#: (name, encode(array, base) -> bytes, decode(bytes, array, base) -> ndarray)
Method = tuple[str, Callable[[np.ndarray, np.ndarray | None], Any], Callable[[Any, np.ndarray, np.ndarray | None], Any]]


def zipnn_method(dtype: str) -> Method | None:
    """ZipNN 0.5.x on one thread (None when not installed); it reorders its input in place,
    so it is given a copy."""
    try:
        from zipnn import ZipNN
    except ImportError:
        return None
    z = ZipNN(input_format="byte", bytearray_dtype=dtype, threads=1)
    return (
        "zipnn",
        lambda a, b: z.compress(bytearray(a.tobytes())),
        lambda d, a, b: np.frombuffer(z.decompress(d), a.dtype),
    )


def codec_method(config: str | dict, name: str | None = None) -> Method:
    codec = get_codec(config)
    return (
        name or codec.id,
        lambda a, b: codec.encode(a, b if codec.needs_base else None),
        lambda d, a, b: codec.decode(d, b if codec.needs_base else None, _spec(a)),
    )


def chooser_method(name: str = "ours", chunk_elems: int = DEFAULT_CHUNK_ELEMS) -> Method:
    """What the store writes: the automatic per-tensor choice, on the store's flat chunks
    for tensors of more than ``chunk_elems`` elements (as the store cuts them)."""

    def enc(a: np.ndarray, b: np.ndarray | None) -> tuple[Any, Any]:
        if a.size <= chunk_elems:
            return encode_best(a, _spec(a), b, _spec(b) if b is not None else None)
        flat, base = a.reshape(-1), None if b is None else b.reshape(-1)
        parts = []
        for s in range(0, flat.size, chunk_elems):
            part, bpart = flat[s : s + chunk_elems], None if base is None else base[s : s + chunk_elems]
            spec = _spec(part)
            parts.append(encode_best(part, spec, bpart, spec if bpart is not None else None, whole=False))
        return None, parts

    def dec(d: tuple[Any, Any], a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        codec, data = d
        if codec is not None:
            return codec.decode(data, b if codec.needs_base else None, _spec(a))
        out, base = np.empty(a.size, a.dtype), None if b is None else b.reshape(-1)
        for i, (c, part) in enumerate(data):
            s = i * chunk_elems
            e = min(a.size, s + chunk_elems)
            bpart = None if base is None else base[s:e]
            out[s:e] = c.decode(part, bpart if c.needs_base else None, _spec(out[s:e]))
        return out.reshape(a.shape)

    return name, enc, dec


def zstd_method(level: int = 3) -> Method:
    cz, dz = zstandard.ZstdCompressor(level=level), zstandard.ZstdDecompressor()
    return (
        f"zstd-{level}",
        lambda a, b: cz.compress(a.tobytes()),
        lambda d, a, b: np.frombuffer(dz.decompress(d), a.dtype),
    )


def _spec(a: np.ndarray) -> TensorSpec:
    return TensorSpec("bfloat16" if a.dtype == np.uint16 else a.dtype.name, tuple(a.shape))


def _size(d: Any) -> int:
    if isinstance(d, tuple) and d[0] is None:  # chunks of the chooser
        return sum(len(p) for _, p in d[1])
    return len(d[1]) if isinstance(d, tuple) else len(d)


def measure(
    methods: list[Method],
    pairs: list[tuple[np.ndarray, np.ndarray | None]],
    repeat: int = 3,
    threads: int = 1,
    wall: bool = False,
) -> dict[str, dict[str, float]]:
    """Bytes, encode and decode seconds (best of ``repeat``, interleaved) of every method:
    process CPU time on one thread, wall clock on more (or with ``wall``).

    Every decode is checked bit-exact against its input.
    """
    clock = time.perf_counter if wall or threads > 1 else time.process_time
    out = {m[0]: {"bytes": 0, "enc": 0.0, "dec": 0.0, "raw": 0} for m in methods}
    with parallel.using(threads):
        for array, base in pairs:
            best = {m[0]: [float("inf"), float("inf"), 0] for m in methods}
            for r in range(repeat):
                # each run starts with another method: the first one meets colder caches
                for name, enc, dec in methods[r % len(methods) :] + methods[: r % len(methods)]:
                    t0 = clock()
                    data = enc(array, base)
                    t1 = clock()
                    back = dec(data, array, base)
                    t2 = clock()
                    b = best[name]
                    b[0], b[1], b[2] = min(b[0], t1 - t0), min(b[1], t2 - t1), _size(data)
            assert np.asarray(back).tobytes() == array.tobytes(), f"{name} is not bit-exact"
            for name, (e, d, size) in best.items():
                o = out[name]
                o["enc"] += e
                o["dec"] += d
                o["bytes"] += size
                o["raw"] += array.nbytes
    return out


def root_table(models: dict[str, State], repeat: int = 1) -> dict[str, dict[str, float]]:
    """Stored/raw of every model without a parent: ours, float-planes alone, the former
    default, ZipNN, zstd; then MB/s per core of ours, float-planes and ZipNN."""
    print(
        f"{'model':22s} {'raw MB':>8s} {'ours':>7s} {'fplanes':>7s} {'former':>7s} {'ZipNN':>7s} {'zstd-3':>7s}"
        "   ours vs ZipNN"
    )
    table, speeds = {}, []
    for name, state in models.items():
        dtype = next(iter(state.values()))[1]
        methods = [
            chooser_method(),
            codec_method("float-planes", "fplanes"),
            codec_method("zstd-bytegroup", "former"),
            zstd_method(),
        ]
        peer = zipnn_method(dtype)
        if peer is not None:
            methods.insert(3, peer)
        pairs = [(a, None) for a, _ in state.values()]
        got = measure(methods, pairs, repeat=repeat)
        ratios = {k: v["bytes"] / v["raw"] for k, v in got.items()}
        table[name] = ratios
        z = ratios.get("zipnn")
        verdict = (
            "-" if z is None else f"{ratios['ours'] / z - 1:+.2%} ({'smaller' if ratios['ours'] < z else 'LARGER'})"
        )
        print(
            f"{name:22s} {got['ours']['raw'] / 1e6:8.1f} {ratios['ours']:7.4f} {ratios['fplanes']:7.4f} "
            f"{ratios['former']:7.4f} {z if z is not None else float('nan'):7.4f} {ratios['zstd-3']:7.4f}   {verdict}"
        )
        speeds.append((name, got))
    print(f"encode / decode MB/s per core of the same runs (best of {repeat}):")
    for name, got in speeds:
        cells = [
            f"{m} {v['raw'] / 1e6 / v['enc']:5.0f} / {v['raw'] / 1e6 / v['dec']:5.0f}"
            for m, v in got.items()
            if m in ("ours", "fplanes", "zipnn")
        ]
        print(f"  {name:22s} " + "   ".join(cells))
    return table


def speed_table(
    title: str, methods: list[Method], pairs: list[tuple[np.ndarray, np.ndarray | None]], repeat: int
) -> None:
    """Print ratio and MB/s per core of ``methods`` on ``pairs``; the first is ours."""
    got = measure(methods, pairs, repeat=repeat)
    first = methods[0][0]
    print(f"{title} ({sum(a.nbytes for a, _ in pairs) / 1e6:.0f} MB, one thread, best of {repeat}, interleaved):")
    for name, v in got.items():
        enc, dec = v["raw"] / 1e6 / v["enc"], v["raw"] / 1e6 / v["dec"]
        rel = ""
        if name != first:
            f = got[first]
            rel = f"   ours/this: encode {v['enc'] / f['enc']:.2f}x, decode {v['dec'] / f['dec']:.2f}x"
        print(f"  {name:22s} ratio {v['bytes'] / v['raw']:.4f}  encode {enc:6.0f} MB/s  decode {dec:6.0f} MB/s{rel}")


def machine_scaling(n: int, repeat: int) -> float:
    """Speedup of plain zstd on ``n`` independent buffers, ``n`` threads vs 1: what the
    machine's free cores allow right now (the ceiling for any codec)."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    bufs = [rng.integers(0, 16, 8 << 20, dtype=np.uint8).tobytes() for _ in range(2 * n)]
    cz = [zstandard.ZstdCompressor(level=1) for _ in range(2 * n)]
    ratios = []
    with ThreadPoolExecutor(n) as ex:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for c, b in zip(cz, bufs, strict=True):
                c.compress(b)
            t1 = time.perf_counter()
            list(ex.map(lambda cb: cb[0].compress(cb[1]), zip(cz, bufs, strict=True)))
            ratios.append((t1 - t0) / (time.perf_counter() - t1))
    return statistics.median(ratios)


def serial_share(method: Method, pairs: list[tuple[np.ndarray, np.ndarray | None]]) -> tuple[float, float]:
    """(encode, decode) serial share of ``method`` from CPU time on one thread: the part of
    the work outside the codec pool's parallel maps (Amdahl's ``s``; load does not skew it)."""
    name, enc, dec = method
    datas = [enc(a, b) for a, b in pairs]
    with parallel.measuring() as e:
        for a, b in pairs:
            enc(a, b)
    with parallel.measuring() as d:
        for data, (a, b) in zip(datas, pairs, strict=True):
            dec(data, a, b)
    return e.serial_share, d.serial_share


def thread_scaling(methods: list[Method], pairs: list[tuple[np.ndarray, np.ndarray | None]], repeat: int) -> None:
    """Wall time with 1 thread vs all threads, runs alternating; prints the speedups beside
    CPU-time figures: the serial share (Amdahl bound) and the CPU the threaded runs cost."""
    n = parallel.default_threads()
    print(
        f"all cores ({n} threads) vs one thread, median of {repeat} alternating runs "
        f"(control: plain zstd on {2 * n} buffers scales {machine_scaling(n, repeat):.2f}x on this machine now):"
    )
    for method in methods:
        times: dict[int, list[tuple[float, float]]] = {1: [], n: []}
        cpu: dict[int, list[float]] = {1: [], n: []}
        for _ in range(repeat):
            for t in (1, n):
                c0 = time.process_time()
                got = measure([method], pairs, repeat=1, threads=t, wall=True)[method[0]]
                cpu[t].append(time.process_time() - c0)
                times[t].append((got["enc"], got["dec"]))
        one = [statistics.median(x[i] for x in times[1]) for i in (0, 1)]
        many = [statistics.median(x[i] for x in times[n]) for i in (0, 1)]
        raw = sum(a.nbytes for a, _ in pairs) / 1e6
        print(
            f"  {method[0]:22s} encode {raw / one[0]:5.0f} -> {raw / many[0]:5.0f} MB/s ({one[0] / many[0]:.2f}x), "
            f"decode {raw / one[1]:5.0f} -> {raw / many[1]:5.0f} MB/s ({one[1] / many[1]:.2f}x)   target >= 1.8x"
        )
        s_enc, s_dec = serial_share(method, pairs)
        bound = [1 / (s + (1 - s) / n) for s in (s_enc, s_dec)]
        print(
            f"  {'':22s} CPU time: serial share encode {s_enc:.1%} (Amdahl bound {bound[0]:.2f}x), "
            f"decode {s_dec:.1%} ({bound[1]:.2f}x); process CPU of a {n}-thread round / a 1-thread round "
            f"{statistics.median(cpu[n]) / statistics.median(cpu[1]):.2f}"
        )
