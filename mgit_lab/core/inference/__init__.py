"""Parent inference: which stored version a new model most likely came from, and why."""

from .infer import DEFAULT_MAX_DISTANCE, Compatibility, compatibility, infer_parent
from .sketch_index import SketchIndex

__all__ = ["DEFAULT_MAX_DISTANCE", "Compatibility", "SketchIndex", "compatibility", "infer_parent"]
