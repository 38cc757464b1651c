"""Garbage collection and verification of an object store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..errors import MgitError
from .atomic import atomic_write_json
from .index_doc import load_index
from .objects import ObjectStore
from .pack import INDEX_SUFFIX, PACK_SUFFIX
from .repack import confirm_packs

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass
class GcReport:
    """What :func:`collect_garbage` did."""

    objects_kept: int = 0
    objects_removed: int = 0
    packs_before: int = 0
    packs_after: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    temp_files_removed: int = 0

    def summary(self) -> str:
        freed = self.bytes_before - self.bytes_after
        return (
            f"kept {self.objects_kept} objects, removed {self.objects_removed}; "
            f"{self.packs_before} packs -> {self.packs_after}; freed {freed / 1e6:.1f} MB"
        )


@dataclass
class Problem:
    """One damaged or missing object found by :func:`verify_store`."""

    oid: str
    what: str


@dataclass
class VerifyReport:
    objects_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    packs_repaired: list[str] = field(default_factory=list)
    #: names of the versions that reference a damaged object (filled by the repository)
    damaged_versions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _closure(store: ObjectStore, roots: Iterable[str]) -> set[str]:
    """``roots`` and every delta base they depend on."""
    live: set[str] = set()
    stack = list(roots)
    while stack:
        oid = stack.pop()
        if oid in live or not store.has(oid):
            continue
        live.add(oid)
        base = store.info(oid).base
        if base:
            stack.append(base)
    return live


def _pack_bytes(store: ObjectStore) -> int:
    return sum(p.stat().st_size for p in store.packs_dir.glob("*" + PACK_SUFFIX))


def collect_garbage(store: ObjectStore, live_roots: Iterable[str], progress: Progress | None = None) -> GcReport:
    """Repack every object reachable from ``live_roots`` into one pack and drop the rest.

    The caller holds the writer lock.  The new pack is committed before any old pack is
    deleted, so a crash at any point leaves every live object readable.
    """
    store.forget_indexes()  # read every index afresh: what gc deletes must be known exactly
    store.refresh()
    confirm_packs(store, store.pack_names())
    report = GcReport(packs_before=len(store.pack_names()), bytes_before=_pack_bytes(store))
    for tmp in store.tmp_dir.glob("*"):
        tmp.unlink(missing_ok=True)
        report.temp_files_removed += 1
    live = _closure(store, live_roots)
    every = store.object_ids()
    report.objects_kept = len(live)
    report.objects_removed = len(every) - len(live)
    old_packs = store.pack_names()
    if report.objects_removed == 0 and len(old_packs) <= 1 and not store.index_problems:
        report.packs_after = len(old_packs)
        report.bytes_after = report.bytes_before
        return report
    # bases before their dependants, so a later reader never meets a dangling base
    order = sorted(live, key=lambda o: store.info(o).depth)
    with store.writer(repack=False) as w:
        for i, oid in enumerate(order):
            entry, pack = store._entry(oid)
            w.copy_raw(oid, entry, pack)
            store.get(oid)  # decodes and re-hashes: damage stops gc before any pack is deleted
            if progress:
                progress(i + 1, len(order), "repacking")
    new = set(store.pack_names()) - set(old_packs)
    for name in old_packs:
        if name in new:
            continue
        (store.packs_dir / (name + INDEX_SUFFIX)).unlink(missing_ok=True)
        (store.packs_dir / (name + PACK_SUFFIX)).unlink(missing_ok=True)
    store.refresh()
    report.packs_after = len(store.pack_names())
    report.bytes_after = _pack_bytes(store)
    return report


def repair_indexes(store: ObjectStore) -> list[str]:
    """Rewrite each missing or unusable ``.idx.json`` from the copy inside its pack; returns names."""
    repaired = []
    for pack in store.packs_dir.glob("*" + PACK_SUFFIX):
        name = pack.name[: -len(PACK_SUFFIX)]
        objects, index_problem, pack_problem = load_index(store.packs_dir, name)
        if index_problem is None or objects is None:
            continue  # sound, or nothing to rebuild from (verify reports it)
        atomic_write_json(store.packs_dir / (name + INDEX_SUFFIX), {"pack": name, "objects": objects})
        repaired.append(name)
    if repaired:
        store.forget_indexes()
        store.refresh()
    return repaired


def verify_store(
    store: ObjectStore, oids: Iterable[str] | None = None, progress: Progress | None = None
) -> VerifyReport:
    """Decode every object (or ``oids``), re-hash it, and check its delta chain."""
    store.forget_indexes()
    store.refresh()
    report = VerifyReport()
    for name, why in sorted(store.index_problems.items()):
        if name not in store.damaged_packs:
            report.problems.append(
                Problem(
                    "",
                    f"pack {name}: {why}; its objects were read from the copy inside the pack "
                    "(`mgit verify --repair` rewrites the index; "
                    "`mgit gc` keeps what versions need and drops the rest)",
                )
            )
    for name, why in sorted(store.damaged_packs.items()):
        report.problems.append(Problem("", f"pack {name} cannot be read: {why}"))
    todo = sorted(store.object_ids() if oids is None else set(oids))
    store.clear_cache()
    for i, oid in enumerate(todo):
        report.objects_checked += 1
        try:
            info = store.info(oid)
            if info.base and not store.has(info.base):
                raise MgitError(f"its delta base {info.base[:12]} is missing")
            arr = store.get(oid)  # decodes and re-hashes: damage raises Corrupt
            if tuple(arr.shape) != info.spec.shape:
                raise MgitError("decoded shape differs from the index")
        except MgitError as exc:
            report.problems.append(Problem(oid, str(exc)))
        except Exception as exc:  # noqa: BLE001 - any failure to read is damage to report
            report.problems.append(Problem(oid, f"unreadable: {exc}"))
        if progress:
            progress(i + 1, len(todo), "verifying")
    store.clear_cache()
    return report
