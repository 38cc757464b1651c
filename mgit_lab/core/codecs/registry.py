"""Codec registry: look codecs up by id, built-ins first, then entry points.

Third-party codecs register through the ``mgit_lab.codecs`` entry-point group
(``name = "package.module:CodecClass"``) or at run time with :func:`register_codec`.
Nothing is imported or registered at import time of this module; the built-in table is
a list of import paths resolved lazily.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from ..errors import InvalidInput, NotFound
from .abc import Codec

#: id -> "module:Class" of the built-in codecs (resolved on first use).
_BUILTIN: dict[str, str] = {
    "raw": "mgit_lab.core.codecs.raw:RawCodec",
    "zstd-bytegroup": "mgit_lab.core.codecs.bytegroup:ByteGroupZstd",
    "float-planes": "mgit_lab.core.codecs.floatplanes:FloatPlanes",
    "xor-delta": "mgit_lab.core.codecs.xor_delta:XorDelta",
    "ordered-delta": "mgit_lab.core.codecs.ordered_delta:OrderedDelta",
    "sparse-delta": "mgit_lab.core.codecs.sparse_delta:SparseDelta",
    "prune-delta": "mgit_lab.core.codecs.prune_delta:PruneDelta",
    "cast-delta": "mgit_lab.core.codecs.cast_delta:CastDelta",
    "lowrank-delta": "mgit_lab.core.codecs.lowrank_delta:LowRankDelta",
    "lossy-delta": "mgit_lab.core.codecs.lossy:LossyDelta",
    "lossy-quant": "mgit_lab.core.codecs.lossy:LossyQuant",
}

_runtime: dict[str, type[Codec]] = {}
_resolved: dict[str, type[Codec]] = {}


def register_codec(cls: type[Codec]) -> type[Codec]:
    """Register ``cls`` under ``cls.id`` (usable as a class decorator)."""
    _runtime[cls.id] = cls
    _resolved.pop(cls.id, None)
    return cls


def unregister_codec(codec_id: str) -> None:
    """Forget a codec registered with :func:`register_codec` (built-ins stay)."""
    _runtime.pop(codec_id, None)
    _resolved.pop(codec_id, None)


def _entry_point_table() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group="mgit_lab.codecs")}


def _load(path: str) -> type[Codec]:
    module, _, attr = path.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Codec)):
        raise NotFound(f"codec entry {path!r} is not a Codec class")
    return cls


def codec_class(codec_id: str) -> type[Codec]:
    """The codec class registered as ``codec_id``.

    Raises
    ------
    NotFound
        When no built-in, runtime or entry-point codec has that id.
    """
    if codec_id in _resolved:
        return _resolved[codec_id]
    if codec_id in _runtime:
        cls = _runtime[codec_id]
    elif codec_id in _BUILTIN:
        cls = _load(_BUILTIN[codec_id])
    else:
        table = _entry_point_table()
        if codec_id not in table:
            raise NotFound(
                f"unknown codec {codec_id!r}",
                hint=f"known codecs: {', '.join(available_codecs())}; a pack written with a "
                "third-party codec needs that codec's package installed",
            )
        cls = _load(table[codec_id])
    _resolved[codec_id] = cls
    return cls


def get_codec(config: str | dict[str, Any]) -> Codec:
    """Instantiate a codec from an id or a ``get_config()`` dict.

    Raises
    ------
    NotFound
        When no codec has that id.
    InvalidInput
        When the config lacks a required parameter or has a bad one.
    """
    if isinstance(config, str):
        config = {"id": config}
    cls = codec_class(config["id"])
    try:
        return cls.from_config(config)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"codec {config['id']!r} cannot be built from {config}: {exc}",
            hint="see `mgit codecs` for each codec's parameters",
        ) from None


def available_codecs() -> list[str]:
    """Ids of every codec that can be looked up, sorted."""
    return sorted(set(_BUILTIN) | set(_runtime) | set(_entry_point_table()))


def describe_codecs() -> list[dict[str, Any]]:
    """One JSON-ready description per codec (for the CLI, REST and the panel)."""
    out = []
    for cid in available_codecs():
        cls = codec_class(cid)
        out.append(
            {
                "id": cid,
                "description": cls.description,
                "lossless": cls.lossless,
                "needs_base": cls.needs_base,
            }
        )
    return out
