"""Tests on model versions: register, run, store results, bisect, and the lossy gate.

A test is a function ``fn(model) -> {metric: value}`` (``fn(model, data)`` with a dataset)
registered by importable reference on a model type, one version, or the whole graph.
Registrations live in ``.mgit/tests.json``; results live on each version
(``ModelVersion.tests[test_name]``) with the digest of the stored tensors they ran on.
"""

from .bisect import BisectResult, bisect
from .lossy_gate import add_lossy_gated, gate_verdict
from .run import (
    evaluate,
    run_tests,
    specs_for,
    store_results,
    summarize_results,
    version_digest,
    weights_digest,
)
from .specs import list_tests, parse_metrics, read_specs, register_test, unregister_test

__all__ = [
    "BisectResult",
    "add_lossy_gated",
    "bisect",
    "evaluate",
    "gate_verdict",
    "list_tests",
    "parse_metrics",
    "read_specs",
    "register_test",
    "run_tests",
    "specs_for",
    "store_results",
    "summarize_results",
    "unregister_test",
    "version_digest",
    "weights_digest",
]
