"""Seeds of randomised strategies (DARE, DELLA): reproducible per tensor, on any machine.

A merge has one seed (``--seed``, default 0, recorded in the merged version's metadata
and recipe).  Each tensor draws from its own CPU generator seeded with
``tensor_seed(seed, name)``: the first 8 bytes of ``blake3(f"{seed}:{name}")``, masked to
63 bits.  The draws of a tensor therefore do not depend on which other tensors are merged,
in which order, nor on threads; on CPU, torch's Mersenne Twister gives the same stream
for the same torch version.
"""

from __future__ import annotations

import blake3
import torch


def tensor_seed(seed: int, name: str) -> int:
    """The seed of tensor ``name`` in a merge seeded with ``seed``."""
    digest = blake3.blake3(f"{seed}:{name}".encode()).digest(8)
    return int.from_bytes(digest, "little") & ((1 << 63) - 1)


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator(device="cpu").manual_seed(seed)
