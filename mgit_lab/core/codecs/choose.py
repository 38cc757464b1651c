"""Automatic codec choice: the smallest lossless encoding of each tensor (or chunk)."""

from __future__ import annotations

import numpy as np

from .abc import Codec, CodecNotApplicable, TensorSpec
from .registry import get_codec


def candidates(spec: TensorSpec, base_spec: TensorSpec | None, *, whole: bool) -> list[Codec]:
    """Lossless codecs worth trying for ``spec`` against ``base_spec``, cheapest first."""
    names = ["zstd-bytegroup"]
    if base_spec is not None:
        names = ["xor-delta", *names]
    out = []
    for name in names:
        codec = get_codec(name)
        if (whole or codec.elementwise) and codec.accepts(spec, base_spec if codec.needs_base else None):
            out.append(codec)
    return out


def encode_best(
    array: np.ndarray,
    spec: TensorSpec,
    base: np.ndarray | None,
    base_spec: TensorSpec | None,
    *,
    whole: bool = True,
    lossy_bound: float | None = None,
) -> tuple[Codec, bytes]:
    """Encode with every candidate and keep the smallest output (``raw`` if none beats it).

    Returns
    -------
    (codec, data)
    """
    best: tuple[Codec, bytes] = (get_codec("raw"), np.ascontiguousarray(array).tobytes())
    for codec in candidates(spec, base_spec, whole=whole):
        try:
            data = codec.encode(array, base if codec.needs_base else None)
        except CodecNotApplicable:
            continue
        if len(data) < len(best[1]):
            best = (codec, data)
    return best
