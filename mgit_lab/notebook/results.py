"""What ``%mgit`` returns: the CLI's JSON payloads as Python objects that display richly.

Each verb's payload (the shape ``mgit VERB --json`` prints, from ``core/schema.py``) is
wrapped in a ``dict`` or ``list`` subclass with an HTML repr, so a cell shows a table and
the value stays usable (``result["plan"]["conflicts"]``).  A verb without a presenter
here (e.g. one added to the CLI later) becomes a :class:`VerbOutput`: its text and payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core import render_html


class VerbOutput:
    """The result of a verb shown as the CLI's text; ``payload`` is its JSON result."""

    def __init__(self, verb: str, payload: Any, text: str) -> None:
        self.verb = verb
        self.payload = payload
        self.text = text

    def __repr__(self) -> str:
        return self.text or f"<mgit {self.verb}: done>"

    def _repr_html_(self) -> str:
        return render_html.pre(self.text or f"mgit {self.verb}: done")


class HelpText(str):
    """The CLI's own ``--help`` text, shown as it is."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return render_html.pre(str(self))


class _Payload(dict):
    """A JSON payload (dict) with the CLI's text as its repr; subclasses add the HTML."""

    text = ""

    def __repr__(self) -> str:
        return self.text or dict.__repr__(self)


class LineageTable(_Payload):
    """``%mgit log``: the lineage graph payload (``nodes``, ``edges``, ``revision``)."""

    def _repr_html_(self) -> str:
        return render_html.log_table(self)


class VersionDetail(_Payload):
    """``%mgit show VERSION``: a version in full (parents, storage, metrics, tests)."""

    def _repr_html_(self) -> str:
        html = render_html.version(self["version"] if "version" in self else self, self.get("metrics"))
        tests = list((self.get("tests") or {}).values())
        if tests and all(isinstance(t, dict) and "status" in t for t in tests):
            html += render_html.test_results(tests)
        return html


class StorageTable(_Payload):
    """``%mgit du``: stored vs raw bytes per version."""

    def _repr_html_(self) -> str:
        return render_html.storage(self)


class MergeOutcome(_Payload):
    """``%mgit merge``: the plan, the strategy used, the new version and its test results."""

    def _repr_html_(self) -> str:
        return render_html.merge_result(self)


class BisectOutcome(_Payload):
    """``%mgit bisect``: the first failing version along the path."""

    def _repr_html_(self) -> str:
        return render_html.bisect(self)


class CascadeOutcome(_Payload):
    """``%mgit cascade``: each rebuilt descendant with its metrics before and after."""

    def _repr_html_(self) -> str:
        return render_html.cascade(self)


class TestResults(list):
    """``%mgit test``: one dict per test run (``version_name``, ``test``, ``status``, ``metrics``)."""

    __test__ = False  # not a pytest class
    text = ""

    def __repr__(self) -> str:
        return self.text or list.__repr__(self)

    def _repr_html_(self) -> str:
        return render_html.test_results(self)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self if r["status"] != "passed"]


def _wrap(cls: type) -> Callable[[Any, str], Any]:
    def make(payload: Any, text: str) -> Any:
        obj = cls(payload)
        obj.text = text
        return obj

    return make


#: verb -> how its payload is presented (other verbs: VerbOutput).
PRESENTERS: dict[str, Callable[[Any, str], Any]] = {
    "log": _wrap(LineageTable),
    "show": _wrap(VersionDetail),
    "du": _wrap(StorageTable),
    "test": _wrap(TestResults),
    "bisect": _wrap(BisectOutcome),
    "cascade": _wrap(CascadeOutcome),
}


def present(verb: str, payload: Any, text: str) -> Any:
    """The object ``%mgit VERB`` returns for the CLI's ``payload`` and ``text``."""
    if verb == "merge" and isinstance(payload, dict) and "plan" in payload:
        return _wrap(MergeOutcome)(payload, text)
    make = PRESENTERS.get(verb)
    if make is not None and isinstance(payload, (dict, list)):
        return make(payload, text)
    return VerbOutput(verb, payload, text)
