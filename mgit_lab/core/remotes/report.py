"""What a push, fetch, pull or clone did: :class:`TransferReport` and its JSON payload."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..schema import RefusedObject, TransferPayload
from .transport import RemoteFS


@dataclass
class TransferReport:
    """Versions and objects moved, bytes and requests spent, objects refused."""

    verb: str
    remote: str
    url: str
    versions: list[str] = field(default_factory=list)
    objects: int = 0
    packs: int = 0
    refused: list[RefusedObject] = field(default_factory=list)
    skipped_versions: list[str] = field(default_factory=list)
    #: renames and tag changes made on the receiving side (``renamed 'a' -> 'b'``, ``tag 'best' -> 'ft2'``)
    labels: list[str] = field(default_factory=list)
    #: changes the receiving side made since the last sync, kept (not undone)
    label_notes: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    listings: int = 0
    lineage_attempts: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    def finish(self, rfs: RemoteFS | None) -> TransferReport:
        """Take the byte and request counts of ``rfs`` (None: nothing was asked of the remote)."""
        if rfs is not None:
            self.bytes_sent = rfs.bytes_sent
            self.bytes_received = rfs.bytes_received
            self.requests = rfs.requests
            self.listings = rfs.listings
        self.seconds = time.perf_counter() - self.started
        return self

    @property
    def ok(self) -> bool:
        return not self.refused

    def to_json(self) -> TransferPayload:
        return {
            "verb": self.verb,
            "remote": self.remote,
            "url": self.url,
            "versions": list(self.versions),
            "objects": self.objects,
            "packs": self.packs,
            "refused": list(self.refused),
            "skipped_versions": list(self.skipped_versions),
            "labels": list(self.labels),
            "label_notes": list(self.label_notes),
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One or a few lines for the CLI."""
        moved = self.bytes_sent if self.verb == "push" else self.bytes_received
        what = "sent" if self.verb == "push" else "received"
        if not self.versions and not self.objects and not self.labels:
            head = f"{self.verb}: {self.remote} ({self.url}) is up to date; {self.requests} request(s)"
        elif not self.versions and not self.objects:
            head = (
                f"{self.verb}: names and tags only; {_mb(moved)} {what} in {self.requests} request(s), "
                f"{self.seconds:.1f} s"
            )
        else:
            names = ", ".join(self.versions[:8]) + (" ..." if len(self.versions) > 8 else "")
            head = (
                f"{self.verb}: {len(self.versions)} version(s) [{names}], {self.objects} object(s) in "
                f"{self.packs} pack(s); {_mb(moved)} {what} in {self.requests} request(s), {self.seconds:.1f} s"
            )
        lines = [head]
        if self.lineage_attempts > 1:
            lines.append(
                f"the remote's lineage changed during this push: re-read and combined "
                f"({self.lineage_attempts} attempts)"
            )
        where = "on the remote" if self.verb == "push" else "here"
        lines += [f"{where}: {change}" for change in self.labels]
        lines += [f"kept: {note}" + (" (pull to take it)" if self.verb == "push" else "") for note in self.label_notes]
        for r in self.refused:
            lines.append(
                f"REFUSED object {r['object'][:12]}: {r['reason']}; needed by: {', '.join(r['versions']) or '-'}"
            )
        if self.skipped_versions:
            lines.append("not added (their tensors were refused): " + ", ".join(self.skipped_versions))
        return "\n".join(lines)


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 10_000 else f"{n} B"
