"""Bounds and a character policy for everything a user names or writes: one module, used by
the core, so every face (CLI, REST, notebook) enforces the same rules.

- **Labels** (version names, tags, model types, metadata keys): NFC-normalised Unicode,
  at most :data:`MAX_LABEL_BYTES` bytes of UTF-8, no control characters (Unicode ``Cc``), no
  format characters (``Cf``: bidi overrides and isolates, zero-width joiners...), no line or
  paragraph separators, no ``/`` or ``\\``, not ``.`` or ``..``, no leading ``-`` and no
  surrounding spaces.
- **Texts** (messages, author): NFC-normalised, at most :data:`MAX_MESSAGE_BYTES` bytes,
  newlines and tabs allowed, no other control character and no bidi override or isolate.
- **Metadata**: a JSON object whose encoding is at most :data:`MAX_METADATA_BYTES` bytes,
  keys are labels, nesting at most :data:`MAX_DEPTH` deep.

:func:`terminal_safe` escapes what a terminal would interpret (ESC, CSI, OSC, bidi
controls) in text that is printed, for data written before these rules or by other tools.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInput

MAX_LABEL_BYTES = 256
MAX_MESSAGE_BYTES = 64 * 1024
MAX_METADATA_BYTES = 64 * 1024
MAX_DEPTH = 32
#: bidi embeddings/overrides (U+202A-E) and isolates (U+2066-9): they reorder what is shown
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _shown(text: str, limit: int = 40) -> str:
    """A short, escaped prefix of ``text`` for an error message."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def check_label(label: Any, what: str = "version name") -> str:
    """``label`` NFC-normalised, if it is a valid name or tag (see the module docstring).

    Raises
    ------
    InvalidInput
        Naming the rule broken.
    """
    hint = (
        f"use at most {MAX_LABEL_BYTES} bytes, no '/', '\\', control or bidi characters, "
        "no leading '-' or surrounding spaces, and not '.' or '..'"
    )
    if not isinstance(label, str) or not label:
        raise InvalidInput(f"invalid {what}: it must be a non-empty string", hint=hint)
    if _bytes(label) > MAX_LABEL_BYTES:
        raise InvalidInput(f"invalid {what} {_shown(label)}: {_bytes(label)} bytes long", hint=hint)
    try:
        label = unicodedata.normalize("NFC", label)
    except UnicodeError:
        raise InvalidInput(f"invalid {what} {_shown(label)}: not valid Unicode", hint=hint) from None
    bad = next((c for c in label if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")), None)
    if bad is not None:
        raise InvalidInput(f"invalid {what} {_shown(label)}: it holds the character U+{ord(bad):04X}", hint=hint)
    if "/" in label or "\\" in label or label in (".", "..") or label.startswith("-") or label.strip() != label:
        raise InvalidInput(f"invalid {what} {_shown(label)}", hint=hint)
    return label


def check_text(text: Any, what: str = "message", limit: int = MAX_MESSAGE_BYTES) -> str:
    """``text`` NFC-normalised, if it is a valid message (see the module docstring).

    Raises
    ------
    InvalidInput
        When it is too long or holds a control or bidi character.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidInput(f"the {what} must be a string, not {type(text).__name__}")
    if _bytes(text) > limit:
        raise InvalidInput(
            f"the {what} is {_bytes(text)} bytes long, more than the {limit} allowed",
            hint="shorten it; put long notes in a file beside the model",
        )
    try:
        text = unicodedata.normalize("NFC", text)
    except UnicodeError:
        raise InvalidInput(f"the {what} is not valid Unicode") from None
    bad = next(
        (c for c in text if (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t") or c in _BIDI),
        None,
    )
    if bad is not None:
        raise InvalidInput(
            f"the {what} holds the control character U+{ord(bad):04X}",
            hint="remove terminal escapes and bidi controls from it (newlines and tabs are fine)",
        )
    return text


def _check_keys(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidInput(f"metadata is nested more than {MAX_DEPTH} levels deep", hint="flatten it")
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"metadata keys must be strings, not {type(key).__name__}")
            check_text(key, "metadata key", limit=MAX_LABEL_BYTES)
            _check_keys(inner, depth + 1)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            _check_keys(inner, depth + 1)
    elif isinstance(value, str):
        check_text(value, "metadata value")


def check_metadata(metadata: Any, what: str = "metadata") -> dict[str, Any]:
    """``metadata`` if it is a bounded JSON object with valid keys.

    Raises
    ------
    InvalidInput
        When it is not JSON, too large, too deep, or a key is not a valid label.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidInput(f"{what} must be a mapping, not {type(metadata).__name__}")
    _check_keys(metadata, 0)
    try:
        size = _bytes(json.dumps(metadata, allow_nan=True))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{what} must hold JSON values: {str(exc)[:120]}", hint="use numbers, strings, lists, dicts"
        ) from None
    if size > MAX_METADATA_BYTES:
        raise InvalidInput(
            f"{what} is {size} bytes as JSON, more than the {MAX_METADATA_BYTES} allowed",
            hint="store large data in a file and record its path or hash",
        )
    return dict(metadata)


_SGR = re.compile(r"\x1b\[[0-9;]{0,16}m")


def terminal_safe(text: str, *, keep_colours: bool = False) -> str:
    """``text`` with every control character but newline and tab, and every bidi control,
    shown as an escape (``\\x1b``, ``\\u202e``); ``keep_colours`` keeps SGR colour codes."""

    def escape(chunk: str) -> str:
        out = []
        for c in chunk:
            if (c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs")) or c in _BIDI or c in "\u2028\u2029":
                out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
            else:
                out.append(c)
        return "".join(out)

    if not keep_colours:
        return escape(text)
    pieces, last = [], 0
    for m in _SGR.finditer(text):
        pieces.append(escape(text[last : m.start()]))
        pieces.append(m.group(0))
        last = m.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)
