"""Backward compatibility: streams written by earlier versions must decode to the same bits.

The fixtures under ``tests/fixtures/codecs/<codec id>/`` were written by
``tests/fixtures/codecs/make_fixtures.py``; they are never regenerated over (a format
change needs a new version byte or codec id, and fixtures added beside the old ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.registry import available_codecs, get_codec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codecs"
FILES = sorted(FIXTURES.glob("*/*.npz"))


def test_every_codec_has_golden_streams() -> None:
    covered = {path.parent.name for path in FILES}
    missing = set(available_codecs()) - covered
    assert not missing, f"no golden fixtures for {sorted(missing)}: run tests/fixtures/codecs/make_fixtures.py"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_stream_decodes_to_the_same_bits(path: Path) -> None:
    with np.load(path, allow_pickle=False) as fx:
        config = json.loads(str(fx["config"]))
        dtype = str(fx["dtype"])
        data = fx["data"].tobytes()
        decoded = fx["decoded"]
        base = fx["base"] if "base" in fx.files else None
    assert config["id"] == path.parent.name
    codec = get_codec(config)
    out = codec.decode(data, base, TensorSpec(dtype, tuple(decoded.shape)))
    assert out.dtype == decoded.dtype and out.shape == decoded.shape
    assert out.tobytes() == decoded.tobytes()
