"""Which deltas of a chain the store decodes in one pass (see :mod:`..codecs.delta_chain`).

A tensor ``g`` generations into a lineage is a chain: a whole object, then one delta per
hop (two for a 10th fine-tune with skip-deltas, see :mod:`.base_choice`).  Decoding it hop
by hop allocates, fills and caches every intermediate tensor, and waits for all threads
at each hop.  Consecutive hops stored with delta codecs that chain, in blocks of one size, are
decoded together instead, block by block (each block decoded from the chain's base, then
rewritten in place by the next deltas while it is in cache; see
:mod:`..codecs.delta_chain`): :func:`delta_run` finds them.

The run stops at a base that is already decoded (in the store's cache), at a hop of
another codec or layout, and at the chain's whole object, which is decoded (and kept in
the cache, as before) the usual way.  The intermediate tensors of a run are not cached:
a later read of one of them decodes it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Entry = dict[str, Any]


def delta_run(
    oid: str,
    i: int,
    entry: Entry,
    pack: str,
    lookup: Callable[[str], tuple[Entry, str]],
    cached: Callable[[str], bool],
    key: Callable[[dict[str, Any]], int | None],
    limit: int,
) -> list[tuple[str, Entry, str]]:
    """``[(oid, entry, pack)]`` of object ``oid`` (chunk ``i`` a delta) and the bases below
    it whose chunk ``i`` is a delta of equal ``key`` (the block size of a codec that chains,
    see :func:`..codecs.delta_chain.chain_block`; None: it does not), dtype and size,
    uncached, at most ``limit`` of them; the last one's base is where the run starts from."""
    run = [(oid, entry, pack)]
    want, n = key(entry["chunks"][i][3]), entry["chunks"][i][2]
    if want is None:
        return run
    while len(run) < limit:
        below = run[-1][1].get("base")
        if not below or cached(below):
            break
        e, p = lookup(below)
        chunks = e["chunks"]
        if (
            not e.get("base")
            or e["dtype"] != entry["dtype"]
            or len(chunks) != len(entry["chunks"])
            or chunks[i][2] != n
            or key(chunks[i][3]) != want
        ):
            break
        run.append((below, e, p))
    return run
