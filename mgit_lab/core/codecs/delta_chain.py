"""Decoding consecutive delta hops in one pass, block by block.

A tensor several generations into a lineage decodes as a chain: its base, then one delta
per hop.  When every hop is a delta coded in independent blocks of the same size
(:mod:`.blockframe`) whose blocks decode in place, the hops need not be decoded one after
the other: :func:`decode_chain` decodes each block of the result from the base's block
and lets the next deltas rewrite it in place while it is in cache, on the codec threads,
with no intermediate tensor and one wait for the threads instead of one per hop.

Which codecs qualify (:func:`chain_block`): ``ordered-delta`` with ``block`` and
``binade-delta`` in rows layout (both decode a block from the base's block element by
element: element ``i`` of the result depends on element ``i`` of the base only, read
before it is written).  Anything else is decoded hop by hop by the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .abc import Buffer, Codec, TensorSpec
from .blockframe import unpack_blocks
from .deltastream import unpack_delta
from .intdelta import int_view
from .parallel import pmap

#: ``decode(payload, base_block, out_block)`` of one block (flat signed-integer views;
#: ``out_block`` may be ``base_block`` itself)
BlockDecode = Callable[[memoryview, np.ndarray, np.ndarray], None]


def _ordered_block(payload: memoryview, base: np.ndarray, out: np.ndarray) -> None:
    _, end = unpack_delta(payload, base, out=out)
    if end != len(payload):
        raise ValueError("ordered-delta block has trailing bytes")


def _block_decode(codec: Codec) -> BlockDecode | None:
    config = codec.get_config()
    if config["id"] == "ordered-delta" and config.get("block") and not config.get("group"):
        return _ordered_block
    if config["id"] == "binade-delta" and not config.get("columns"):
        from .binade_delta import _decode_block  # the codec's own block decoder

        return _decode_block
    return None


def chain_block(codec: Codec) -> int | None:
    """The block size of ``codec`` when its hops can be chained (None: decode it alone)."""
    if _block_decode(codec) is None:
        return None
    return int(codec.get_config()["block"])


def decode_chain(hops: Sequence[tuple[Codec, Buffer]], base: np.ndarray, spec: TensorSpec) -> np.ndarray:
    """The tensor ``spec`` decoded from ``base`` through every ``(codec, data)`` delta of
    ``hops`` in order (each against the result of the one before), block by block.

    Raises
    ------
    ValueError
        When a hop's codec cannot be chained, or its stream does not match the tensor or
        the other hops' blocks.
    """
    out = np.empty(spec.shape, spec.storage_dtype)
    o, p = int_view(out), int_view(base)
    if p.size != o.size:
        raise ValueError(f"a delta chain's base of {p.size} elements does not match {spec}")
    plans = []
    for codec, data in hops:
        decode = _block_decode(codec)
        if decode is None:
            raise ValueError(f"codec {codec.id!r} cannot be decoded in a chain")
        n, blocks = unpack_blocks(data)
        if n != o.size:
            raise ValueError(f"a {codec.id} stream of {n} elements in the chain does not match {spec}")
        plans.append((blocks, decode))
    ranges = [(s, e) for s, e, _ in plans[0][0]]
    if any([(s, e) for s, e, _ in blocks] != ranges for blocks, _ in plans[1:]):
        raise ValueError("the deltas of the chain are cut into other blocks")

    def one(j: int) -> None:
        s, e = ranges[j]
        src = p[s:e]
        for blocks, decode in plans:
            decode(blocks[j][2], src, o[s:e])
            src = o[s:e]  # the next delta applies in place

    pmap(one, range(len(ranges)))
    return out
