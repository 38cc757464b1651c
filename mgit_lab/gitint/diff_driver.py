"""``git diff`` of a tracked checkpoint: the parameter diff, not a binary blob.

git runs ``diff.mgit.command`` with ``PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX
NEW-MODE``.  Each side is a pointer (a blob) or, for the work tree side, the checkpoint file
itself.  Which tensors changed comes from the object ids (the pointers alone: cheap); the
relative change ``||b - a|| / ||a||`` of a changed tensor reads both arrays (from the
``.mgit`` store, or the file).  ``textconv`` (``git log -p``, ``git show``) renders one
pointer as a listing git can diff line by line.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..api import Repository
from ..core.diff.param_diff import update_stats
from ..core.store.hashing import object_id
from .checkpoints import file_name, pointer_of
from .pointer import Pointer, TensorLine, checkpoint_kind, is_pointer, parse

NULL = "/dev/null"


@dataclass
class Side:
    label: str
    tensors: dict[str, TensorLine]
    load: Callable[[str], np.ndarray] | None


def _read_side(path: str, label: str, repo: Repository | None) -> Side:
    if path == NULL:
        return Side("(none)", {}, None)
    return _read_side_pointer(Path(path).read_bytes(), label, repo)


def _read_side_pointer(data: bytes, label: str, repo: Repository | None) -> Side:
    if is_pointer(data):
        ptr = parse(data, label)
        tensors = ptr.by_name()

        def from_store(name: str) -> np.ndarray:
            assert repo is not None
            return repo.store.get(tensors[name].oid)

        usable = repo is not None and all(repo.store.has(t.oid) for t in tensors.values())
        return Side(ptr.name, tensors, from_store if usable else None)
    kind = checkpoint_kind(data)
    if kind is None:
        return Side(f"{label} (not a checkpoint)", {}, None)
    known = stored_pointer(repo, data)
    if known is not None:  # git hands over the smudged file: the store knows its tensors
        return _read_side_pointer(known.text(), label, repo)
    from ..core.io.sources import load_source

    with tempfile.TemporaryDirectory(prefix="mgit-diff-") as tmp:
        file = Path(tmp) / file_name(label, kind)
        file.write_bytes(data)
        state = load_source(file).state
    arrays = {k: a for k, (a, _d) in state.items()}
    tensors = {k: TensorLine(k, object_id(a, d), d, tuple(a.shape)) for k, (a, d) in state.items()}
    sha = hashlib.sha256(data).hexdigest()[:12]
    return Side(f"work tree ({sha})", tensors, arrays.__getitem__)


def stored_pointer(repo: Repository | None, data: bytes) -> Pointer | None:
    """The pointer of the stored version whose file is exactly ``data`` (None: not stored)."""
    if repo is None:
        return None
    sha = hashlib.sha256(data).hexdigest()
    for version in repo.versions():
        if version.name.endswith("@" + sha[:12]):
            ptr = pointer_of(repo, version.id)
            if ptr.sha256 == sha:
                return ptr
    return None


def _shape(t: TensorLine) -> str:
    return "x".join(map(str, t.shape)) or "scalar"


def param_diff_text(path: str, a: Side, b: Side) -> str:
    """Changed (largest relative change first), added and removed tensors."""
    changed: list[tuple[float, str, str]] = []
    added, removed = sorted(b.tensors.keys() - a.tensors.keys()), sorted(a.tensors.keys() - b.tensors.keys())
    for name in sorted(a.tensors.keys() & b.tensors.keys()):
        ta, tb = a.tensors[name], b.tensors[name]
        if ta.oid == tb.oid:
            continue
        if ta.shape != tb.shape or ta.dtype != tb.dtype:
            changed.append((float("inf"), name, f"{ta.dtype} {_shape(ta)} -> {tb.dtype} {_shape(tb)}"))
            continue
        rel = None
        if a.load is not None and b.load is not None:
            rel = update_stats(a.load(name), b.load(name), ta.dtype, rank=False).get("relative")
        note = f"relative change {rel:.3e}" if rel is not None else "changed (values not in the store)"
        changed.append((rel if rel is not None else -1.0, name, f"{ta.dtype} {_shape(ta)}  {note}"))
    changed.sort(key=lambda c: (-c[0], c[1]))
    lines = [
        f"mgit diff {path}: {a.label} -> {b.label}",
        f"  {len(changed)} changed, {len(added)} added, {len(removed)} removed "
        f"(of {len(a.tensors)} -> {len(b.tensors)} tensors)",
    ]
    width = max((len(n) for n in [c[1] for c in changed] + added + removed), default=0)
    lines += [f"  ~ {name:<{width}}  {text}" for _r, name, text in changed]
    lines += [f"  + {n:<{width}}  {b.tensors[n].dtype} {_shape(b.tensors[n])}" for n in added]
    lines += [f"  - {n:<{width}}  {a.tensors[n].dtype} {_shape(a.tensors[n])}" for n in removed]
    return "\n".join(lines) + "\n"


def diff_driver(root: Path, argv: list[str]) -> str:
    """The text of ``git diff`` for one tracked checkpoint (git's 7 arguments, or 1 for an
    unmerged path)."""
    if len(argv) < 7:
        return f"mgit diff {argv[0] if argv else '?'}: unmerged (an mgit merge is in progress)\n"
    path, old, new = argv[0], argv[1], argv[4]
    repo = Repository.open(root) if (root / ".mgit").is_dir() else None
    try:
        return param_diff_text(path, _read_side(old, path, repo), _read_side(new, path, repo))
    finally:
        if repo is not None:
            repo.close()


def textconv(root: Path, file: Path) -> str:
    """A checkpoint (or its pointer) as lines ``name dtype shape oid`` (git diffs them line
    by line); a file that is not a checkpoint as its bytes' summary."""
    data = file.read_bytes()
    if not is_pointer(data):
        kind = checkpoint_kind(data)
        repo = Repository.open(root) if kind and (root / ".mgit").is_dir() else None
        try:
            known = stored_pointer(repo, data)
            if known is None and kind is not None:
                side = _read_side(str(file), file.name, None)
                known = Pointer(
                    "", side.label, file.name, len(data), hashlib.sha256(data).hexdigest(), list(side.tensors.values())
                )
        finally:
            if repo is not None:
                repo.close()
        if known is None:
            return f"(not a checkpoint, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()})\n"
        data = known.text()
    ptr = parse(data, str(file))
    lines = [f"mgit version {ptr.name} ({ptr.size} bytes, sha256 {ptr.sha256[:16]})"]
    lines += [f"{t.name}  {t.dtype} {_shape(t)}  {t.oid[:16]}" for t in sorted(ptr.tensors, key=lambda t: t.name)]
    return "\n".join(lines) + "\n"
