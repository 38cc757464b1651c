"""Exact deltas of bit patterns in the integer domain (the transform of ``ordered-delta``).

Each element's bit pattern is read as a w-bit integer and the child is stored as the
wrapping difference with its base, zigzag-coded so that small magnitudes of either sign
give small codes::

    x = bits(child) - bits(base)            (wrapping, w bits)
    z = (x << 1) ^ (x >> (w - 1))           (zigzag)

For floats of equal sign, ``|x|`` is exactly the distance of the two values in the
*ordered* integer domain (flip every bit of a negative number, set the sign bit of a
positive one), i.e. the number of representable floats between them: "a few ulps
apart" becomes "a small integer", also where a value crosses a power of two (XOR of the
bit patterns flips exponent bits there).  Negating ``x`` for negative bases would give
the ordered difference itself; it costs time and no bytes (the zigzag sign bit lands in
the random low byte either way), so it is not done.  The map is a bijection for every
base, hence exact by construction (NaN payloads, -0.0 and infinities included).
Work runs in cache-sized blocks with preallocated buffers; a codec can pass a ``sink`` /
``source`` to fuse this transform with its entropy stage.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BLOCK = 1 << 16
#: bytes of each array in one work slice of :func:`delta_encode` / :func:`delta_decode`:
#: slices of this size stay in the L2/L3 caches, and each numpy call on a slice runs long
#: enough that two threads do not queue for the GIL between calls (64 Ki elements per
#: slice, a slice of 256 KiB of uint16, made bf16 encoding on 2 threads wait for it)
SLICE_BYTES = 1 << 19


def slice_elems(itemsize: int) -> int:
    """Elements per work slice of words of ``itemsize`` bytes (at least :data:`BLOCK`)."""
    return max(BLOCK, SLICE_BYTES // itemsize)


#: ``sink(start, stop, z_block)`` receives each encoded block (valid during the call only).
Sink = Callable[[int, int, np.ndarray], None]
#: ``source(start, stop, out)`` fills ``out`` with the encoded elements ``start:stop``.
Source = Callable[[int, int, np.ndarray], np.ndarray]


def uint_dtype(width: int) -> np.dtype:
    return np.dtype(f"<u{width}")


def int_view(array: np.ndarray) -> np.ndarray:
    """A flat signed-integer view of ``array``'s bits (complex: of its float components)."""
    flat = np.ascontiguousarray(array).reshape(-1)
    if flat.dtype.kind == "c":
        flat = flat.view(np.dtype(f"f{flat.dtype.itemsize // 2}"))
    return flat.view(np.dtype(f"<i{flat.dtype.itemsize}"))


def delta_encode(child: np.ndarray, base: np.ndarray, sink: Sink | None = None) -> np.ndarray | None:
    """Zigzag integer delta of ``child`` against ``base`` (equal storage dtype and size).

    Returns the unsigned array, or None when every block went to ``sink``.
    """
    c = int_view(child)
    p = int_view(base)
    if c.shape != p.shape or c.dtype != p.dtype:
        raise ValueError("a delta needs child and base of equal size and dtype")
    width = c.dtype.itemsize
    u, sh = uint_dtype(width), 8 * width - 1
    n, step = c.size, slice_elems(width)
    out = np.empty(n if sink is None else min(n, step), u)
    x_buf = np.empty(min(n, step), c.dtype)
    m_buf = np.empty(min(n, step), c.dtype)
    for s in range(0, n, step):
        e = min(n, s + step)
        x, m = x_buf[: e - s], m_buf[: e - s]
        np.subtract(c[s:e], p[s:e], out=x)
        np.right_shift(x, sh, out=m)
        o = out[s:e] if sink is None else out[: e - s]
        np.left_shift(x.view(u), 1, out=o)
        np.bitwise_xor(o, m.view(u), out=o)
        if sink is not None:
            sink(s, e, o)
    return out if sink is None else None


def delta_decode(source: np.ndarray | Source, base: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Invert :func:`delta_encode`: the child as a flat array of ``base``'s storage dtype.

    ``source`` is the unsigned delta array or a block source (see :data:`Source`);
    ``out`` (flat, ``base``'s size and storage dtype) receives the child when given.
    """
    p = int_view(base)
    width = p.dtype.itemsize
    u = uint_dtype(width)
    n = p.size
    if isinstance(source, np.ndarray):
        if source.size != n or source.dtype.itemsize != width:
            raise ValueError("delta stream does not match its base")
        whole = source.reshape(-1).view(u)
    else:
        whole = None
    if out is None:
        out = np.empty(n, p.dtype)
    else:
        out = int_view(out)
        if out.size != n or out.dtype != p.dtype:
            raise ValueError("delta output does not match its base")
    step = slice_elems(width)
    z_buf = np.empty(min(n, step), u)
    x_buf = np.empty(min(n, step), p.dtype)
    m_buf = np.empty(min(n, step), p.dtype)
    for s in range(0, n, step):
        e = min(n, s + step)
        x, m = x_buf[: e - s], m_buf[: e - s]
        z = whole[s:e] if whole is not None else source(s, e, z_buf[: e - s])  # type: ignore[operator]
        np.bitwise_and(z, 1, out=m.view(u))
        np.negative(m, out=m)
        np.right_shift(z, 1, out=x.view(u))
        np.bitwise_xor(x, m, out=x)
        np.add(x, p[s:e], out=out[s:e])
    flat_base = np.ascontiguousarray(base).reshape(-1)
    return out.view(flat_base.dtype)


def zigzag(x: np.ndarray) -> np.ndarray:
    """Signed integers -> unsigned, small magnitudes to small codes."""
    x = np.ascontiguousarray(x).reshape(-1)
    u = uint_dtype(x.dtype.itemsize)
    return (x.view(u) << 1) ^ (x >> (8 * x.dtype.itemsize - 1)).view(u)


def unzigzag(z: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Invert :func:`zigzag` into signed ``dtype``."""
    z = np.ascontiguousarray(z).reshape(-1)
    neg = (z & 1).view(dtype)
    return (z >> 1).view(dtype) ^ -neg
