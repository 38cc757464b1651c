"""Small, importable demo models, recipes and tests (used by examples/ and the test suite)."""
