"""The lineage: model versions, their edges, manifests on disk, and storage accounting."""

from .graph import LineageGraph
from .version import (
    SUMMARY_KEYS,
    ModelVersion,
    Relation,
    TensorRef,
    check_label,
    manifest_figures,
    manifest_from_json,
    manifest_to_json,
)

__all__ = [
    "SUMMARY_KEYS",
    "LineageGraph",
    "ModelVersion",
    "Relation",
    "TensorRef",
    "check_label",
    "manifest_figures",
    "manifest_from_json",
    "manifest_to_json",
]
