"""Diff two models: ``nn.Module`` objects, stored versions, or model files."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import torch

from ..errors import InvalidInput
from ..io.tensors import tensor_to_array
from ..progress import Progress, no_progress
from .graph_diff import GraphMatch, match_graphs
from .hashing import TensorHasher
from .model_diff import DiffSide, ModelDiff
from .param_diff import ParamDiff, compare_tensor
from .scopes import Scopes, parse_collapse
from .sides import ModelSource, graph_for_architecture, load_ref, redirect
from .trace import check_collapse, decorate, trace_skeleton

if TYPE_CHECKING:
    from ..repository import Repository


# ---------------------------------------------------------------- public entry points
def diff_models(
    a: torch.nn.Module,
    b: torch.nn.Module,
    *,
    structural: bool = False,
    lcs: bool = False,
    collapse: str | list[str] | None = None,
    example_inputs: Any = None,
    stats: bool = True,
    labels: tuple[str, str] = ("model 1", "model 2"),
    progress: Progress | None = None,
) -> ModelDiff:
    """Diff two modules: layers and edges to remove from ``a`` and add to reach ``b``,
    plus per-tensor change statistics.

    Parameters
    ----------
    structural : bool
        Compare types and shapes only (default: also weights, MGit's contextual mode).
    lcs : bool
        Align layers by longest common subsequence instead of by module path.
    collapse : str or list of str, optional
        Module class names or paths to show as single nodes (e.g. ``"BertLayer"``).
    example_inputs : optional
        Inputs for tracers that run the models (both get the same ones).
    stats : bool
        Compute L2 / relative change / fraction changed / rank for changed tensors.

    Raises
    ------
    InvalidInput
        When a model cannot be traced, the example inputs do not fit, or a collapse
        pattern matches nothing.
    """
    progress = progress or no_progress
    timings: dict[str, float] = {}
    start = time.perf_counter()
    patterns = parse_collapse(collapse)
    sa, sb = Scopes(a, patterns), Scopes(b, patterns)
    check_collapse(patterns, [sa, sb])
    progress(0, 2, "trace")
    ska = trace_skeleton(a, sa, example_inputs)
    progress(1, 2, "trace")
    skb = trace_skeleton(b, sb, example_inputs)
    progress(2, 2, "trace")
    timings["trace"] = time.perf_counter() - start
    t = time.perf_counter()
    hasher = TensorHasher()
    ga, gb = decorate(a, sa, ska, hasher), decorate(b, sb, skb, hasher)
    timings["hash"] = time.perf_counter() - t
    state_a, state_b = a.state_dict(keep_vars=True), b.state_dict(keep_vars=True)
    src_a = ModelSource(labels[0], ga, ga.tensors, lambda k: tensor_to_array(state_a[k])[0])
    src_b = ModelSource(labels[1], gb, gb.tensors, lambda k: tensor_to_array(state_b[k])[0])
    return diff_sources(
        src_a,
        src_b,
        structural=structural,
        lcs=lcs,
        collapse=patterns,
        stats=stats,
        progress=progress,
        timings=timings,
        start=start,
    )


def diff_versions(
    repo: Repository,
    a: str,
    b: str,
    *,
    structural: bool = False,
    lcs: bool = False,
    collapse: str | list[str] | None = None,
    progress: Progress | None = None,
    stats: bool = True,
    params_only: bool = False,
) -> ModelDiff:
    """Diff two stored versions (names, tags or ids) of ``repo``.

    Layer graphs are traced from each version's architecture on the meta device (no
    weights are loaded; traces are cached under ``.mgit/cache/diff``); tensor hashes are
    the stored object ids, so nothing is re-hashed; only changed tensors are read, and
    only when ``stats`` is true.  ``params_only`` skips the layer graph (for versions
    stored as bare state dicts).
    """
    return diff_refs(
        a,
        b,
        repo=repo,
        structural=structural,
        lcs=lcs,
        collapse=collapse,
        progress=progress,
        stats=stats,
        params_only=params_only,
        versions_only=True,
    )


def diff_refs(
    a: str,
    b: str,
    *,
    repo: Repository | None = None,
    structural: bool = False,
    lcs: bool = False,
    collapse: str | list[str] | None = None,
    progress: Progress | None = None,
    stats: bool = True,
    params_only: bool = False,
    versions_only: bool = False,
) -> ModelDiff:
    """Diff two models named by version (in ``repo``) or by path (model files/folders)."""
    progress = progress or no_progress
    start = time.perf_counter()
    timings: dict[str, float] = {}
    patterns = parse_collapse(collapse)
    cache = repo.mgit_dir / "cache" / "diff" if repo is not None else None
    loaded = [load_ref(ref, repo, versions_only) for ref in (a, b)]
    timings["hash"] = time.perf_counter() - start
    notes: list[str] = []
    sources: list[ModelSource] = []
    t = time.perf_counter()
    if params_only:
        sources = [ModelSource(label, None, tensors, load) for label, _, tensors, load in loaded]
    else:
        archs = [arch for _, arch, _, _ in loaded]
        for i, (label, arch, tensors, load) in enumerate(loaded):
            progress(i, 2, "trace")
            other = archs[1 - i]
            if arch is None and other is not None:
                arch = other
                notes.append(f"{label} records no architecture; traced with the other model's, which its tensors fit")
            if arch is None:
                raise InvalidInput(
                    f"{label} is a state dict with no known architecture, so its layers cannot be traced",
                    hint="diff its tensors only with --params-only, or give a Hugging Face folder (config.json) "
                    "or a version added with its architecture",
                )
            graph, matched = graph_for_architecture(arch, tensors, patterns, label, cache_dir=cache)
            sources.append(ModelSource(label, graph, graph.tensors, redirect(load, graph.tensors), matched))
        progress(2, 2, "trace")
        if patterns:
            missing = [p for p in patterns if not any(p in s.matched_patterns for s in sources)]
            if missing:
                raise InvalidInput(
                    f"collapse pattern(s) {', '.join(map(repr, missing))} match no module",
                    hint="use module class names (e.g. BertLayer) or module paths",
                )
    timings["trace"] = time.perf_counter() - t
    diff = diff_sources(
        sources[0],
        sources[1],
        structural=structural,
        lcs=lcs,
        collapse=patterns,
        stats=stats,
        progress=progress,
        timings=timings,
        start=start,
    )
    diff.notes = notes + diff.notes
    return diff


# ---------------------------------------------------------------- the comparison
def diff_sources(
    a: ModelSource,
    b: ModelSource,
    *,
    structural: bool = False,
    lcs: bool = False,
    collapse: list[str] | None = None,
    stats: bool = True,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    start: float | None = None,
) -> ModelDiff:
    """Compare two prepared sides (graphs may be None: tensors only)."""
    progress = progress or no_progress
    timings = dict(timings or {})
    start = start if start is not None else time.perf_counter()
    t = time.perf_counter()
    match: GraphMatch | None = None
    if a.graph is not None and b.graph is not None:
        match = match_graphs(a.graph, b.graph, structural=structural, lcs=lcs)
    timings["match"] = time.perf_counter() - t
    t = time.perf_counter()
    params = _param_diffs(a, b, match, stats, progress)
    timings["params"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return ModelDiff(
        a=DiffSide.of(a.label, a.graph, a.tensors),
        b=DiffSide.of(b.label, b.graph, b.tensors),
        mode="structural" if structural else "contextual",
        matcher="none" if match is None else ("lcs" if lcs else "name"),
        collapse=list(collapse or []),
        nodes=match.nodes if match else [],
        edges=match.edges if match else [],
        params=params,
        notes=list(match.notes) if match else [],
        timings=timings,
    )


def _param_pairs(a: ModelSource, b: ModelSource, match: GraphMatch | None) -> list[tuple[str | None, str | None]]:
    pairs: list[tuple[str | None, str | None]] = []
    used_a: set[str] = set()
    used_b: set[str] = set()

    def pair(ka: str, kb: str) -> None:
        if ka in a.tensors and kb in b.tensors and ka not in used_a and kb not in used_b:
            pairs.append((ka, kb))
            used_a.add(ka)
            used_b.add(kb)

    if match is not None and a.graph is not None and b.graph is not None:
        for an, bn in match.pairs:
            na, nb = a.graph.nodes[an], b.graph.nodes[bn]
            for local in na.params.keys() & nb.params.keys():
                pair(na.params[local].key, nb.params[local].key)
    pa, pb = match.prefix if match is not None else ("", "")
    for ka in a.tensors:
        pair(ka, ka)
        if ka.startswith(pa) and (pa or pb):
            pair(ka, pb + ka[len(pa) :])
    pairs += [(ka, None) for ka in a.tensors if ka not in used_a]
    pairs += [(None, kb) for kb in b.tensors if kb not in used_b]
    order = {k: i for i, k in enumerate(a.tensors)}
    pairs.sort(key=lambda p: (order[p[0]] if p[0] is not None else len(order), 0))
    return pairs


def _param_diffs(
    a: ModelSource,
    b: ModelSource,
    match: GraphMatch | None,
    stats: bool,
    progress: Progress,
) -> list[ParamDiff]:
    pairs = _param_pairs(a, b, match)
    out: list[ParamDiff] = []
    for i, (ka, kb) in enumerate(pairs):
        if ka is None:
            tb = b.tensors[kb]  # type: ignore[index]
            out.append(ParamDiff(None, kb, "added", None, list(tb.shape), None, tb.dtype))
        elif kb is None:
            ta = a.tensors[ka]
            out.append(ParamDiff(ka, None, "removed", list(ta.shape), None, ta.dtype, None))
        else:
            out.append(compare_tensor(ka, kb, a.tensors[ka], b.tensors[kb], a.load, b.load, stats=stats))
        progress(i + 1, len(pairs), "tensors")
    return out
