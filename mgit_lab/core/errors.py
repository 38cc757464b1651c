"""Errors raised by the versioning core.

Every face (CLI, REST server, magics) maps these to its own channel in one place:
the CLI to an exit code and one line, the server to an HTTP status.  Messages say
what was wrong and what to do about it.
"""

from __future__ import annotations


class MgitError(Exception):
    """Base class of every error the core raises on purpose.

    Attributes
    ----------
    hint : str or None
        What the user can do about it; appended to ``str(err)``.
    """

    #: HTTP status a server maps this error to.
    http_status = 500

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInput(MgitError):
    """The caller passed something unusable: a bad file, argument or name."""

    http_status = 400


class TooLarge(InvalidInput):
    """The input is larger than mgit accepts (a request body, a name, a message)."""

    http_status = 413


class NotFound(MgitError):
    """A named thing (repository, version, object, codec, strategy) does not exist."""

    http_status = 404


class Conflict(MgitError):
    """The request clashes with the repository's state (duplicate name, dependants, lock)."""

    http_status = 409


class Corrupt(MgitError):
    """Stored data failed a check: a damaged pack, a hash mismatch, a broken delta chain."""

    http_status = 500


class UnsupportedFormat(MgitError):
    """The repository was written by a newer mgit-lab (or is not one at all)."""

    http_status = 400


class NoSpace(MgitError):
    """The disk filled up during a write; nothing was committed."""

    http_status = 507
