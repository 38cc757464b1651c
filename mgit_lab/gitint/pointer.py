"""The pointer git keeps in place of a checkpoint, and what a file's content is.

A pointer is small, stable, line-oriented text (git diffs and merges it as text)::

    mgit-pointer 1
    version 6f3c...                       the mgit version the file was stored as
    name model.safetensors@3b1e0c5a9d2f   that version's name in the .mgit store
    file model.safetensors
    size 1048712
    sha256 3b1e0c5a9d2f...                hash of the exact file bytes
    tensor <object id> <dtype> <shape, e.g. 768x768 or scalar> <tensor name>
    ...                                   one line per tensor, sorted by name

The same version always gives the same text, so cleaning a checked-out file again gives
back the pointer git already holds (``git status`` stays clean).  Tensor names come last on
their line: they may hold spaces, never a newline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.errors import Corrupt

MAGIC = b"mgit-pointer "
FORMAT = 1
#: first line of the text a merge driver leaves when parameters conflict
CONFLICT_MAGIC = b"mgit-merge-conflict "
#: a pointer is never larger than this (a model with a million tensors)
MAX_POINTER_BYTES = 256 << 20
_HEX = re.compile(r"^[0-9a-f]{8,128}$")


@dataclass(frozen=True)
class TensorLine:
    name: str
    oid: str
    dtype: str
    shape: tuple[int, ...]


@dataclass
class Pointer:
    version: str
    name: str
    file: str
    size: int
    sha256: str
    tensors: list[TensorLine] = field(default_factory=list)

    def text(self) -> bytes:
        lines = [
            f"mgit-pointer {FORMAT}",
            f"version {self.version}",
            f"name {self.name}",
            f"file {self.file}",
            f"size {self.size}",
            f"sha256 {self.sha256}",
        ]
        for t in sorted(self.tensors, key=lambda t: t.name):
            shape = "x".join(str(d) for d in t.shape) if t.shape else "scalar"
            lines.append(f"tensor {t.oid} {t.dtype} {shape} {t.name}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def by_name(self) -> dict[str, TensorLine]:
        return {t.name: t for t in self.tensors}


def is_pointer(data: bytes) -> bool:
    return data.startswith(MAGIC)


def is_conflict(data: bytes) -> bool:
    return data.startswith(CONFLICT_MAGIC)


def _bad(label: str, why: str) -> Corrupt:
    return Corrupt(
        f"{label} holds a damaged mgit pointer ({why})",
        hint="restore it from another commit (`git checkout <commit> -- PATH`) or re-add the checkpoint file",
    )


def parse(data: bytes, label: str = "the file") -> Pointer:
    """The pointer in ``data``.

    Raises
    ------
    Corrupt
        When ``data`` is not a well-formed pointer of a format this mgit reads.
    """
    if len(data) > MAX_POINTER_BYTES:
        raise _bad(label, "too large")
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise _bad(label, "not UTF-8 text") from None
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("mgit-pointer "):
        raise _bad(label, "no 'mgit-pointer' first line")
    if lines[0] != f"mgit-pointer {FORMAT}":
        raise Corrupt(
            f"{label} is a pointer of format {lines[0].split(' ', 1)[1]!r}, this mgit reads format {FORMAT}",
            hint="upgrade mgit-lab",
        )
    fields: dict[str, str] = {}
    for key, line in zip(("version", "name", "file", "size", "sha256"), lines[1:6], strict=False):
        head, _, value = line.partition(" ")
        if head != key or not value:
            raise _bad(label, f"line {key!r} missing")
        fields[key] = value
    if len(fields) < 5 or not fields["size"].isdigit() or not _HEX.match(fields["sha256"]):
        raise _bad(label, "header incomplete")
    tensors = []
    for n, line in enumerate(lines[6:], start=7):
        parts = line.split(" ", 4)
        if len(parts) != 5 or parts[0] != "tensor" or not _HEX.match(parts[1]):
            raise _bad(label, f"line {n} is not a tensor line")
        try:
            shape = () if parts[3] == "scalar" else tuple(int(d) for d in parts[3].split("x"))
        except ValueError:
            raise _bad(label, f"line {n} has a bad shape") from None
        tensors.append(TensorLine(parts[4], parts[1], parts[2], shape))
    ptr = Pointer(fields["version"], fields["name"], fields["file"], int(fields["size"]), fields["sha256"], tensors)
    if ptr.text() != data:
        raise _bad(label, "not in canonical form (edited by hand?)")
    return ptr


def checkpoint_kind(data: bytes) -> str | None:
    """``"safetensors"`` or ``"torch"`` when ``data`` looks like a checkpoint, else None.

    By content only: a safetensors file starts with a little-endian header length and a JSON
    object; a torch file is a zip archive (``torch.save``'s default) or a protocol-2 pickle.
    """
    if len(data) >= 10:
        n = int.from_bytes(data[:8], "little")
        if 2 <= n <= len(data) - 8 and data[8:9] == b"{":
            return "safetensors"
    if data.startswith(b"PK\x03\x04") or data[:2] == b"\x80\x02":
        return "torch"
    return None
