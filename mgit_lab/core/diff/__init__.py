"""Model diff: trace models into layer graphs and compare them (MGit's ``diff``, extended).

Entry points: :func:`trace_model`, :func:`diff_models` (two ``nn.Module``),
:func:`diff_versions` (two stored versions), :func:`diff_refs` (versions or model paths);
the result :class:`ModelDiff` renders as text (:func:`render_text`), self-contained HTML
with inline SVG (:func:`render_html`) or JSON (:meth:`ModelDiff.to_json`).
"""

from .compare import diff_models, diff_refs, diff_versions
from .graph import GraphNode, ModuleGraph, TensorInfo
from .model_diff import ModelDiff
from .render import render_html, render_text
from .trace import trace_model

__all__ = [
    "GraphNode",
    "ModelDiff",
    "ModuleGraph",
    "TensorInfo",
    "diff_models",
    "diff_refs",
    "diff_versions",
    "render_html",
    "render_text",
    "trace_model",
]
