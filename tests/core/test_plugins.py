"""Registry[T]: run-time, built-in and entry-point plugins, checked against the base class."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from mgit_lab.core import plugins
from mgit_lab.core.codecs.abc import Codec
from mgit_lab.core.codecs.registry import REGISTRY as CODECS
from mgit_lab.core.errors import InvalidInput, NotFound
from mgit_lab.core.merge.base import MergeStrategy
from mgit_lab.core.merge.registry import REGISTRY as STRATEGIES
from mgit_lab.core.plugins import Registry


class Shape:
    name = "base"


class Square(Shape):
    name = "square"


class Circle(Shape):
    name = "circle"


def registry(**kw) -> Registry[Shape]:
    return Registry("shape", Shape, key="name", group="test.shapes", builtins={"square": f"{__name__}:Square"}, **kw)


def test_builtins_first_then_runtime_then_entry_points(monkeypatch):
    reg = registry()
    assert reg.names() == ["square"] and reg.lookup("square") is Square
    reg.register(Circle)
    assert reg.names() == ["square", "circle"] and reg.lookup("circle") is Circle
    reg.unregister("circle")
    assert reg.names() == ["square"]
    eps = [EntryPoint("circle", f"{__name__}:Circle", "test.shapes")]
    monkeypatch.setattr(plugins, "entry_points", lambda group: eps if group == "test.shapes" else [])
    assert reg.names() == ["square", "circle"] and reg.lookup("circle") is Circle


def test_unknown_names_and_wrong_classes_get_one_clear_error(monkeypatch):
    with pytest.raises(InvalidInput, match="unknown shape 'hexagon'") as err:
        registry(unknown=InvalidInput, hint="choose one of: {known}").lookup("hexagon")
    assert err.value.hint == "choose one of: square"
    with pytest.raises(InvalidInput, match="not a Shape subclass"):
        registry().register(int)  # type: ignore[arg-type]
    eps = [EntryPoint("bad", "builtins:int", "test.shapes")]
    monkeypatch.setattr(plugins, "entry_points", lambda group: eps)
    with pytest.raises(NotFound, match="is not a Shape class"):
        registry().lookup("bad")


def test_codecs_and_merge_strategies_share_the_registry():
    assert CODECS.base is Codec and STRATEGIES.base is MergeStrategy
    assert all(issubclass(CODECS.lookup(n), Codec) for n in CODECS.names())
    assert all(issubclass(STRATEGIES.lookup(n), MergeStrategy) for n in STRATEGIES.names())
    with pytest.raises(NotFound, match="unknown codec"):
        CODECS.lookup("no-such-codec")
    with pytest.raises(InvalidInput, match="unknown merge strategy"):
        STRATEGIES.lookup("no-such-strategy")
