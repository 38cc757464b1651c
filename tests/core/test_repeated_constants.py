"""Constants repeated in light modules (so read-only commands import no numpy) stay equal to
their sources."""

from __future__ import annotations

from mgit_lab.core import repository
from mgit_lab.core.codecs.abc import STORAGE_DTYPES
from mgit_lab.core.codecs.choose import EFFORTS
from mgit_lab.core.inference.sketch import SKETCH_DIR
from mgit_lab.core.store.files import STORAGE_DTYPE_NAMES


def test_repeated_constants_match_their_sources():
    assert set(STORAGE_DTYPES) == STORAGE_DTYPE_NAMES
    assert tuple(repository.EFFORTS) == tuple(EFFORTS)
    assert repository.SKETCH_DIR == SKETCH_DIR
