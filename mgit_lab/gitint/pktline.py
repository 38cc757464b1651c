"""git's pkt-line framing, as the long-running filter protocol uses it.

A packet is four hex digits giving its length (the four digits included) followed by the
payload; ``0000`` is a *flush* packet (the end of a list or of a content stream).  A payload
is at most 65516 bytes; text packets end with a newline.  See git's
``Documentation/technical/protocol-common.txt`` and ``gitattributes(5)`` ("Long Running
Filter Process").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ..core.errors import InvalidInput

MAX_PAYLOAD = 65516
FLUSH = b"0000"


class ProtocolError(InvalidInput):
    """git and the filter disagree about the framing: the filter stops."""


def read_packet(stream: BinaryIO) -> bytes | None:
    """The next packet's payload, or None for a flush packet.

    Raises
    ------
    EOFError
        When git closed the stream at a packet boundary (the end of the session).
    ProtocolError
        When the stream ends inside a packet or the length is not valid.
    """
    head = stream.read(4)
    if not head:
        raise EOFError("git closed the filter's input")
    if len(head) < 4:
        raise ProtocolError("git's input ended inside a packet length", hint="a git process was killed")
    try:
        size = int(head, 16)
    except ValueError:
        raise ProtocolError(f"not a pkt-line length: {head!r}", hint="the filter must be run by git") from None
    if size == 0:
        return None
    if size < 4 or size > MAX_PAYLOAD + 4:
        raise ProtocolError(f"pkt-line length out of range: {size}", hint="the filter must be run by git")
    payload = b""
    while len(payload) < size - 4:
        chunk = stream.read(size - 4 - len(payload))
        if not chunk:
            raise ProtocolError("git's input ended inside a packet", hint="a git process was killed")
        payload += chunk
    return payload


def read_text_list(stream: BinaryIO) -> list[str]:
    """Text packets up to the next flush, without their newlines."""
    out = []
    while (packet := read_packet(stream)) is not None:
        out.append(packet.decode("utf-8").rstrip("\n"))
    return out


def read_content(stream: BinaryIO) -> bytes:
    """Binary packets up to the next flush, joined."""
    parts = []
    while (packet := read_packet(stream)) is not None:
        parts.append(packet)
    return b"".join(parts)


def packets(data: bytes) -> Iterator[bytes]:
    """``data`` framed as packets (no flush)."""
    for i in range(0, len(data), MAX_PAYLOAD):
        chunk = data[i : i + MAX_PAYLOAD]
        yield b"%04x" % (len(chunk) + 4) + chunk


def write_text(stream: BinaryIO, *lines: str, flush: bool = True) -> None:
    """Each line as a text packet, then a flush packet unless ``flush`` is False."""
    out = b"".join(next(packets((line + "\n").encode("utf-8"))) for line in lines)
    stream.write(out + (FLUSH if flush else b""))
    stream.flush()


def write_content(stream: BinaryIO, data: bytes) -> None:
    """``data`` as packets, then a flush packet."""
    for packet in packets(data):
        stream.write(packet)
    stream.write(FLUSH)
    stream.flush()
