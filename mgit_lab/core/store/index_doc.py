"""Reading a pack's index: the ``.idx.json`` beside it, or the copy inside the pack.

An index is data read from disk, so it is checked in full before anything trusts it: a
torn, bit-rotted or hand-edited file becomes a reason string, never a ``KeyError`` later.
A pack whose ``.idx.json`` is unusable is read through the copy embedded in the pack
(:func:`~.pack.read_embedded_index`); only a pack with neither copy readable is *damaged*.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .files import INDEX_SUFFIX, PACK_SUFFIX, STORAGE_DTYPE_NAMES

Entries = dict[str, dict[str, Any]]


class BadIndex(ValueError):
    """An index document that cannot be trusted; the message says why."""


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_entry(oid: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise BadIndex(f"entry {oid[:12]} is not an object")
    if entry.get("dtype") not in STORAGE_DTYPE_NAMES:
        raise BadIndex(f"entry {oid[:12]} has no valid dtype")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(_int(d) for d in shape):
        raise BadIndex(f"entry {oid[:12]} has no valid shape")
    base = entry.get("base")
    if base is not None and not isinstance(base, str):
        raise BadIndex(f"entry {oid[:12]} has a base that is not an object id")
    if not _int(entry.get("depth", 0)):
        raise BadIndex(f"entry {oid[:12]} has an invalid depth")
    if not _int(entry.get("gen", 0)):
        raise BadIndex(f"entry {oid[:12]} has an invalid generation")
    chunks = entry.get("chunks")
    if not isinstance(chunks, list) or not chunks:
        raise BadIndex(f"entry {oid[:12]} has no chunks")
    for c in chunks:
        ok = isinstance(c, list) and len(c) == 4 and all(_int(x) for x in c[:3])
        if not ok or not isinstance(c[3], dict) or not isinstance(c[3].get("id"), str):
            raise BadIndex(f"entry {oid[:12]} has a malformed chunk")


def parse_index(raw: bytes | str) -> Entries:
    """The ``objects`` of an index document, checked; raises :class:`BadIndex`."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadIndex(f"is not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), dict):
        raise BadIndex("has no 'objects' table")
    objects: Entries = doc["objects"]
    for oid, entry in objects.items():
        if len(oid) != 64 or any(ch not in "0123456789abcdef" for ch in oid):
            raise BadIndex(f"names an invalid object id {oid[:16]!r}")
        _check_entry(oid, entry)
    return objects


def read_index_file(packs_dir: Path, name: str) -> Entries:
    """The checked ``<name>.idx.json``; raises :class:`BadIndex` naming what is wrong."""
    try:
        raw = (packs_dir / (name + INDEX_SUFFIX)).read_bytes()
    except FileNotFoundError:
        raise BadIndex("is missing") from None
    except OSError as exc:
        raise BadIndex(f"cannot be read ({exc.strerror or exc})") from None
    return parse_index(raw)


def read_pack_index(packs_dir: Path, name: str) -> Entries:
    """The checked index embedded in pack ``name``; raises :class:`BadIndex`."""
    from .pack import read_embedded_index  # h5py: only when the index file is unusable

    try:
        doc = read_embedded_index(packs_dir / (name + PACK_SUFFIX))
    except Exception as exc:  # noqa: BLE001 - h5py raises many kinds on a damaged file
        raise BadIndex(f"the pack itself cannot be read ({exc.__class__.__name__})") from None
    return parse_index(json.dumps(doc))


def load_index(packs_dir: Path, name: str) -> tuple[Entries | None, str | None, str | None]:
    """``(entries, index_problem, pack_problem)`` for pack ``name``.

    ``entries`` come from the index file when it is sound, else from the pack's own copy;
    ``index_problem`` says what is wrong with the file; ``pack_problem`` is set (and
    ``entries`` None) when neither copy can be read.
    """
    try:
        return read_index_file(packs_dir, name), None, None
    except BadIndex as exc:
        index_problem = f"its index file {exc}"
    try:
        return read_pack_index(packs_dir, name), index_problem, None
    except BadIndex as exc:
        return None, index_problem, f"{index_problem} and the copy inside the pack is unusable: {exc}"
