"""Codec registry: look codecs up by id, built-ins first, then entry points.

Third-party codecs register through the ``mgit_lab.codecs`` entry-point group
(``name = "package.module:CodecClass"``) or at run time with :func:`register_codec`.
The lookup is :class:`~mgit_lab.core.plugins.Registry`'s; nothing is imported or
registered at import time of this module: the built-in table below is import paths,
one line per codec, resolved lazily.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..plugins import Registry
from .abc import Codec

#: id -> "module:Class" of the built-in codecs (resolved on first use).
_BUILTIN: dict[str, str] = {
    "raw": "mgit_lab.core.codecs.raw:RawCodec",
    "zstd-bytegroup": "mgit_lab.core.codecs.bytegroup:ByteGroupZstd",
    "float-planes": "mgit_lab.core.codecs.floatplanes:FloatPlanes",
    "exponent-bands": "mgit_lab.core.codecs.exponent_bands:ExponentBands",
    "xor-delta": "mgit_lab.core.codecs.xor_delta:XorDelta",
    "ordered-delta": "mgit_lab.core.codecs.ordered_delta:OrderedDelta",
    "binade-delta": "mgit_lab.core.codecs.binade_delta:BinadeDelta",
    "sparse-delta": "mgit_lab.core.codecs.sparse_delta:SparseDelta",
    "prune-delta": "mgit_lab.core.codecs.prune_delta:PruneDelta",
    "cast-delta": "mgit_lab.core.codecs.cast_delta:CastDelta",
    "lowrank-delta": "mgit_lab.core.codecs.lowrank_delta:LowRankDelta",
    "lossy-delta": "mgit_lab.core.codecs.lossy:LossyDelta",
    "lossy-quant": "mgit_lab.core.codecs.lossy:LossyQuant",
}

REGISTRY: Registry[Codec] = Registry(
    "codec",
    Codec,
    key="id",
    group="mgit_lab.codecs",
    builtins=_BUILTIN,
    hint="known codecs: {known}; a pack written with a third-party codec needs that codec's package installed",
)


def register_codec(cls: type[Codec]) -> type[Codec]:
    """Register ``cls`` under ``cls.id`` (usable as a class decorator)."""
    return REGISTRY.register(cls)


def unregister_codec(codec_id: str) -> None:
    """Forget a codec registered with :func:`register_codec` (built-ins stay)."""
    REGISTRY.unregister(codec_id)


def codec_class(codec_id: str) -> type[Codec]:
    """The codec class registered as ``codec_id``.

    Raises
    ------
    NotFound
        When no built-in, runtime or entry-point codec has that id.
    """
    return REGISTRY.lookup(codec_id)


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
    return sorted(REGISTRY.names())


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
