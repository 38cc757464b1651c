"""What a Hugging Face model folder says about its own parent: the model card's
``base_model`` and ``base_model_relation`` (YAML front matter of ``README.md``).

Only these two keys are read, by a line parser (no YAML library, nothing evaluated):
``base_model: org/name`` or a list whose first item is taken, and ``base_model_relation:``
one of ``finetune``, ``adapter``, ``quantized``, ``merge``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .hf_folder import inside

#: the model card's relation words -> mgit relations
CARD_RELATIONS = {"finetune": "finetune", "adapter": "adapter", "quantized": "quantize", "merge": "merge"}
_MAX_CARD = 1024 * 1024


@dataclass
class DeclaredBase:
    """A parent a folder names: ``name`` as written, the relation, and where it was read."""

    name: str
    relation: str | None
    source: str


def _front_matter(text: str) -> list[str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return []
    for i, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            return lines[1:i]
    return []


def _value(raw: str) -> str:
    return raw.strip().strip("'\"").strip()


def declared_base(folder: Path) -> DeclaredBase | None:
    """The base model ``folder``'s model card names, or None."""
    card = folder / "README.md"
    if not card.is_file() or card.stat().st_size > _MAX_CARD:
        return None
    inside(folder, card)
    lines = _front_matter(card.read_text(errors="replace"))
    base: str | None = None
    relation: str | None = None
    for i, line in enumerate(lines):
        if line.startswith("base_model:"):
            value = _value(line.split(":", 1)[1])
            if not value and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("- "):
                value = _value(lines[i + 1].lstrip()[2:])
            base = value or None
        elif line.startswith("base_model_relation:"):
            relation = CARD_RELATIONS.get(_value(line.split(":", 1)[1]).lower())
    if not base:
        return None
    return DeclaredBase(base[:200], relation, "model card")


def candidate_names(declared: DeclaredBase) -> list[str]:
    """Names a repository may know the base by: as written, then without its organisation."""
    names = [declared.name]
    if "/" in declared.name:
        names.append(declared.name.rsplit("/", 1)[1])
    return names
