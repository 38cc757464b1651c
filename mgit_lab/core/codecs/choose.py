"""Automatic codec choice: the smallest lossless encoding of each tensor (or chunk).

Trying every codec on every tensor would make encoding as slow as all codecs together,
so the choice runs cheap tests first and encodes in full only what can win:

1. A base of another float dtype: ``cast-delta`` (a cast child costs almost nothing).
2. A base of the same dtype: on a sample, count changed elements (and count them all
   only when few changed) and compare zero counts; ``sparse-delta`` is tried when at
   most 1/8 of the elements changed, ``prune-delta`` when the child has clearly more
   zeros than the parent, ``lowrank-delta`` (whole 2-D float tensors only) when an
   evenly spread submatrix of the update has numerical rank <= 32.
3. The generic candidates, ``ordered-delta`` (against the base, in parallel blocks) and
   ``float-planes`` (whole tensor, exponent-aligned byte planes, in parallel blocks):
   when the deltas of a sample (16 blocks of 4096 elements) mostly leave the top byte
   untouched, the child is a delta of its base and ``ordered-delta``
   is taken; otherwise both are compared on the sample.  Only the better one is encoded
   in full, and only when no structure codec already beat it by a margin.
4. A float matrix without a base whose rows or columns differ in scale (conditioned on
   the line's exponent class, the sampled exponent entropy drops by at least 0.15 bit
   per element, see :func:`.exponent_bands.band_gain`) is encoded with
   ``exponent-bands`` instead of ``float-planes``: 1-6% smaller there, at about 0.6x the
   encode and 0.5-0.9x the decode speed, so it is taken only where it pays that much.
5. A float child whose generic codec is ``ordered-delta`` (default effort, at least
   :data:`~.binade_classes.MIN_SIZE` elements) is encoded with ``binade-delta`` instead
   when that codec's sample plan finds something to use (small parents' deltas worth
   shifting, or a tall matrix whose columns differ): 1-2% smaller fine-tunes, at about
   0.65x the encode and decode speed of ``ordered-delta`` (1,500 MB/s decode per core on
   the benchmark's fine-tune); the plan is judged once and handed to the encoder.
6. ``raw`` when nothing is smaller than the bytes themselves.

With ``lossy_bound`` the error-bounded lossy codec joins the candidates (and wins when
smaller); it is never used otherwise.  With ``effort="small"`` the ``ordered-delta``
candidate groups its deltas by the parent's exponent (smaller, slower to decode, one
thread).  ``zstd-bytegroup`` and unblocked ``ordered-delta`` streams of older stores
still decode; they are no longer written by the automatic choice.
"""

from __future__ import annotations

import numpy as np

from .abc import Codec, CodecNotApplicable, TensorSpec
from .binade_classes import MIN_SIZE as _BINADE_MIN
from .binade_delta import BinadeDelta
from .exponent_bands import band_gain
from .floatbits import logical_float
from .intdelta import delta_encode, int_view
from .lowrank_delta import looks_low_rank
from .ordered_delta import DEFAULT_BLOCK
from .registry import get_codec
from .splitplanes import sample_ranges

#: take a structure codec without encoding the generic one when it is this much smaller
#: than the generic codec's sample estimate.
_CLEAR_WIN = 0.9
#: tensors up to this many elements are encoded with both generic codecs (no sampling).
_SMALL = 1 << 17
_SPARSE_SHARE = 1 / 8
_PRUNE_EXTRA_ZEROS = 0.02
#: ranks the low-rank test looks for (its cost grows with the cube of this).
_MAX_RANK = 32
#: a child whose sampled deltas are this often small is a delta of its base for sure.
_CLOSE = 0.8
#: exponent bits per element ``exponent-bands`` must save (sample estimate) to replace
#: ``float-planes``: about 1% of a bf16 tensor (0.5% of fp32), worth its slower coding
_BANDS_GAIN = 0.15


#: the generic codecs: a delta against the base, and the whole tensor on its own
DELTA, WHOLE = "ordered-delta", "float-planes"

#: what the store optimises for: "fast" (default) or "small" (exponent-grouped deltas:
#: 3-5% smaller fine-tunes, about a quarter of the delta decode speed).
EFFORTS = ("fast", "small")


def candidates(spec: TensorSpec, base_spec: TensorSpec | None, *, whole: bool, effort: str = "fast") -> list[Codec]:
    """Lossless codecs that can encode ``spec`` against ``base_spec``, generic ones last."""
    names = [WHOLE]
    if base_spec is not None:
        names = [
            "cast-delta",
            "sparse-delta",
            "prune-delta",
            "lowrank-delta",
            DELTA,
            *names,
        ]
    out = []
    for name in names:
        if name == DELTA:
            config: dict = {"id": DELTA}
            if effort == "small":
                config["group"] = True
            elif spec.size > DEFAULT_BLOCK:  # blocks (threads) only where there is more than one
                config["block"] = DEFAULT_BLOCK
            codec = get_codec(config)
        else:
            codec = get_codec(name)
        if (whole or codec.elementwise) and codec.accepts(spec, base_spec if codec.needs_base else None):
            out.append(codec)
    return out


def _try(codec: Codec, array: np.ndarray, base: np.ndarray | None) -> bytes | bytearray | None:
    try:
        return codec.encode(array, base if codec.needs_base else None)
    except CodecNotApplicable:
        return None


def _sample(array: np.ndarray) -> np.ndarray:
    flat = array.reshape(-1)
    return np.concatenate([flat[s:e] for s, e in sample_ranges(flat.size)])


def _zero_share(bits: np.ndarray) -> float:
    mag = bits & bits.dtype.type((1 << (8 * bits.dtype.itemsize - 1)) - 1)
    return float(np.count_nonzero(mag == 0)) / max(1, bits.size)


def _structure_tests(array: np.ndarray, base: np.ndarray, spec: TensorSpec, whole: bool) -> set[str]:
    """Ids of the structure codecs worth a full encode for this child/base pair."""
    worth = set()
    c, p = int_view(array), int_view(base)
    cs, ps = _sample(c), _sample(p)
    if np.count_nonzero(cs != ps) <= 2 * _SPARSE_SHARE * cs.size:  # exact count only if it may pass
        changed = int(np.count_nonzero(c != p))
    else:
        changed = c.size
    if changed <= _SPARSE_SHARE * c.size:
        worth.add("sparse-delta")
    if spec.is_float and changed:
        if _zero_share(cs) - _zero_share(ps) > _PRUNE_EXTRA_ZEROS:
            worth.add("prune-delta")
        low_rank_shaped = whole and array.ndim == 2 and logical_float(array.dtype) is not None
        max_rank = min(_MAX_RANK, min(array.shape) // 4) if low_rank_shaped else 0
        if (
            max_rank
            and changed > _SPARSE_SHARE * c.size
            and "prune-delta" not in worth  # a pruned child is not a low-rank update
            and looks_low_rank(array, base, max_rank)
        ):
            worth.add("lowrank-delta")
    return worth


def _close_share(array: np.ndarray, base: np.ndarray) -> float:
    """Share of sampled elements whose delta leaves the top byte untouched (a related pair)."""
    z = delta_encode(_sample(array), _sample(base))
    assert z is not None
    return float(np.count_nonzero(z >> (8 * z.dtype.itemsize - 8) == 0)) / max(1, z.size)


def _pick_generic(
    generic: list[Codec],
    array: np.ndarray,
    base: np.ndarray | None,
    spec: TensorSpec,
    best_structure: int | None,
) -> list[Codec]:
    """The one generic codec worth a full encode (none when a structure codec clearly won)."""
    ids = {c.id: c for c in generic}
    if base is not None and DELTA in ids and _close_share(array, base) >= _CLOSE:
        return [ids[DELTA]]
    sample = _sample(array)
    base_sample = _sample(base) if base is not None else None
    scale = spec.size / max(1, sample.size)
    estimates = []
    for codec in generic:
        data = _try(codec, sample, base_sample)
        if data is not None:
            estimates.append((len(data) * scale, codec))
    if not estimates:
        return generic
    estimates.sort(key=lambda e: e[0])
    if best_structure is not None and best_structure < _CLEAR_WIN * estimates[0][0]:
        return []
    return [estimates[0][1]]


def _binade_instead(array: np.ndarray, base: np.ndarray, spec: TensorSpec) -> tuple[Codec, bytes | bytearray] | None:
    """``binade-delta``'s encoding of a float fine-tune when its plan uses the parent's
    exponents or the columns (see step 5 of the module docstring), else None."""
    if not spec.is_float or spec.size < _BINADE_MIN or base.dtype != array.dtype or base.size != array.size:
        return None
    planned = BinadeDelta().plan(array, base)
    if not (planned.shift or planned.transposed):
        return None
    codec = BinadeDelta(columns=planned.transposed)
    return codec, codec.encode(array, base, planned=planned)


def encode_best(
    array: np.ndarray,
    spec: TensorSpec,
    base: np.ndarray | None,
    base_spec: TensorSpec | None,
    *,
    whole: bool = True,
    lossy_bound: float | None = None,
    effort: str = "fast",
) -> tuple[Codec, bytes | bytearray]:
    """Encode ``array`` with the smallest candidate (see the module docstring).

    ``effort="small"`` stores fine-tune deltas grouped by the parent's exponents
    (see :mod:`.ordered_delta`).

    Returns
    -------
    (codec, data)
    """
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    if base is not None and not base.flags.c_contiguous:
        base = np.ascontiguousarray(base)
    found: list[tuple[Codec, bytes | bytearray]] = []
    pool = candidates(spec, base_spec if base is not None else None, whole=whole, effort=effort)
    by_id = {c.id: c for c in pool}
    generic = [c for c in pool if c.id in (DELTA, WHOLE)]

    worth: set[str] = set()
    if "cast-delta" in by_id:
        worth.add("cast-delta")
    elif base is not None and base.dtype == array.dtype and spec.size:
        worth = _structure_tests(array, base, spec, whole)
    for name in sorted(worth & set(by_id)):
        data = _try(by_id[name], array, base)
        if data is not None:
            found.append((by_id[name], data))

    if base is None and whole and spec.is_float and len(spec.shape) >= 2:
        if band_gain(array) >= _BANDS_GAIN:
            bands = get_codec("exponent-bands")
            found.append((bands, bands.encode(array)))
            generic = []

    best_structure = min((len(d) for _, d in found), default=None)
    if len(generic) > 1 and spec.size > _SMALL:
        generic = _pick_generic(generic, array, base, spec, best_structure)
    elif best_structure is not None and best_structure * 64 < spec.nbytes:
        generic = []
    for codec in generic:
        if codec.id == DELTA and effort == "fast" and base is not None:
            binade = _binade_instead(array, base, spec)
            if binade is not None:
                found.append(binade)
                continue
        data = _try(codec, array, base)
        if data is not None:
            found.append((codec, data))

    if lossy_bound is not None and spec.is_float:
        name = (
            "lossy-delta"
            if base is not None and base_spec is not None and base_spec.dtype == spec.dtype
            else "lossy-quant"
        )
        lossy = get_codec({"id": name, "error_bound": float(lossy_bound)})
        if lossy.accepts(spec, base_spec if lossy.needs_base else None):
            data = _try(lossy, array, base)
            if data is not None:
                found.append((lossy, data))

    if not found or min(len(d) for _, d in found) >= spec.nbytes:
        return get_codec("raw"), array.tobytes()
    return min(found, key=lambda f: len(f[1]))
