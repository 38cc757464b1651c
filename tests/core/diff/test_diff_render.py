"""Renderings of one ModelDiff: terminal text, self-contained HTML/SVG, JSON in schema shape."""

from __future__ import annotations

import json
import re
import typing
from xml.etree import ElementTree

import pytest

from mgit_lab.core import schema
from mgit_lab.core.diff import diff_models, render_html, render_text
from mgit_lab.core.diff.render_html import render_svg
from tests.support.diff_models import finetune, tiny_bert

RED, GREEN = "\033[31m", "\033[32m"


@pytest.fixture(scope="module")
def grown():
    """Model 2 has a third layer and a changed query."""
    small = tiny_bert()
    big = tiny_bert(num_hidden_layers=3)
    with_small_weights = finetune(big, [])
    with_small_weights.load_state_dict(small.state_dict(), strict=False)
    changed = finetune(with_small_weights, ["encoder.layer.0.attention.self.query"])
    return diff_models(small, changed)


def test_text_colours_follow_mgit(grown):
    text = render_text(grown)
    lines = text.splitlines()
    removed = [ln for ln in lines if ln.startswith(RED + "- ")]
    added = [ln for ln in lines if ln.startswith(GREEN + "+ ")]
    assert any("encoder.layer.0.attention.self.query" in ln for ln in removed)
    assert any("encoder.layer.2.attention.self.query" in ln for ln in added)
    assert not any("encoder.layer.2." in ln for ln in removed)
    unchanged = [ln for ln in lines if ln.startswith("  encoder.")]
    assert unchanged and not any("\033[" in ln for ln in unchanged)
    assert "weight values" in text


def test_plain_text_has_no_escape_codes_and_full_context_shows_every_layer(grown):
    plain = render_text(grown, color=False, context=-1)
    assert "\033[" not in plain
    for node in grown.nodes:
        assert node.id in plain
    assert "unchanged" not in plain
    short = render_text(grown, color=False, context=0)
    assert "... " in short and len(short) < len(plain)


def test_identical_models_say_so():
    text = render_text(diff_models(tiny_bert(), tiny_bert()), color=False)
    assert "no differences" in text
    assert "- " not in text and "+ " not in text


def test_html_is_self_contained_with_an_svg_of_the_union_graph(grown):
    page = render_html(grown)
    assert page.startswith("<!doctype html>")
    assert "<script" not in page and "src=" not in page and "href=" not in page
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    svg = render_svg(grown)
    root = ElementTree.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//s:g[@data-id]", ns)
    assert [g.get("data-id") for g in groups] == [n.id for n in grown.nodes]
    classes = {g.get("data-id"): g.get("class") for g in groups}
    assert classes["encoder.layer.0.attention.self.query"] == "node changed"
    assert classes["encoder.layer.2.attention.self.query"] == "node added"
    assert classes["embeddings.LayerNorm"] == "node same"
    paths = root.findall(".//s:path[@class]", ns)
    assert len([p for p in paths if p.get("class", "").startswith("e ")]) == len(grown.edges)
    assert any(p.get("class") == "e added" for p in paths)


def test_html_escapes_names():
    import torch

    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.add_module("a<b>&c", torch.nn.Linear(2, 2))

        def forward(self, x):
            return getattr(self, "a<b>&c")(x)

    page = render_html(diff_models(Odd(), Odd()))
    assert "a<b>&c" not in page and "a&lt;b&gt;&amp;c" in page


def _check_shape(value, hint, path="$"):
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return
    if typing.is_typeddict(hint):
        assert isinstance(value, dict), path
        hints = typing.get_type_hints(hint)
        assert set(value) == set(hints), f"{path}: keys {sorted(value)} != {sorted(hints)}"
        for k, h in hints.items():
            _check_shape(value[k], h, f"{path}.{k}")
    elif origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        errors = []
        for option in typing.get_args(hint):
            try:
                _check_shape(value, option, path)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{path}: {value!r} fits none of {hint}: {errors}")
    elif origin is typing.Literal:
        assert value in typing.get_args(hint), f"{path}: {value!r} not in {hint}"
    elif origin is list:
        assert isinstance(value, list), path
        for i, v in enumerate(value):
            _check_shape(v, typing.get_args(hint)[0], f"{path}[{i}]")
    elif origin is dict:
        assert isinstance(value, dict), path
        for k, v in value.items():
            _check_shape(v, typing.get_args(hint)[1], f"{path}.{k}")
    elif hint is type(None):
        assert value is None, path
    elif hint is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), path
    else:
        assert isinstance(value, hint), f"{path}: {value!r} is not {hint}"


def test_json_has_exactly_the_schema_shape(grown):
    doc = grown.to_json()
    _check_shape(json.loads(json.dumps(doc)), schema.ModelDiffJSON)
    assert doc["summary"]["added_nodes"][-1].startswith("encoder.layer.2.")
    assert doc["summary"]["removed_nodes"] == ["encoder.layer.0.attention.self.query"]
    params_only = diff_models(tiny_bert(), tiny_bert())
    _check_shape(params_only.to_json(), schema.ModelDiffJSON)
