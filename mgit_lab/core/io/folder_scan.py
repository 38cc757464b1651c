"""Which files of a model folder are part of a version, and what kind each one is.

Every regular file under the folder is part of the version (git's promise: what you add is
what you check out), except what the ignore rules leave out:

- always: ``.git/``, ``.mgit/``, ``__pycache__/``, ``.ipynb_checkpoints/``, ``.cache/``
  (the Hugging Face download cache), ``.DS_Store`` and mgit's export marker ``.mgit-export``;
- the patterns of the folder's own ``.mgitignore`` (one glob a line, ``#`` comments; a
  pattern without ``/`` matches a name at any depth, one with ``/`` the path from the
  folder; a trailing ``/`` matches a folder and everything in it).

Files that are neither weights nor small text (``optimizer.pt``, ``training_args.bin``, an
ONNX export...) are stored as opaque blobs: nothing of the folder is lost, and a user who
does not want them versioned lists them in ``.mgitignore``.  Such files are never unpickled.

Refused, with one error each: a symlink (or any file) that leads out of the folder, and a
folder holding two weight formats at once (``model.safetensors`` and ``pytorch_model.bin``):
which one is the model would be a guess.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InvalidInput
from .hf_folder import inside

IGNORE_FILE = ".mgitignore"
ALWAYS_IGNORED = (".git/", ".mgit/", "__pycache__/", ".ipynb_checkpoints/", ".cache/", ".DS_Store", ".mgit-export")
_MAX_FILES = 10_000

_TOKENIZER = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "added_tokens.json",
)


@dataclass
class FolderFile:
    """One file of the version: its path inside the folder (``/``-separated) and kind."""

    path: str
    kind: str
    #: (size, mtime_ns, inode) when scanned: a change before the add ends is refused
    stamp: tuple[int, int, int]


def stamp_of(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def kind_of(rel: str) -> str:
    """``safetensors`` (weights kept tensor by tensor), ``weights`` (pickled weights, kept
    exactly as a blob), ``index``, ``tokenizer``, ``config``, ``card`` or ``file``."""
    name = PurePosixPath(rel).name
    if name.endswith(".safetensors"):
        return "safetensors"
    if name.endswith(".index.json"):
        return "index"
    if name.startswith("pytorch_model") and name.endswith(".bin"):
        return "weights"
    if name in _TOKENIZER:
        return "tokenizer"
    if name.lower() in ("readme.md", "model_card.md"):
        return "card"
    if name.endswith(".json"):
        return "config"
    return "file"


def _patterns(folder: Path) -> list[str]:
    pats = list(ALWAYS_IGNORED)
    ignore = folder / IGNORE_FILE
    if ignore.is_file():
        inside(folder, ignore)
        for line in ignore.read_text(errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(line)
    return pats


def ignored(rel: str, patterns: list[str], *, is_dir: bool = False) -> bool:
    """Whether the folder-relative path ``rel`` matches a pattern (folders prune what they hold)."""
    name = rel.rsplit("/", 1)[-1]
    for pat in patterns:
        if pat.endswith("/") and not is_dir:
            continue
        p = pat.strip("/")
        if fnmatch.fnmatchcase(rel if "/" in p else name, p):
            return True
    return False


def scan_folder(folder: Path) -> list[FolderFile]:
    """The files of ``folder`` that belong to the version, sorted by path.

    Raises
    ------
    InvalidInput
        A file leads out of the folder, two weight formats are present, or the folder holds
        more than 10,000 files.
    """
    patterns = _patterns(folder)
    out: list[FolderFile] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(folder).as_posix()
        keep = []
        for d in sorted(dirnames):
            rel = d if rel_dir == "." else f"{rel_dir}/{d}"
            if ignored(rel, patterns, is_dir=True):
                continue
            if (here / d).is_symlink():
                inside(folder, here / d)
                raise InvalidInput(
                    f"{here / d} is a symlink to a folder",
                    hint=f"copy the folder's files instead, or list it in {IGNORE_FILE}",
                )
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if ignored(rel, patterns):
                continue
            path = here / name
            inside(folder, path)  # a symlink out of the folder is refused
            if not path.is_file():
                raise InvalidInput(f"{path} is not a regular file", hint=f"remove it or list it in {IGNORE_FILE}")
            out.append(FolderFile(rel, kind_of(rel), stamp_of(path)))
            if len(out) > _MAX_FILES:
                raise InvalidInput(
                    f"{folder} holds more than {_MAX_FILES} files", hint=f"list what is not the model in {IGNORE_FILE}"
                )
    out.sort(key=lambda f: f.path)
    _check_one_format(folder, out)
    return out


def _check_one_format(folder: Path, files: list[FolderFile]) -> None:
    top = {f.path for f in files if "/" not in f.path}
    st = {"model.safetensors", "model.safetensors.index.json"} & top
    pt = {"pytorch_model.bin", "pytorch_model.bin.index.json"} & top
    if st and pt:
        raise InvalidInput(
            f"{folder} holds two weight formats ({min(st)} and {min(pt)}): which one is the model is unclear",
            hint=f"keep one: list the other in {folder / IGNORE_FILE} (e.g. a line `pytorch_model*.bin`)",
        )


def check_unchanged(folder: Path, files: list[FolderFile]) -> None:
    """Refuse when a file changed since :func:`scan_folder` saw it.

    Raises
    ------
    InvalidInput
        Naming the first file that changed (or vanished).
    """
    for f in files:
        path = folder / f.path
        try:
            now = stamp_of(path)
        except FileNotFoundError:
            now = (-1, -1, -1)
        if now != f.stamp:
            raise InvalidInput(
                f"{path} changed while it was being added; nothing was stored",
                hint="wait until whatever writes the folder has finished, then add it again",
            )
