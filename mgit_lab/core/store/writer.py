"""Writing objects: :class:`StoreWriter` puts tensors into the pack of one write transaction
(:meth:`.objects.ObjectStore.writer` opens it).

The writer reads what it needs of the store (existing objects, delta bases) through
:class:`StoreReads`, so this module depends on the store's interface, not on its reader.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..codecs import parallel
from ..codecs.abc import STORAGE_DTYPES, Codec, CodecNotApplicable, TensorSpec
from ..codecs.choose import encode_best
from ..codecs.registry import get_codec
from ..errors import Corrupt, InvalidInput
from .base_choice import BaseChoice, candidates, skip_is_worth_it
from .hashing import ObjectHasher, hash_threads, object_id
from .object_info import ObjectInfo
from .pack import PackWriter


class StoreReads(Protocol):
    """What a writer reads of its store."""

    threads: int | None
    max_depth: int
    chunk_elems: int
    codec_effort: str
    check_hashes: bool

    def has(self, oid: str) -> bool: ...
    def keep_decoded(self, oid: str, arr: np.ndarray) -> None: ...
    def info(self, oid: str) -> ObjectInfo: ...
    def get(self, oid: str) -> np.ndarray: ...
    def _chunk(self, oid: str, i: int, *, keep: bool, hops: int = 0) -> np.ndarray: ...
    def _read(self, pack: str, offset: int, length: int) -> bytes | memoryview: ...


def storage_array(array: np.ndarray, dtype: str | None) -> tuple[np.ndarray, str]:
    """Check ``array`` against a logical ``dtype`` and return (array, dtype)."""
    logical = dtype or array.dtype.name
    if logical not in STORAGE_DTYPES:
        raise InvalidInput(
            f"tensors of dtype {logical!r} cannot be stored",
            hint=f"supported dtypes: {', '.join(STORAGE_DTYPES)}",
        )
    if array.dtype != STORAGE_DTYPES[logical]:
        raise InvalidInput(f"a {logical} tensor must be held as {STORAGE_DTYPES[logical]}, got {array.dtype}")
    return array, logical


def _forced_codec(codec: str | dict[str, Any] | Codec) -> Codec | None:
    """The codec a caller asked for, or None for the automatic choice."""
    if isinstance(codec, Codec):
        return codec
    if codec == "auto":
        return None
    return get_codec(codec)


def _encode_forced(
    codec: Codec,
    part: np.ndarray,
    spec: TensorSpec,
    base: np.ndarray | None,
    base_spec: TensorSpec | None,
    whole: bool,
) -> bytes | bytearray:
    """Encode with the codec a caller asked for, or say clearly why it cannot be used."""
    if not (whole or codec.elementwise):
        raise InvalidInput(
            f"codec {codec.id!r} needs whole tensors, but this tensor is stored in chunks",
            hint="let the store choose (codec='auto') or raise the store's chunk size",
        )
    if codec.needs_base and base is None:
        raise InvalidInput(f"codec {codec.id!r} needs a base object of the same size", hint="pass base=<object id>")
    if not codec.accepts(spec, base_spec if codec.needs_base else None):
        raise InvalidInput(f"codec {codec.id!r} cannot encode a {spec.dtype} tensor of shape {spec.shape} here")
    try:
        return codec.encode(part, base if codec.needs_base else None)
    except CodecNotApplicable as exc:
        raise InvalidInput(f"codec {codec.id!r} does not fit this tensor: {exc}", hint="use codec='auto'") from None


class StoreWriter:
    """Puts objects into the pack of one write transaction."""

    def __init__(self, store: StoreReads, pack: PackWriter) -> None:
        self.store = store
        self.pack = pack

    def put(
        self,
        array: np.ndarray,
        dtype: str | None = None,
        *,
        base: str | None = None,
        codec: str | dict[str, Any] | Codec = "auto",
        lossy_bound: float | None = None,
        oid: str | None = None,
    ) -> str:
        """Store ``array`` (held in its storage dtype; ``dtype`` is the logical one).

        Returns the object id.  Equal content is stored once: putting a tensor that is
        already present costs a hash and nothing else.  With ``base`` the codecs may encode
        a delta against that object; ``lossy_bound`` allows the error-bounded lossy codec
        (the id is then that of the *decoded* tensor, so it names what checkout returns).
        """
        with parallel.using(self.store.threads):
            return self._put(array, dtype, base=base, codec=codec, lossy_bound=lossy_bound, oid=oid)

    def _put(
        self,
        array: np.ndarray,
        dtype: str | None,
        *,
        base: str | None,
        codec: str | dict[str, Any] | Codec,
        lossy_bound: float | None,
        oid: str | None,
    ) -> str:
        array, dtype = storage_array(array, dtype)
        spec = TensorSpec(dtype, tuple(array.shape))
        forced = _forced_codec(codec)
        lossy = lossy_bound is not None or (forced is not None and not forced.lossless)
        if not lossy:
            oid = oid or object_id(array, dtype, threads=hash_threads(array.nbytes))
            if self.store.has(oid):
                return oid
        flat = np.ascontiguousarray(array).reshape(-1)
        n = flat.size
        step = self.store.chunk_elems
        whole = n <= step
        choice = BaseChoice(None, 0)
        if base is not None:
            choice = self._choose_base(flat[:step], spec, base, whole, shortcut=forced is None)
        base_info = choice.base
        chunks: list[list[Any]] = []
        # a lossy object's id is that of its reconstruction, known only after encoding: its
        # chunks wait in memory until the dedup check (lossless chunks go straight to the pack)
        pending: list[tuple[Codec, bytes | bytearray, int]] = []
        used_base = False
        rebuilt = ObjectHasher(dtype, spec.shape) if lossy else None
        for i, start in enumerate(range(0, max(n, 1), step) if not whole else [0]):
            part = array if whole else flat[start : start + step]
            part_spec = spec if whole else TensorSpec(dtype, (part.size,))
            base_part, base_spec = None, None
            if base_info is not None and base_info.spec.size == spec.size:
                base_part = self.store._chunk(base_info.oid, i, keep=whole)
                base_spec = base_info.spec if whole else TensorSpec(base_info.spec.dtype, (base_part.size,))
            if forced is not None:
                chosen, data = forced, _encode_forced(forced, part, part_spec, base_part, base_spec, whole)
            else:
                chosen, data = encode_best(
                    part,
                    part_spec,
                    base_part,
                    base_spec,
                    whole=whole,
                    lossy_bound=lossy_bound,
                    effort=self.store.codec_effort,
                )
            used_base = used_base or chosen.needs_base
            if rebuilt is not None:  # the id names what checkout will return
                rebuilt.update(chosen.decode(data, base_part if chosen.needs_base else None, part_spec))
                pending.append((chosen, data, int(part.size)))
            else:
                offset, length = self.pack.append(data)
                chunks.append([offset, length, int(part.size), chosen.get_config()])
        if rebuilt is not None:
            oid = rebuilt.hexdigest()
            if self.store.has(oid):
                return oid
            for chosen, data, size in pending:
                offset, length = self.pack.append(data)
                chunks.append([offset, length, size, chosen.get_config()])
        assert oid is not None
        delta = used_base and base_info is not None
        self.pack.objects[oid] = {
            "dtype": dtype,
            "shape": list(spec.shape),
            "base": base_info.oid if delta and base_info else None,
            "depth": base_info.depth + 1 if delta and base_info else 0,
            "gen": choice.generation if delta else 0,
            "chunks": chunks,
        }
        return oid

    def _choose_base(
        self, first: np.ndarray, spec: TensorSpec, parent_oid: str, whole: bool, *, shortcut: bool
    ) -> BaseChoice:
        """The delta base of a child of object ``parent_oid`` (see :mod:`.base_choice`);
        ``first`` is the child's first chunk, on which the candidates are judged.  Without
        ``shortcut`` (a codec the caller forced) the base is the parent's object itself."""
        parent = self.store.info(parent_oid)
        generation = parent.generation + 1
        if not shortcut or parent.spec.dtype != spec.dtype or parent.spec.size != spec.size:
            options = [parent] if parent.depth + 1 <= self.store.max_depth else []  # a cast: no shortcut
        else:
            options = candidates(self.store, parent, self.store.max_depth)
        if not options:
            return BaseChoice(None, 0)  # chain long enough: store a full object
        if len(options) == 1:
            return BaseChoice(options[0], generation)
        skip, _ = options
        # judged on the first chunk: the skip base is on the parent's chain, so decoding it
        # first (cached) leaves the parent's decode the hops above it only
        skip_part = self.store._chunk(skip.oid, 0, keep=whole)
        parent_part = self.store._chunk(parent.oid, 0, keep=whole)
        if skip_is_worth_it(first, skip_part, parent_part, generation - skip.generation):
            return BaseChoice(skip, generation)
        return BaseChoice(parent, generation)

    def put_encoded(self, oid: str, entry: dict[str, Any], chunks: list[bytes]) -> None:
        """Add an object received as stored elsewhere (``entry`` as :meth:`ObjectStore.read_encoded`
        gives it), after checking that it decodes to content whose hash is ``oid``.

        Raises
        ------
        Corrupt
            When the bytes do not decode, or decode to other content; nothing is added.
        """
        if self.store.has(oid):
            return
        layout = []
        for (_, length, n, config), data in zip(entry["chunks"], chunks, strict=True):
            if len(data) != length:
                raise Corrupt(f"object {oid[:12]} is truncated ({len(data)} of {length} bytes)")
            offset, _ = self.pack.append(data)
            layout.append([offset, length, n, config])
        self.pack.objects[oid] = {**entry, "chunks": layout}
        try:
            arr = self.store.get(oid)  # checks the hash when the store checks hashes
            if not self.store.check_hashes and object_id(arr, entry["dtype"]) != oid:
                raise Corrupt(f"object {oid[:12]} decodes to content that does not match its hash")
            if len(layout) == 1:
                self.store.keep_decoded(oid, arr)  # a delta received with it decodes from this
        except Corrupt:
            del self.pack.objects[oid]
            raise
        except Exception as exc:
            del self.pack.objects[oid]
            raise Corrupt(f"object {oid[:12]} cannot be decoded: {exc}") from exc

    def copy_raw(self, oid: str, entry: dict[str, Any], source_pack: str) -> None:
        """Copy an encoded object verbatim from another pack (used by gc's repack)."""
        chunks = []
        for offset, length, n, config in entry["chunks"]:
            new_off, new_len = self.pack.append(self.store._read(source_pack, offset, length))
            chunks.append([new_off, new_len, n, config])
        self.pack.objects[oid] = {**entry, "chunks": chunks}
