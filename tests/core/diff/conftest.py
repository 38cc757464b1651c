"""Fixtures of the diff tests."""

from __future__ import annotations

import pytest

from mgit_lab.core.diff import trace_cache


@pytest.fixture
def fresh_trace_cache():
    """Start and end with an empty in-memory trace cache."""
    trace_cache.clear_memory()
    yield
    trace_cache.clear_memory()
