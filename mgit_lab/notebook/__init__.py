"""The notebook face: ``%load_ext mgit_lab`` registers the ``%mgit`` / ``%%mgit`` magics.

The magics parse with the CLI's parser and run the CLI's verb handlers
(:mod:`.magics`); results come back as objects with HTML reprs (:mod:`.results`).
Errors are shown as one message in the cell, never as a traceback.
"""

from __future__ import annotations

from typing import Any

from ..core import render_html
from ..core.errors import MgitError
from .magics import MagicSession


def _show_error(exc: MgitError) -> None:
    from IPython.display import display

    class _Error:
        def __repr__(self) -> str:
            return f"mgit: error: {exc}"

        def _repr_html_(self) -> str:
            return render_html.error(exc.message, exc.hint)

    display(_Error())


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%mgit`` (line) and ``%%mgit`` (cell: one verb per line) on ``ipython``.

    ``%mgit?`` shows the CLI's help, generated from its parser when the extension loads.
    """
    session = MagicSession(ipython.user_ns)

    def mgit(line: str, cell: str | None = None) -> Any:
        lines = (
            [line]
            if cell is None
            else [ln for ln in cell.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        )
        result = None
        for i, text in enumerate(lines):
            try:
                result = session.run(text)
            except MgitError as exc:
                _show_error(exc)
                return None
            if cell is not None and i < len(lines) - 1 and result is not None:
                from IPython.display import display

                display(result)
        return result

    mgit.__doc__ = str(session.help_text())
    ipython.register_magic_function(mgit, magic_kind="line_cell", magic_name="mgit")
    mgit.session = session  # type: ignore[attr-defined]  # for tests and power users


def unload_ipython_extension(ipython: Any) -> None:
    """Nothing to release: the magics hold no open files between lines."""
