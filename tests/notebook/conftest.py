"""An IPython shell with ``%load_ext mgit_lab`` and a helper that runs a magic and
collects what the cell would show (rich outputs, stdout, the returned value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Cell:
    """What one ``%mgit`` line gave: its value, its displayed outputs and its stdout."""

    value: Any
    outputs: list[dict[str, Any]] = field(default_factory=list)
    stdout: str = ""

    @property
    def html(self) -> str:
        return "".join(o.get("text/html", "") for o in self.outputs)

    @property
    def text(self) -> str:
        return "".join(o.get("text/plain", "") for o in self.outputs)


@pytest.fixture(scope="session")
def shell():
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.display_formatter.formatters["text/html"].enabled = True  # as in a notebook kernel
    ip.display_formatter.active_types = ["text/plain", "text/html"]
    ip.run_line_magic("load_ext", "mgit_lab")
    return ip


@pytest.fixture
def ip(shell, tmp_path: Path, monkeypatch):
    """The shell, working in ``tmp_path`` with an empty namespace and a fresh %mgit session."""
    monkeypatch.chdir(tmp_path)
    shell.user_ns.clear()
    shell.find_line_magic("mgit").session.repo_path = None
    yield shell
    shell.user_ns.clear()


@pytest.fixture
def mgit(ip):
    """``mgit("log")`` runs ``%mgit log`` and returns a :class:`Cell`."""
    from IPython.utils.capture import capture_output

    def run(line: str, cell: str | None = None) -> Cell:
        with capture_output() as cap:
            if cell is None:
                value = ip.run_line_magic("mgit", line)
            else:
                value = ip.run_cell_magic("mgit", line, cell)
        return Cell(value, [o.data for o in cap.outputs], cap.stdout)

    return run


@pytest.fixture
def two_task_models(ip):
    """``base``, ``ft_a``, ``ft_b`` (TwoTaskNet, seconds to make) in the notebook namespace."""
    from mgit_lab.examples.two_tasks import finetune, make_base

    base = make_base(steps=5)
    ip.user_ns.update(base=base, ft_a=finetune(base, "a", steps=15), ft_b=finetune(base, "b", steps=15, seed=1))
    return ip.user_ns
