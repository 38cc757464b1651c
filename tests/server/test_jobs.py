"""Jobs: a whole life over REST (queued, progress, result), cancel, failures, responsiveness."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import threading
import time

import numpy as np
import pytest

from mgit_lab.api import Repository
from mgit_lab.core.errors import Conflict
from mgit_lab.server.jobs import Cancelled, JobRunner

FINAL = ("done", "failed", "cancelled")


async def wait_for(api, job_id: str, until=FINAL, timeout: float = 60.0) -> dict:
    """Poll a job until its status is in ``until``; return the last payload."""
    deadline = time.monotonic() + timeout
    while True:
        status, job = await api("GET", f"jobs/{job_id}")
        assert status == 200, job
        if until(job) if callable(until) else job["status"] in until:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}: {job}"
        await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
def big_repo_template(tmp_path_factory):
    """A repository of 36,000 small objects, 3,000 tensors in each of 12 versions: verifying
    it takes about a second, long enough to watch and cancel (3,000 objects took 0.07 s once
    packs were read without h5py, and two verifies no longer wait for each other's reads);
    12 versions keep each manifest, and so the graph, as small as with 3,000 objects."""
    root = tmp_path_factory.mktemp("big") / "big"
    repo = Repository.init(root)
    rng = np.random.default_rng(0)
    for v in range(12):
        repo.add_arrays(
            {f"t{i}": (rng.standard_normal(16).astype(np.float32), "float32") for i in range(3000)},
            "big" if v == 11 else f"big-{v}",
        )
    repo.add_arrays(
        {"w": (rng.standard_normal(8).astype(np.float32), "float32")},
        "small",
        parents=[("big", "prune")],
    )
    return root


@pytest.fixture
def big_repo(big_repo_template, jp_root_dir):
    shutil.copytree(big_repo_template, jp_root_dir / "big")
    return Repository.open(jp_root_dir / "big")


async def test_job_whole_life(api, big_repo):
    status, job = await api("POST", "verify", body={"repo": "big"})
    assert status == 202
    assert job["status"] in ("queued", "running") and job["kind"] == "verify" and job["repo"] == "big"
    assert job["result"] is None and job["error"] is None
    # progress is visible while it runs
    running = await wait_for(
        api,
        job["id"],
        until=lambda j: j["progress"]["done"] > 0 or j["status"] in FINAL,
    )
    if running["status"] == "running":
        assert 0 < running["progress"]["fraction"] <= 1
        assert running["progress"]["step"] == "verifying" and running["progress"]["total"] >= 36000
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert done["progress"]["fraction"] == 1.0
    assert done["result"]["ok"] is True and done["result"]["objects_checked"] >= 36001
    assert any("verifying" in line for line in done["log"]) and "finished in" in done["log"][-1]
    assert done["started"] and done["finished"]
    # it is listed
    status, listing = await api("GET", "jobs")
    assert job["id"] in [j["id"] for j in listing["jobs"]]


async def test_gc_job(api, lineage_repo):
    _status, job = await api("POST", "gc", body={"repo": "models"})
    done = await wait_for(api, job["id"])
    assert done["status"] == "done", done
    assert done["result"]["objects_kept"] == len(lineage_repo.live_objects())
    assert done["result"]["objects_removed"] == 0 and done["result"]["packs_after"] == 1


async def test_cancel_a_running_job(api, big_repo):
    status, job = await api("POST", "verify", body={"repo": "big"})
    running = await wait_for(
        api,
        job["id"],
        until=lambda j: j["progress"]["done"] > 0 or j["status"] in FINAL,
    )
    assert running["status"] == "running", "the job finished before it could be cancelled"
    status, after = await api("DELETE", f"jobs/{job['id']}")
    assert status == 200 and after["cancel_requested"] is True
    final = await wait_for(api, job["id"])
    assert final["status"] == "cancelled", final
    assert final["progress"]["done"] < final["progress"]["total"]
    assert final["result"] is None and final["log"][-1].endswith("cancelled")
    # cancelling again changes nothing
    status, again = await api("DELETE", f"jobs/{job['id']}")
    assert status == 200 and again["status"] == "cancelled"


async def test_cancel_a_queued_job(api, big_repo):
    jobs = [(await api("POST", "verify", body={"repo": "big"}))[1] for _ in range(3)]
    # two workers: the third waits in the queue
    _status, third = await api("DELETE", f"jobs/{jobs[2]['id']}")
    assert third["status"] == "cancelled" and third["started"] is None
    for job in jobs[:2]:
        await api("DELETE", f"jobs/{job['id']}")
        assert (await wait_for(api, job["id"]))["status"] == "cancelled"


async def test_server_answers_during_a_long_job(api, big_repo):
    await api("GET", "graph", params={"repo": "big"})  # warm the graph cache
    status, job = await api("POST", "verify", body={"repo": "big"})
    await wait_for(
        api,
        job["id"],
        until=lambda j: j["progress"]["done"] > 0 or j["status"] in FINAL,
    )
    worst = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        status, _doc = await api("GET", "graph", params={"repo": "big"})
        worst = max(worst, time.perf_counter() - t0)
        assert status == 200
    status, during = await api("GET", f"jobs/{job['id']}")
    assert during["status"] == "running", "the job ended before the graph requests were timed"
    assert worst < 0.5, f"graph took {worst:.3f} s during a job"
    await api("DELETE", f"jobs/{job['id']}")
    await wait_for(api, job["id"])


# ---------------------------------------------------------------- the runner itself
def _wait(runner: JobRunner, job_id: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while runner.get(job_id).status not in FINAL:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return runner.get(job_id).to_json()


def test_failures_are_recorded_not_raised():
    runner = JobRunner(workers=1)

    def user_error(progress):
        progress(1, 2, "checking")
        raise Conflict("a version named 'x' already exists", hint="choose another name")

    def bug(progress):
        raise RuntimeError("boom")

    job = _wait(runner, runner.submit("merge", "", "user error", user_error).id)
    assert job["status"] == "failed"
    assert job["error"] == {
        "message": "a version named 'x' already exists",
        "hint": "choose another name",
        "status": 409,
    }
    job = _wait(runner, runner.submit("merge", "", "bug", bug).id)
    assert job["status"] == "failed" and job["error"]["status"] == 500
    assert "RuntimeError: boom" in job["error"]["message"] and "Traceback" not in str(job)
    runner.shutdown()


def test_cancel_raises_in_the_progress_callback():
    runner = JobRunner(workers=1)
    started, seen = threading.Event(), []

    def work(progress):
        for i in range(1000):
            started.set()
            try:
                progress(i, 1000, "looping")
            except Cancelled:
                seen.append(i)
                raise
            time.sleep(0.005)
        return "finished"

    job = runner.submit("verify", "", "loop", work)
    started.wait(5)
    runner.cancel(job.id)
    final = _wait(runner, job.id)
    assert final["status"] == "cancelled" and seen and final["result"] is None
    runner.shutdown()


def test_finished_jobs_are_forgotten_after_a_while():
    # the count and the age limits are checked apart: on a loaded machine the wait for five
    # jobs can outlast a short age limit, which would hide what the count check tests
    runner = JobRunner(workers=1, keep_seconds=3600, keep_max=3)
    ids = [runner.submit("gc", "", f"job {i}", lambda p: {"i": 1}).id for i in range(5)]
    _wait(runner, ids[-1])  # one worker runs them in order; earlier ones may be pruned already
    assert len(runner.jobs()) == 3  # at most keep_max finished ones
    assert {j.id for j in runner.jobs()} == set(ids[-3:])  # the newest are kept
    runner.shutdown()
    runner = JobRunner(workers=1, keep_seconds=0.2, keep_max=3)
    _wait(runner, runner.submit("gc", "", "job", lambda p: {"i": 1}).id)
    time.sleep(0.3)
    assert runner.jobs() == []
    runner.shutdown()


def test_workers_end_when_idle():
    runner = JobRunner(workers=2, idle_seconds=0.1)
    job = runner.submit("gc", "", "quick", lambda p: 1)
    _wait(runner, job.id)
    deadline = time.monotonic() + 5
    while runner._threads and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not runner._threads
    # and start again on demand
    assert _wait(runner, runner.submit("gc", "", "again", lambda p: 2).id)["result"] == 2
    runner.shutdown()


def test_cancel_is_not_swallowed_by_code_catching_errors():
    """Core code that turns exceptions into reports (``except Exception``) must not eat a cancel."""
    runner = JobRunner(workers=1)
    started = threading.Event()

    def work(progress):
        for i in range(1000):
            started.set()
            try:
                progress(i, 1000, "careful loop")
            except Exception:  # noqa: BLE001 - the pattern under test
                return "swallowed"
            time.sleep(0.005)
        return "finished"

    job = runner.submit("cascade", "", "careful", work)
    started.wait(5)
    runner.cancel(job.id)
    assert _wait(runner, job.id)["status"] == "cancelled"
    runner.shutdown()


def test_a_job_of_many_brief_gil_releases_does_not_starve_other_threads(tmp_path):
    """A job that runs Python for 0.3 ms, then releases the GIL for microseconds (a small
    read, a hash), thousands of times, and reports progress as it goes: another thread of
    the process (the server's event loop) still runs every few milliseconds.  CPython
    alone wakes the waiting thread at each release, finds the GIL taken again and restarts
    its 5 ms wait for a forced switch: it waited 0.3 s and more here."""
    path = tmp_path / "f"
    path.write_bytes(b"x" * 4096)
    fd = os.open(path, os.O_RDONLY)
    runner = JobRunner(workers=1)

    def work(progress):
        end = time.monotonic() + 1.0
        i = 0
        while time.monotonic() < end:
            busy = time.perf_counter() + 0.0003
            while time.perf_counter() < busy:  # Python work, GIL held
                pass
            os.pread(fd, 8, i % 4000)  # releases the GIL and takes it back at once
            i += 1
            progress(i, 0, "reading")
        return i

    job = runner.submit("verify", "r", "brief releases", work)
    while job.status == "queued":
        time.sleep(0.001)
    gaps, last = [], time.perf_counter()
    while job.status == "running":
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    os.close(fd)
    assert job.status == "done", job.error
    gaps.sort()
    assert gaps[-1] < 0.1, f"this thread waited {gaps[-1]:.3f} s for the GIL (median {gaps[len(gaps) // 2]:.4f} s)"


def test_jobs_keep_the_servers_objects_out_of_full_collections():
    """While jobs run, the objects the server held before are frozen (``gc.freeze``), so the
    collections a job's many objects set off do not walk the whole process; after the last
    job ends they are collectable again."""
    assert gc.get_freeze_count() == 0
    runner = JobRunner(workers=2)
    seen: list[int] = []
    release = threading.Event()

    def work(progress):
        seen.append(gc.get_freeze_count())
        release.wait(5)
        return None

    first = runner.submit("verify", "r", "first", work)
    second = runner.submit("verify", "r", "second", work)
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(seen) == 2 and min(seen) > 0
    release.set()
    for job in (first, second):
        _wait(runner, job.id)
    assert gc.get_freeze_count() == 0


def _tracked(obj: object) -> bool:
    """Whether ``obj`` is in a collected generation (a frozen object is in none of them)."""
    return any(o is obj for o in gc.get_objects())


def test_jobs_leave_objects_frozen_by_someone_else_frozen():
    marker: list[int] = []  # (the freeze count is no marker: frozen objects that die leave it)
    gc.freeze()
    try:
        assert not _tracked(marker)
        runner = JobRunner(workers=1)
        job = runner.submit("verify", "r", "one", lambda progress: None)
        _wait(runner, job.id)
        assert not _tracked(marker), "a job unfroze objects it had not frozen"
    finally:
        gc.unfreeze()
    assert _tracked(marker)
