"""src/tokens.ts mirrors core/schema.py: the same field names for every shared payload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_type_hints

import pytest

from mgit_lab.core import schema

TOKENS = Path(__file__).resolve().parents[1] / "src" / "tokens.ts"

#: TypeScript interface -> the TypedDict it mirrors
MIRRORS = {
    "IParentRef": schema.ParentRef,
    "IGraphNode": schema.VersionSummary,
    "IGraphEdge": schema.EdgePayload,
    "IGraphPayload": schema.GraphPayload,
    "IErrorPayload": schema.ErrorPayload,
    "IVersionPayload": schema.ServerVersion,
    "IRepositoryInfo": schema.RepositoryInfo,
    "IRepositoryList": schema.RepositoryList,
    "IJobProgress": schema.JobProgress,
    "IJobPayload": schema.JobPayload,
    "IMetricCheck": schema.MetricCheck,
    "ITestResult": schema.TestResult,
    "IMergeArgumentInfo": schema.MergeArgumentInfo,
    "IMergeStrategyInfo": schema.MergeStrategyInfo,
    "IMergePlan": schema.MergePlan,
    "IMergeParameter": schema.MergeParameter,
    "IStrategyPreview": schema.StrategyPreview,
    "IMergeResult": schema.MergeResult,
    "ICascadeEntry": schema.CascadeEntry,
    "ICascadeReport": schema.CascadeReport,
    "ICheckoutPayload": schema.CheckoutPayload,
    "IRevisionPayload": schema.RevisionPayload,
}


def _ts_fields(name: str) -> set[str]:
    text = TOKENS.read_text()
    m = re.search(r"export interface " + name + r" \{(.*?)\n\}", text, re.S)
    assert m, f"{name} is missing from src/tokens.ts"
    body = re.sub(r"/\*\*.*?\*/", "", m.group(1), flags=re.S)
    return set(re.findall(r"^\s*(\w+)\??:", body, re.M))


@pytest.mark.parametrize("ts_name", sorted(MIRRORS))
def test_typescript_mirror_has_the_python_fields(ts_name):
    assert _ts_fields(ts_name) == set(get_type_hints(MIRRORS[ts_name]))


def test_relations_agree():
    from mgit_lab.core.lineage import Relation

    m = re.search(r"export type Relation =(.*?);", TOKENS.read_text(), re.S)
    assert m
    assert set(re.findall(r"'(\w+)'", m.group(1))) == {r.value for r in Relation}
