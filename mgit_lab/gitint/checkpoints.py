"""Clean (checkpoint -> pointer) and smudge (pointer -> the exact checkpoint) of one file.

Clean, in order (the first that applies):

1. a pointer is given back unchanged (clean is idempotent);
2. a merge-conflict note is refused (the merge must be finished first);
3. content that is not a checkpoint (by content: see :func:`.pointer.checkpoint_kind`) is
   kept by git as it is, with a warning;
4. a checkpoint whose hash the pointer in the index (or HEAD) already names gives that
   pointer back: a checked-out file cleans to exactly the text git holds;
5. else the checkpoint is stored in the ``.mgit`` store at the work tree's top (created when
   missing) as a new version named ``<path>@<hash prefix>`` whose parent is the version the
   pointer in HEAD names (so its tensors are stored as deltas), or an inferred one.

Smudge rebuilds the file from the store through the exact-files record (every file's sha256
checked, so damage is an error, never wrong bytes).  When the objects are not here (a clone
without the store) the pointer text stays in the work tree, a warning names the command that
fetches them, and ``git status`` stays clean: a pointer is never mistaken for a checkpoint.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from ..api import Repository
from ..core.errors import Conflict, MgitError, NotFound
from .git_commands import blobs, git_dir
from .pointer import Pointer, TensorLine, checkpoint_kind, is_conflict, is_pointer, parse

SUFFIX = {"safetensors": ".safetensors", "torch": ".pt"}
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
MAX_NAME = 180


def warn(text: str) -> None:
    print(f"mgit: {text}", file=sys.stderr, flush=True)


def raw_checkpoint_advice(path: str) -> str:
    return (
        f"{path} is a raw checkpoint in git where an mgit pointer is expected (it was committed "
        f"without the mgit filter). Run: mgit git install && git add --renormalize {path} && git commit"
    )


def missing_objects_advice(path: str, what: str) -> str:
    return (
        f"{path}: {what}; the file holds its mgit pointer, not the checkpoint. Fetch the objects "
        f"with `mgit pull` (or copy the .mgit store), then run `mgit git checkout {path}`"
    )


class Checkpoints:
    """Clean and smudge against the ``.mgit`` store at ``root`` (opened once, on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._repo: Repository | None = None

    # ------------------------------------------------------------------ the store
    def repo(self, create: bool) -> Repository | None:
        if self._repo is None:
            if (self.root / ".mgit").is_dir():
                self._repo = Repository.open(self.root)
            elif create:
                self._repo = Repository.init(self.root)
                exclude_store(self.root)
                warn(f"created the mgit store {self.root / '.mgit'} (ignored by git)")
        return self._repo

    def reopen(self) -> None:
        """Forget the open store: see the packs other processes wrote since."""
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    # ------------------------------------------------------------------ clean
    def clean(self, data: bytes, path: str) -> bytes:
        if is_pointer(data):
            parse(data, path)  # a damaged pointer is refused, never committed
            return data
        if is_conflict(data):
            raise Conflict(
                f"{path} holds an unfinished mgit merge (parameters changed on both sides)",
                hint=f"finish it with `mgit git resolve {path} --ours|--theirs|--method NAME`, then `git add {path}`",
            )
        kind = checkpoint_kind(data)
        if kind is None:
            warn(f"{path} is tracked by mgit but is not a checkpoint (safetensors or torch): git keeps it as it is")
            return data
        sha = hashlib.sha256(data).hexdigest()
        index_blob, head_blob = blobs([f":{path}", f"HEAD:{path}"], cwd=self.root)
        for blob in (index_blob, head_blob):
            if blob is not None and is_pointer(blob):
                try:
                    known = parse(blob, path)
                except MgitError:  # a damaged pointer in git: store the file anew
                    continue
                if known.sha256 == sha:
                    return blob
        repo = self.repo(create=True)
        assert repo is not None
        name = version_name(path, sha)
        if name in repo.graph:
            return pointer_of(repo, name).text()
        parent = None
        if head_blob is not None and is_pointer(head_blob):
            try:
                head = parse(head_blob, f"HEAD:{path}")
                if head.version in repo.graph:
                    parent = head.version
            except MgitError:  # a damaged HEAD pointer only loses the parent hint
                parent = None
        with tempfile.TemporaryDirectory(prefix="mgit-clean-") as tmp:
            file = Path(tmp) / file_name(path, kind)
            file.write_bytes(data)
            repo.add(file, name=name, parent=parent, message=f"git add {path}", infer=parent is None)
        return pointer_of(repo, name).text()

    # ------------------------------------------------------------------ smudge
    def smudge(self, data: bytes, path: str) -> bytes:
        try:
            return self._smudge(data, path, retry=True)
        except _Missing as exc:
            warn(missing_objects_advice(path, str(exc)))
            return data

    def _smudge(self, data: bytes, path: str, retry: bool) -> bytes:
        if not is_pointer(data):
            if checkpoint_kind(data) is not None:
                warn(raw_checkpoint_advice(path))
            return data  # a conflict note or a file that is not a checkpoint: as it is
        ptr = parse(data, path)
        repo = self.repo(create=False)
        if repo is None:
            raise _Missing("this repository has no .mgit store")
        try:
            if ptr.version not in repo.graph:
                raise _Missing(f"the .mgit store lacks version {ptr.name}")
            if repo.files(ptr.version) is None:
                raise _Missing(
                    f"the .mgit store has the tensors of {ptr.name} but not the record of its exact file "
                    "(mgit remotes do not carry file records yet)"
                )
            record = repo.files(ptr.version)
            assert record is not None
            missing = [oid for oid in sorted(record.oids()) if not repo.store.has(oid)]
            if missing:
                raise _Missing(f"{len(missing)} objects of {ptr.name} are not in the .mgit store")
        except _Missing:
            if not retry:
                raise
            self.reopen()
            return self._smudge(data, path, retry=False)
        with tempfile.TemporaryDirectory(prefix="mgit-smudge-") as tmp:
            out = Path(tmp) / record.files[0].path
            repo.checkout_files(ptr.version, out)
            content = out.read_bytes()
        if hashlib.sha256(content).hexdigest() != ptr.sha256:
            raise Conflict(
                f"{path}: version {ptr.name} rebuilds to other bytes than its pointer names",
                hint="the pointer was edited or names another version: restore it from another commit",
            )
        return content

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()


class _Missing(Exception):
    """The store lacks what a pointer names (the text says what)."""


def version_name(path: str, sha: str) -> str:
    """``models:bert.safetensors@3b1e0c5a9d2f``: the path (``/`` as ``:``) and the hash."""
    flat = path.replace("/", ":").replace("\\", ":").lstrip("-. ") or "checkpoint"
    return f"{flat[-(MAX_NAME - 13) :]}@{sha[:12]}"


def file_name(path: str, kind: str) -> str:
    """A name the model reader takes for content of ``kind`` (the path's own when it fits)."""
    base = Path(path).name
    ok = base.endswith(".safetensors") if kind == "safetensors" else base.endswith(TORCH_SUFFIXES)
    return base if ok else base + SUFFIX[kind]


def pointer_of(repo: Repository, key: str) -> Pointer:
    """The pointer of a version added from one file."""
    version = repo.version(key)
    record = repo.files(key)
    if record is None or record.root != "file":
        raise NotFound(f"version {version.name} was not added from one file", hint="add the checkpoint file")
    entry = record.files[0]
    tensors = [TensorLine(name, t.oid, t.dtype, tuple(t.shape)) for name, t in version.manifest.items()]
    return Pointer(version.id, version.name, entry.path, entry.size, entry.sha256, tensors)


def exclude_store(root: Path) -> None:
    """Add ``/.mgit/`` to the repository's ``info/exclude`` (once)."""
    exclude = git_dir(root) / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    text = exclude.read_text() if exclude.exists() else ""
    if "/.mgit/" not in text.split("\n"):
        exclude.write_text(text + ("" if text.endswith("\n") or not text else "\n") + "/.mgit/\n")
