"""``git merge`` of a tracked checkpoint (``merge.mgit.driver``) and ``mgit git resolve``.

git calls the driver with three pointers (ancestor ``%O``, ours ``%A``, theirs ``%B``) and
takes ``%A`` as the result.  The three-way planner (:mod:`mgit_lab.core.merge.planner`)
classifies every tensor from the pointers alone (object ids: no tensor is read).  Tensors
changed on one side only (or identically on both) merge automatically.  Tensors changed on
both sides are settled by ``git config mgit.mergeStrategy``: ``conflict`` (the default: the
file is left conflicted, never a silently averaged model), ``ours`` or ``theirs``.  A merged
checkpoint that differs from both sides is written (in our side's format), stored as a
``merge`` version with both sides as parents, and its pointer is the result.

A conflict leaves a note in ``%A`` (``mgit-merge-conflict 1``: the sides, the conflicting
tensors and the commands that finish the merge) and exits 1, so git marks the path
unmerged; ``mgit git resolve PATH --ours|--theirs|--method NAME`` finishes it from the
index's stages 1-3.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from ..api import Repository
from ..core.errors import Conflict, InvalidInput
from ..core.merge.planner import build_plan
from .checkpoints import Checkpoints, file_name, pointer_of, version_name, warn
from .git_commands import blobs, git
from .pointer import CONFLICT_MAGIC, Pointer, checkpoint_kind, is_pointer, parse

STRATEGIES = ("conflict", "ours", "theirs")


def _entries(p: Pointer | None) -> dict[str, tuple[str, str, tuple[int, ...]]] | None:
    return None if p is None else {t.name: (t.oid, t.dtype, t.shape) for t in p.tensors}


def _read(path: Path, label: str) -> Pointer | None:
    data = path.read_bytes() if path.exists() else b""
    if not data:
        return None
    if not is_pointer(data):
        raise InvalidInput(
            f"{label} is not an mgit pointer in git",
            hint="it was committed without the mgit filter: run `git add --renormalize` on it on both branches",
        )
    return parse(data, label)


def plan_sides(base: Pointer | None, ours: Pointer, theirs: Pointer) -> tuple[dict[str, str | None], list[str]]:
    """``{tensor: "a" | "b" | None (dropped)}`` for the automatic tensors, and the names
    changed on both sides (the planner's conflicts)."""
    plan = build_plan(_entries(base), _entries(ours) or {}, _entries(theirs) or {})
    o, a, b = _entries(base) or {}, _entries(ours) or {}, _entries(theirs) or {}
    take: dict[str, str | None] = {}
    conflicts = sorted(e.name for e in plan.conflicts)
    for e in plan.entries:
        if e.name in conflicts:
            continue
        ea, eb, eo = a.get(e.name), b.get(e.name), o.get(e.name)
        if ea == eb or eb == eo:
            take[e.name] = "a" if ea is not None else None
        else:
            take[e.name] = "b" if eb is not None else None
    return take, conflicts


def _write_merged(
    repo: Repository, path: str, ours: Pointer, theirs: Pointer, take: dict[str, str | None], message: str
) -> Pointer:
    """Store the checkpoint made of ``take``'s tensors; its pointer."""
    from ..core.io.export import write_state

    sides = {"a": ours.by_name(), "b": theirs.by_name()}
    if all(v == "a" for v in take.values()) and set(take) == set(sides["a"]):
        return ours
    if all(v == "b" for v in take.values()) and set(take) == set(sides["b"]):
        return theirs
    state = {}
    for name in sorted(take):
        side = take[name]
        if side is None:
            continue
        t = sides[side][name]
        state[name] = (repo.store.get(t.oid), t.dtype)
    kind = "safetensors" if ours.file.endswith(".safetensors") else "torch"
    with tempfile.TemporaryDirectory(prefix="mgit-merge-") as tmp:
        file = Path(tmp) / file_name(ours.file, kind)
        write_state(state, file, "safetensors" if kind == "safetensors" else "pt")
        data = file.read_bytes()
        name = version_name(path, hashlib.sha256(data).hexdigest())
        if name not in repo.graph:
            repo.add(file, name=name, parent=[ours.version, theirs.version], relation="merge", message=message)
    return pointer_of(repo, name)


def conflict_note(path: str, base: Pointer | None, ours: Pointer, theirs: Pointer, names: list[str]) -> bytes:
    lines = [
        CONFLICT_MAGIC.decode() + "1",
        f"path {path}",
        f"ours {ours.name} {ours.version}",
        f"theirs {theirs.name} {theirs.version}",
        f"base {base.name} {base.version}" if base else "base (none)",
        f"{len(names)} tensors changed on both sides:",
        *(f"conflict {n}" for n in names),
        "finish the merge with one of:",
        f"  mgit git resolve {path} --ours          (our values for these tensors)",
        f"  mgit git resolve {path} --theirs",
        f"  mgit git resolve {path} --method average (or ties, task_arithmetic, ...)",
        "or set `git config mgit.mergeStrategy ours|theirs` and merge again",
    ]
    return ("\n".join(lines) + "\n").encode()


def _strategy(root: Path) -> str:
    value = git("config", "--get", "mgit.mergeStrategy", cwd=root, check=False).decode().strip() or "conflict"
    if value not in STRATEGIES:
        raise InvalidInput(f"mgit.mergeStrategy is {value!r}", hint=f"set it to one of {', '.join(STRATEGIES)}")
    return value


def _repo(root: Path) -> Repository:
    repo = Checkpoints(root).repo(create=False)
    if repo is None:
        raise InvalidInput(f"{root} has no .mgit store", hint="fetch it with `mgit pull` before merging checkpoints")
    return repo


def merge_driver(root: Path, base_file: Path, ours_file: Path, theirs_file: Path, path: str) -> int:
    """git's merge driver: 0 with the merged pointer in ``ours_file``, 1 on a conflict."""
    base, ours, theirs = (
        _read(base_file, f"{path} (base)"),
        _read(ours_file, f"{path} (ours)"),
        _read(theirs_file, f"{path} (theirs)"),
    )
    if ours is None or theirs is None:
        raise InvalidInput(f"{path}: one side is empty", hint="resolve it with `git checkout --ours|--theirs`")
    take, conflicts = plan_sides(base, ours, theirs)
    strategy = _strategy(root) if conflicts else "conflict"
    if conflicts and strategy == "conflict":
        ours_file.write_bytes(conflict_note(path, base, ours, theirs, conflicts))
        warn(f"{path}: {len(conflicts)} tensors changed on both sides; see the file, then `mgit git resolve {path}`")
        return 1
    for name in conflicts:
        take[name] = "a" if strategy == "ours" else "b"
        if (ours if strategy == "ours" else theirs).by_name().get(name) is None:
            take[name] = None
    repo = _repo(root)
    try:
        merged = _write_merged(repo, path, ours, theirs, take, f"git merge {path}")
    finally:
        repo.close()
    ours_file.write_bytes(merged.text())
    return 0


def resolve(root: Path, path: str, side: str | None, method: str | None) -> str:
    """Finish a conflicted merge of ``path`` from the index's stages; writes the checkpoint
    and stages it.  Returns what was done."""
    base_b, ours_b, theirs_b = blobs([f":1:{path}", f":2:{path}", f":3:{path}"], cwd=root)
    if ours_b is None or theirs_b is None:
        raise Conflict(f"{path} is not in a merge conflict", hint="run it after a `git merge` that left it conflicted")
    base = parse(base_b, f"{path} (base)") if base_b else None
    ours, theirs = parse(ours_b, f"{path} (ours)"), parse(theirs_b, f"{path} (theirs)")
    take, conflicts = plan_sides(base, ours, theirs)
    repo = _repo(root)
    try:
        if method is not None:
            merged = _by_method(repo, path, ours, theirs, method)
        else:
            for name in conflicts:
                keep = (ours if side == "ours" else theirs).by_name().get(name)
                take[name] = None if keep is None else ("a" if side == "ours" else "b")
            merged = _write_merged(repo, path, ours, theirs, take, f"mgit git resolve {path} --{side}")
        content = Checkpoints(root).smudge(merged.text(), path)
    finally:
        repo.close()
    if not checkpoint_kind(content):
        raise Conflict(f"{path}: the merged checkpoint could not be rebuilt", hint="run `mgit verify`")
    (root / path).write_bytes(content)
    git("add", "--", path, cwd=root)
    how = f"--method {method}" if method else f"--{side}"
    return f"resolved {path} ({len(conflicts)} conflicting tensors, {how}): {merged.name}; now `git commit`"


def _by_method(repo: Repository, path: str, ours: Pointer, theirs: Pointer, method: str) -> Pointer:
    """Combine the two sides with a merge method of :mod:`mgit_lab.core.merge` (the user's
    explicit choice), then store the result as a checkpoint file."""
    from ..core.merge.versions import merge_versions

    tmp_name = f"{version_name(path, ours.sha256[:6] + theirs.sha256[:6])}-{method}"[-180:]
    if tmp_name not in repo.graph:
        merge_versions(repo, ours.version, theirs.version, strategy=method, name=tmp_name)
    merged = repo.version(tmp_name)
    from ..core.io.export import write_state

    state = repo.checkout_arrays(merged.id)
    kind = "safetensors" if ours.file.endswith(".safetensors") else "torch"
    with tempfile.TemporaryDirectory(prefix="mgit-merge-") as tmp:
        file = Path(tmp) / file_name(ours.file, kind)
        write_state(state, file, "safetensors" if kind == "safetensors" else "pt")
        name = version_name(path, hashlib.sha256(file.read_bytes()).hexdigest())
        if name not in repo.graph:
            repo.add(
                file, name=name, parent=merged.id, relation="version", message=f"mgit git resolve --method {method}"
            )
    return pointer_of(repo, name)
