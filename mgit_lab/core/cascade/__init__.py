"""Update cascades: re-run the creation recipes of derived versions on a new upstream."""

from .run import CascadeReport, derived_versions, recipe_parents, run_cascade

__all__ = ["CascadeReport", "derived_versions", "recipe_parents", "run_cascade"]
