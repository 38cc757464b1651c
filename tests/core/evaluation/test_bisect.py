"""Bisect along a lineage path, checked against running the test on every version."""

from __future__ import annotations

import pytest

from mgit_lab.api import Repository
from mgit_lab.core import schema
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.errors import InvalidInput, NotFound
from mgit_lab.core.evaluation import bisect, register_test, run_tests
from tests.support.repos import add_model, assert_shape, snapshot, tiny


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """v0 -> v1 -> ... -> v9, each shifting fc1.weight by -0.25 (score falls; condition score >= S)."""
    r = Repository.init(tmp_path_factory.mktemp("bisect") / "r")
    add_model(r, tiny(0), "v0")
    for i in range(1, 10):
        derive(
            r,
            f"v{i - 1}",
            "tests.support.models:shift",
            name=f"v{i}",
            kwargs={"amount": -0.25},
        )
    add_model(r, tiny(3), "stray")
    return r


def scores(repo):
    register_test(
        repo,
        "tests.support.models:weight_sum",
        graph=True,
        name="probe",
        metrics={"score": "higher", "loss": "lower"},
        replace=True,
    )
    return {f"v{i}": run_tests(repo, f"v{i}", names=["probe"])[0]["metrics"]["score"] for i in range(10)}


@pytest.mark.parametrize("cut", [1, 4, 9])
def test_bisect_finds_the_first_failing_version(chain, tmp_path, cut):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(chain.root, root)
    repo = Repository.open(root)
    values = scores(repo)
    threshold = (values[f"v{cut - 1}"] + values[f"v{cut}"]) / 2  # v0..v(cut-1) pass, v(cut).. fail
    register_test(
        repo,
        "tests.support.models:weight_sum",
        graph=True,
        metrics={"score": ("higher", threshold), "loss": "lower"},
    )
    expected = min(i for i in range(10) if values[f"v{i}"] < threshold)
    before = snapshot(repo)
    result = bisect(repo, "v0", "v9", "weight_sum")
    assert snapshot(repo) == before  # bisect writes nothing
    assert result.first_bad == f"v{expected}" and result.last_good == f"v{expected - 1}"
    assert result.path == [f"v{i}" for i in range(10)]
    assert len(result.steps) <= 2 + 4  # ends + ceil(log2(8))
    doc = result.to_json()
    assert_shape(doc, schema.BisectResult)
    assert_shape(doc["steps"][0], schema.BisectStep)


def test_bisect_reuses_stored_results(chain, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(chain.root, root)
    repo = Repository.open(root)
    register_test(
        repo,
        "tests.support.models:weight_sum",
        graph=True,
        metrics={"score": ("higher", -1e9), "loss": "lower"},
    )
    run_tests(repo, "v0")
    register_test(
        repo,
        "tests.support.models:weight_sum",
        graph=True,
        metrics={"score": ("higher", 1e9), "loss": "lower"},
        replace=True,
    )
    run_tests(repo, "v9")
    result = bisect(repo, "v0", "v9", "weight_sum")
    cached = {s["version_name"]: s["cached"] for s in result.steps}
    assert cached["v0"] is True and cached["v9"] is True
    assert not any(c for n, c in cached.items() if n not in ("v0", "v9"))


def test_bisect_bad_input(chain):
    register_test(
        chain,
        "tests.support.models:weight_sum",
        graph=True,
        name="always",
        metrics={"score": ("higher", -1e9), "loss": "lower"},
        replace=True,
    )
    register_test(
        chain,
        "tests.support.models:weight_sum",
        graph=True,
        name="never",
        metrics={"score": ("higher", 1e9), "loss": "lower"},
        replace=True,
    )
    register_test(
        chain,
        "tests.support.models:weight_sum",
        graph=True,
        name="nocond",
        metrics={"score": "higher", "loss": "lower"},
        replace=True,
    )
    with pytest.raises(InvalidInput, match="'v9' is not an ancestor of 'v0'"):
        bisect(chain, "v9", "v0", "always")
    with pytest.raises(InvalidInput, match="not an ancestor"):
        bisect(chain, "v0", "stray", "always")
    with pytest.raises(InvalidInput, match="the good version 'v0' fails 'never'"):
        bisect(chain, "v0", "v9", "never")
    with pytest.raises(InvalidInput, match="the bad version 'v9' passes 'always'"):
        bisect(chain, "v0", "v9", "always")
    with pytest.raises(InvalidInput, match="has no success condition"):
        bisect(chain, "v0", "v9", "nocond")
    with pytest.raises(NotFound, match="no test named 'missing'"):
        bisect(chain, "v0", "v9", "missing")
