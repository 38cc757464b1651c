"""The fault-injection suite of issue 9: seeded bit flips, truncations, broken indexes and a
full disk on a small repository; every command either gives the right bytes or fails with
one clear line, and nothing committed is lost.  ``benchmarks/store_faults.py`` prints the counts."""

from __future__ import annotations

import pytest

from tests.support.store_faults import build_repo, disk_full_run, run_faults


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine") / "repo"
    return root, build_repo(root, 4)


def test_flips_truncations_and_broken_indexes_are_never_silent_and_lose_nothing(pristine, tmp_path):
    root, expected = pristine
    counts = run_faults(root, expected, tmp_path / "work", seed=0, flips=2, cuts=1)
    assert counts.injected == 4 * (4 + 1 + 5)
    assert counts.silent_wrong_bytes == 0, counts.problems
    assert counts.unclear_messages == 0, counts.problems
    assert counts.versions_lost == 0, counts.problems
    assert counts.detected >= counts.injected // 2, counts.summary()


def test_a_full_disk_during_add_and_gc(pristine, tmp_path):
    root, expected = pristine
    outcome = disk_full_run(tmp_path / "mnt", root, expected)
    if isinstance(outcome, str):
        pytest.skip(outcome)
    assert outcome.detected and not (outcome.unclear or outcome.lost or outcome.wrong_bytes), outcome
