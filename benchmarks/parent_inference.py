"""Parent inference: accuracy on a generated lineage with known truth, and cost per add.

Part A builds a real repository through ``Repository.add``: several model families (three
architectures, several random initialisations each) grown by random operations with a
known parent: full fine-tunes (relative noise 0.2%..5%), fine-tunes of the last layers
only, new versions (5%..20%), magnitude pruning (30%..80%), fp16/bf16 casts, adapters
(new tensors), and fresh roots (which must stay roots).  Every add infers its parent; the
script reports the share of adds whose inferred parent is the true one, per operation, and
the inference time per add as the repository grows (warm: same process; cold: a fresh
``Repository`` as a CLI call would see it).

The same-run baseline is a *full scan*: decode every structurally compatible stored model
and pick the nearest by exact L2 distance (what a tool without an index must do; MGit's
``add`` also compares against every node).  It is timed on a few adds at each checkpoint.

Part B measures inference cost at scale without storing weights: 1,000 versions with a
BERT-base layout (199 tensors, 110M parameters) in the sketch index.

    python benchmarks/parent_inference.py                  # 1,000 versions (a few minutes)
    python benchmarks/parent_inference.py --versions 200   # quicker

Reference (not this run): MGit measured 7.5 s per insert at 23 models and 38 s at 736.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mgit_lab.api import Repository  # noqa: E402
from mgit_lab.core.inference import SketchIndex, infer_parent  # noqa: E402
from mgit_lab.core.inference.sketch import layout_of  # noqa: E402
from mgit_lab.core.lineage import LineageGraph, ModelVersion, TensorRef  # noqa: E402

State = dict[str, np.ndarray]


# ----------------------------------------------------------------------------- models
def arch_shapes(arch: str) -> dict[str, tuple[int, ...]]:
    if arch == "mlp":
        return {
            "l0.weight": (256, 256),
            "l0.bias": (256,),
            "norm.weight": (256,),
            "norm.bias": (256,),
            "l1.weight": (256, 256),
            "l1.bias": (256,),
            "head.weight": (10, 256),
            "head.bias": (10,),
        }
    if arch == "tx":
        out: dict[str, tuple[int, ...]] = {"emb.weight": (500, 64), "pos.weight": (64, 64)}
        for i in range(2):
            p = f"layer.{i}."
            for m in ("q", "k", "v", "o"):
                out[p + m + ".weight"] = (64, 64)
                out[p + m + ".bias"] = (64,)
            out[p + "ln1.weight"], out[p + "ln1.bias"] = (64,), (64,)
            out[p + "ffn1.weight"], out[p + "ffn1.bias"] = (256, 64), (256,)
            out[p + "ffn2.weight"], out[p + "ffn2.bias"] = (64, 256), (64,)
            out[p + "ln2.weight"], out[p + "ln2.bias"] = (64,), (64,)
        out["head.weight"], out["head.bias"] = (4, 64), (4,)
        return out
    if arch == "cnn":
        return {
            "c1.weight": (32, 3, 3, 3),
            "c1.bias": (32,),
            "c2.weight": (64, 32, 3, 3),
            "c2.bias": (64,),
            "c3.weight": (128, 64, 3, 3),
            "c3.bias": (128,),
            "bn.weight": (128,),
            "bn.bias": (128,),
            "fc.weight": (10, 128),
            "fc.bias": (10,),
        }
    raise ValueError(arch)


def random_init(arch: str, rng: np.random.Generator) -> State:
    out = {}
    for name, shape in arch_shapes(arch).items():
        if len(shape) > 1:
            fan_in = int(np.prod(shape[1:]))
            out[name] = rng.normal(0, 1 / math.sqrt(fan_in), shape).astype(np.float32)
        elif "norm" in name or "ln" in name or name.startswith("bn"):
            out[name] = (
                1 + rng.normal(0, 0.02, shape) if name.endswith("weight") else rng.normal(0, 0.02, shape)
            ).astype(np.float32)
        else:
            out[name] = rng.normal(0, 0.02, shape).astype(np.float32)
    return out


def noisy(state: State, scale: float, rng: np.random.Generator, keys: set[str] | None = None) -> State:
    out = {}
    for k, v in state.items():
        if keys is None or k in keys:
            std = float(np.std(v.astype(np.float32))) or 1e-3
            moved = v.astype(np.float32) + rng.normal(0, scale * std, v.shape).astype(np.float32)
            out[k] = moved.astype(v.dtype)
        else:
            out[k] = v
    return out


def pruned(state: State, frac: float) -> State:
    out = {}
    for k, v in state.items():
        if v.ndim >= 2:
            cut = np.quantile(np.abs(v.astype(np.float32)), frac)
            out[k] = np.where(np.abs(v.astype(np.float32)) <= cut, np.zeros_like(v), v)
        else:
            out[k] = v
    return out


def to_torch(state: State, dtype: str | None = None) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in state.items():
        t = torch.from_numpy(np.ascontiguousarray(v))
        out[k] = t.to(getattr(torch, dtype)) if dtype else t
    return out


# ----------------------------------------------------------------------------- lineage generator
OPS = [
    ("finetune", 0.40),
    ("partial", 0.15),
    ("version", 0.10),
    ("prune", 0.10),
    ("quantize", 0.08),
    ("adapter", 0.05),
    ("root", 0.06),
    ("finetune-tiny", 0.06),
]


class Generator:
    """Grows a lineage of torch state dicts with a recorded true parent for each."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.states: dict[str, dict[str, torch.Tensor]] = {}
        self.archs: dict[str, str] = {}
        self.n = 0

    def _name(self, op: str) -> str:
        self.n += 1
        return f"v{self.n:04d}-{op}"

    def root(self) -> tuple[str, str | None, str, dict[str, torch.Tensor]]:
        arch = ["mlp", "tx", "cnn"][self.rng.integers(3)]
        state = to_torch(random_init(arch, self.rng))
        name = self._name("root")
        self.archs[name] = arch
        return name, None, "root", state

    def child(self) -> tuple[str, str | None, str, dict[str, torch.Tensor]]:
        ops, weights = zip(*OPS, strict=True)
        op = str(self.rng.choice(ops, p=np.array(weights) / sum(weights)))
        if op == "root" or not self.states:
            return self.root()
        names = list(self.states)
        parent = names[int(self.rng.integers(len(names)))]
        ps = self.states[parent]
        np_state = {k: v.float().numpy() if v.dtype == torch.bfloat16 else v.numpy() for k, v in ps.items()}
        dtype = str(next(iter(ps.values())).dtype).split(".")[-1]
        keep = None if dtype == "float32" else dtype
        if op in ("finetune", "finetune-tiny"):
            scale = math.exp(self.rng.uniform(math.log(0.002), math.log(0.05))) if op == "finetune" else 0.001
            child = to_torch(noisy(np_state, scale, self.rng), keep)
        elif op == "partial":
            tail = sorted(k for k in np_state if not k.startswith("adapter"))[-int(self.rng.integers(2, 5)) :]
            child = to_torch(noisy(np_state, self.rng.uniform(0.01, 0.1), self.rng, set(tail)), keep)
            child = {k: (child[k] if k in tail else ps[k]) for k in ps}
        elif op == "version":
            child = to_torch(noisy(np_state, self.rng.uniform(0.05, 0.2), self.rng), keep)
        elif op == "prune":
            child = to_torch(pruned(np_state, self.rng.uniform(0.3, 0.8)), keep)
            child = {k: (child[k] if v.dim() >= 2 else v) for k, v in ps.items()}
        elif op == "quantize":
            if dtype != "float32":
                return self.child()
            child = {k: v.to(torch.float16 if self.rng.random() < 0.5 else torch.bfloat16) for k, v in ps.items()}
        else:  # adapter
            first = next(iter(ps.values()))
            d = first.shape[-1]
            k = sum(1 for n in ps if n.endswith(".down")) + 1
            child = dict(ps)
            child[f"adapter{k}.down"] = torch.from_numpy(self.rng.normal(0, 0.02, (8, d)).astype(np.float32)).to(
                first.dtype
            )
            child[f"adapter{k}.up"] = torch.zeros(d, 8, dtype=first.dtype)
        name = self._name(op)
        self.archs[name] = self.archs[parent]
        return name, parent, op, child


# ----------------------------------------------------------------------------- baseline
def full_scan(repo: Repository, state: dict[str, torch.Tensor]) -> str | None:
    """Decode every structurally compatible version and return the nearest by exact L2."""
    names = {k: tuple(v.shape) for k, v in state.items()}
    child = {k: v.float().numpy().astype(np.float64) for k, v in state.items()}
    norm = math.sqrt(sum(float((a * a).sum()) for a in child.values())) or 1.0
    best, best_d = None, math.inf
    for v in repo.versions():
        common = [k for k, t in v.manifest.items() if names.get(k) == tuple(t.shape)]
        if sum(state[k].numel() for k in common) < 0.5 * sum(t.numel() for t in state.values()):
            continue
        arrays = repo.checkout(v.name)
        d = (
            math.sqrt(
                sum(float(((arrays[k].float().numpy().astype(np.float64) - child[k]) ** 2).sum()) for k in common)
            )
            / norm
        )
        if d < best_d:
            best, best_d = v.name, d
    return best if best_d <= 0.5 else None


def exact_distance(gen: Generator, r: tuple) -> float:
    """Exact ||child - chosen|| - ||child - true parent|| over common tensors (<= 0: chosen is as close)."""
    child = gen.states[r[6]]

    def d(other: str) -> float:
        o = gen.states[other]
        return math.sqrt(
            sum(
                float(((child[k].double() - o[k].double()) ** 2).sum())
                for k in child
                if k in o and o[k].shape == child[k].shape
            )
        )

    return d(r[3]) - d(r[2])


# ----------------------------------------------------------------------------- part A
def part_a(n_versions: int, seed: int, checkpoints: list[int], baseline_adds: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mgit-infer-bench-"))
    repo = Repository.init(tmp)
    gen = Generator(seed)
    results = []  # (size_before, op, truth, inferred, infer_ms, add_ms, name)
    cold: dict[int, float] = {}
    base_times: dict[int, list[float]] = defaultdict(list)
    base_hits: list[bool] = []
    print(f"Part A: growing {n_versions} versions in {tmp} ...", flush=True)
    t_all = time.perf_counter()

    def measure(size: int, parent: str | None, state: dict[str, torch.Tensor]) -> None:
        fresh = Repository.open(tmp)  # what a new `mgit add` process sees: nothing cached
        t0 = time.perf_counter()
        fresh.infer_parent(state)
        cold[size] = (time.perf_counter() - t0) * 1000
        for _ in range(baseline_adds):
            t0 = time.perf_counter()
            guess = full_scan(repo, state)
            base_times[size].append((time.perf_counter() - t0) * 1000)
            base_hits.append(guess == parent)

    while len(results) < n_versions:
        name, parent, op, state = gen.root() if not results else gen.child()
        size = len(results)
        if size in checkpoints and size:
            measure(size, parent, state)
        t0 = time.perf_counter()
        v = repo.add(state, name=name)
        add_ms = (time.perf_counter() - t0) * 1000
        inf = v.metadata.get("inference")
        inferred = inf["parent"] if inf else None
        results.append((size, op, parent, inferred, (inf or {}).get("elapsed_ms", 0.0), add_ms, name))
        gen.states[name] = state
        if len(results) % 100 == 0:
            ok = sum(r[2] == r[3] for r in results[1:]) / max(1, len(results) - 1)
            print(
                f"  {len(results):5d} versions, accuracy so far {ok:.1%}, {time.perf_counter() - t_all:.0f} s",
                flush=True,
            )
    if n_versions in checkpoints:
        _, parent, _, state = gen.child()
        measure(n_versions, parent, state)
    scored = results[1:]  # the very first add has nothing to infer from
    correct = sum(r[2] == r[3] for r in scored)
    print(
        f"\nAccuracy: {correct}/{len(scored)} = {correct / len(scored):.1%} of adds got their true parent "
        f"(target >= 95%)"
    )
    by_op: dict[str, list[bool]] = defaultdict(list)
    for r in scored:
        by_op[r[1]].append(r[2] == r[3])
    for op, hits in sorted(by_op.items()):
        print(f"  {op:14s} {sum(hits):4d}/{len(hits):<4d} {sum(hits) / len(hits):6.1%}")
    misses = [r for r in scored if r[2] != r[3]]
    if misses:
        kinds = Counter(
            "left a root" if r[3] is None else ("given a parent" if r[2] is None else "other parent") for r in misses
        )
        closer = sum(1 for r in misses if r[2] and r[3] and exact_distance(gen, r) <= 0)
        print(
            f"  misses: {dict(kinds)}; in {closer} of them the chosen version is at least as close to the "
            f"model (exact L2 over all weights) as its true parent"
        )
    print("\nInference cost per add (ms) as the repository grows; full-scan baseline in the same run:")
    print(f"  {'versions':>8} {'warm median':>12} {'cold':>8} {'full add':>9} {'full scan':>10} {'scan/warm':>10}")
    for c in checkpoints:
        window = [r for r in results if c - 20 <= r[0] < c + 20 and r[4] > 0]
        if not window or c > len(results):
            continue
        warm = statistics.median(r[4] for r in window)
        add = statistics.median(r[5] for r in window)
        scan = statistics.median(base_times[c]) if base_times.get(c) else float("nan")
        ratio = scan / warm if warm > 0 else float("nan")
        print(f"  {c:8d} {warm:12.1f} {cold.get(c, float('nan')):8.1f} {add:9.1f} {scan:10.1f} {ratio:9.0f}x")
    if base_hits:
        print(f"  (full-scan baseline picked the true parent in {sum(base_hits)}/{len(base_hits)} sampled adds)")
    t0 = time.perf_counter()
    fresh = Repository.open(tmp)
    fresh.graph_payload()
    print(
        f"\ngraph payload for {len(results)} versions (cold, fresh process state): "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms; warm: ",
        end="",
    )
    t0 = time.perf_counter()
    fresh.graph_payload()
    print(f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    stats = fresh.stats()["total"]
    print(
        f"repository: {stats['stored_bytes'] / 1e6:.0f} MB stored for {stats['raw_bytes'] / 1e6:.0f} MB raw; "
        f"total wall time {time.perf_counter() - t_all:.0f} s"
    )


# ----------------------------------------------------------------------------- part B
def bert_base_manifest() -> dict[str, TensorRef]:
    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (30522, 768),
        "embeddings.position_embeddings.weight": (512, 768),
        "embeddings.token_type_embeddings.weight": (2, 768),
        "embeddings.LayerNorm.weight": (768,),
        "embeddings.LayerNorm.bias": (768,),
    }
    for i in range(12):
        p = f"encoder.layer.{i}."
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            shapes[p + m + ".weight"], shapes[p + m + ".bias"] = (768, 768), (768,)
        shapes[p + "attention.output.LayerNorm.weight"] = shapes[p + "attention.output.LayerNorm.bias"] = (768,)
        shapes[p + "intermediate.dense.weight"], shapes[p + "intermediate.dense.bias"] = (3072, 768), (3072,)
        shapes[p + "output.dense.weight"], shapes[p + "output.dense.bias"] = (768, 3072), (768,)
        shapes[p + "output.LayerNorm.weight"] = shapes[p + "output.LayerNorm.bias"] = (768,)
    shapes["pooler.dense.weight"], shapes["pooler.dense.bias"] = (768, 768), (768,)
    return {k: TensorRef(uuid.uuid4().hex * 2, "float32", list(s)) for k, s in shapes.items()}


def part_b(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    manifest = bert_base_manifest()
    layout = layout_of(manifest)
    params = sum(t.numel for t in manifest.values())
    print(
        f"\nPart B: {n} versions with a BERT-base layout ({len(manifest)} tensors, {params / 1e6:.0f}M params; "
        f"sketch {layout.size} values = {layout.size * 4 / 1e3:.0f} KB per version)"
    )
    graph = LineageGraph()
    tmp = Path(tempfile.mkdtemp(prefix="mgit-infer-bench-b-"))
    (tmp / "sketches").mkdir()
    base = rng.normal(0, 0.02, layout.size).astype(np.float32)
    index = SketchIndex(tmp, lambda v, lay: (_ for _ in ()).throw(RuntimeError("no rebuild in part B")))
    for i in range(n):
        m = {k: TensorRef(uuid.uuid4().hex * 2, t.dtype, t.shape) for k, t in manifest.items()}
        v = ModelVersion(id=f"{i:016x}", name=f"v{i}", manifest=m, created=f"{i:08d}")
        graph.add_version(v, [])
        vec = base + rng.normal(0, 0.0005, layout.size).astype(np.float32)
        vec.astype("<f4").tofile(tmp / "sketches" / f"{v.id}.f32")
    child = base + rng.normal(0, 0.0005, layout.size).astype(np.float32)
    child_manifest = {k: TensorRef(uuid.uuid4().hex * 2, t.dtype, t.shape) for k, t in manifest.items()}
    t0 = time.perf_counter()
    infer_parent(graph, index, child_manifest, child)
    cold = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        infer_parent(graph, index, child_manifest, child)
        warm.append((time.perf_counter() - t0) * 1000)
    print(
        f"  inference against {n} candidates: cold (sketches read from disk) {cold:.0f} ms, "
        f"warm median {statistics.median(warm):.0f} ms  (target <= 1000 ms)"
    )
    print(f"  a full scan would decode {n} x {params * 4 / 1e6:.0f} MB = {n * params * 4 / 1e9:.0f} GB per add")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoints", default="23,100,250,500,736,1000")
    ap.add_argument("--baseline-adds", type=int, default=2, help="full-scan baseline runs per checkpoint")
    ap.add_argument("--skip-a", action="store_true")
    ap.add_argument("--skip-b", action="store_true")
    args = ap.parse_args()
    checkpoints = [c for c in map(int, args.checkpoints.split(",")) if c <= args.versions]
    torch.set_num_threads(1)
    if not args.skip_a:
        part_a(args.versions, args.seed, checkpoints, args.baseline_adds)
    if not args.skip_b:
        part_b(args.versions, args.seed)
    print("\nReference (published, not this run): MGit 7.5 s per insert at 23 models, 38 s at 736.")


if __name__ == "__main__":
    main()
