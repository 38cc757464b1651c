"""Shared checks run over every registered codec: round trip, config, registration."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import numpy as np
import pytest

import mgit_lab.core.codecs as codecs_pkg
from mgit_lab.core.codecs.abc import Codec, CodecNotApplicable, TensorSpec
from mgit_lab.core.codecs.registry import (
    available_codecs,
    codec_class,
    describe_codecs,
    get_codec,
)
from mgit_lab.core.errors import InvalidInput
from tests.core.codecs.codec_cases import DTYPES, as_float64, cases

BOUND = 1e-3
#: constructor arguments for codecs that have required ones
REQUIRED = {
    "lossy-delta": {"error_bound": BOUND},
    "lossy-quant": {"error_bound": BOUND},
}
#: the codecs that must handle every dtype and every case (no CodecNotApplicable)
UNIVERSAL = {"raw", "zstd-bytegroup", "float-planes", "xor-delta", "ordered-delta", "sparse-delta", "binade-delta"}


def make(codec_id: str) -> Codec:
    return get_codec({"id": codec_id, **REQUIRED.get(codec_id, {})})


def spec_of(array: np.ndarray, dtype: str) -> TensorSpec:
    return TensorSpec(dtype, tuple(array.shape))


def dtype_of(array: np.ndarray) -> str:
    """Logical dtype of a storage array (``uint16`` is bfloat16)."""
    return "bfloat16" if array.dtype == np.uint16 else array.dtype.name


def check_encode_decode(codec: Codec, child: np.ndarray, base: np.ndarray | None, dtype: str) -> bool:
    """Encode and decode one case; returns False when the codec does not apply to it."""
    spec = spec_of(child, dtype)
    base_spec = spec_of(base, dtype_of(base)) if base is not None else None
    if codec.needs_base and base is None:
        return False
    if not codec.accepts(spec, base_spec if codec.needs_base else None):
        return False
    child_before, base_before = child.copy(), None if base is None else base.copy()
    try:
        data = codec.encode(child, base if codec.needs_base else None)
    except CodecNotApplicable:
        return False
    assert isinstance(data, (bytes, bytearray))
    assert child.tobytes() == child_before.tobytes(), "encode modified its input"
    if base is not None:
        assert base.tobytes() == base_before.tobytes(), "encode modified the base"
    out = codec.decode(data, base if codec.needs_base else None, spec)
    assert out.dtype == spec.storage_dtype and out.shape == spec.shape
    if codec.lossless:
        assert out.tobytes() == child.tobytes(), f"{codec.id} is not bit-exact on {dtype}"
    else:
        want, got = as_float64(child, dtype), as_float64(out, dtype)
        finite = np.isfinite(want)
        assert np.all(np.abs(got[finite] - want[finite]) <= codec.get_config()["error_bound"])
        assert out[~finite].tobytes() == child[~finite].tobytes(), "non-finite values must come back exactly"
    return True


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("codec_id", available_codecs())
def test_round_trip(codec_id: str, dtype: str) -> None:
    codec = make(codec_id)
    ran = [name for name, child, base in cases(dtype) if check_encode_decode(codec, child, base, dtype)]
    if codec_id in UNIVERSAL:
        expected = [
            name
            for name, child, base in cases(dtype)
            if not codec.needs_base or (base is not None and base.dtype == child.dtype)
        ]
        assert ran == expected
    elif not ran:
        pytest.skip(f"{codec_id} does not apply to {dtype} tensors")


def test_every_codec_round_trips_somewhere() -> None:
    for codec_id in available_codecs():
        codec = make(codec_id)
        assert any(
            check_encode_decode(codec, child, base, dtype) for dtype in DTYPES for _, child, base in cases(dtype)
        ), f"{codec_id} never ran: the shared round-trip test does not cover it"


@pytest.mark.parametrize("codec_id", available_codecs())
def test_config_round_trip(codec_id: str) -> None:
    codec = make(codec_id)
    config = codec.get_config()
    assert config["id"] == codec_id
    again = json.loads(json.dumps(config))
    assert again == config, "get_config() must hold JSON values only"
    assert get_codec(again) == codec
    assert codec_class(codec_id).from_config(again).get_config() == config


def test_every_codec_module_is_registered() -> None:
    found = {}
    for info in pkgutil.iter_modules(codecs_pkg.__path__):
        module = importlib.import_module(f"{codecs_pkg.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Codec) and cls.__module__ == module.__name__ and not inspect.isabstract(cls):
                found[cls.id] = cls
    assert len(found) >= 10
    for codec_id, cls in found.items():
        assert codec_id in available_codecs()
        assert codec_class(codec_id) is cls


def test_describe_codecs_lists_every_codec() -> None:
    described = {d["id"]: d for d in describe_codecs()}
    assert set(described) == set(available_codecs())
    assert described["lossy-delta"]["lossless"] is False
    assert described["ordered-delta"]["needs_base"] is True
    assert all(d["description"] for d in described.values())


def test_lossy_codec_records_its_bound_and_needs_it() -> None:
    assert make("lossy-delta").get_config()["error_bound"] == BOUND
    with pytest.raises(InvalidInput, match="positive"):
        get_codec({"id": "lossy-delta", "error_bound": -1.0})


@pytest.mark.parametrize("codec_id", sorted(set(available_codecs()) - {"raw"}))
def test_damaged_stream_raises(codec_id: str) -> None:
    codec = make(codec_id)
    rng = np.random.default_rng(1)
    base = rng.standard_normal((37, 29)).astype(np.float32)
    child = (base + rng.standard_normal((37, 29)).astype(np.float32) * 1e-3).astype(np.float32)
    if codec_id == "lowrank-delta":
        child = (base + np.outer(rng.standard_normal(37), rng.standard_normal(29)).astype(np.float32)).astype(
            np.float32
        )
    spec = TensorSpec("float32", child.shape)
    data = codec.encode(child, base if codec.needs_base else None)
    with pytest.raises((ValueError, Exception)) as info:
        codec.decode(data[: len(data) // 2], base if codec.needs_base else None, spec)
    assert not isinstance(info.value, AssertionError)
