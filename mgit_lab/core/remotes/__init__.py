"""Remotes: share lineages through a folder or object storage, sending only what is missing.

Modules: :mod:`.config` (remotes in the repository's config), :mod:`.transport` (the fsspec
door), :mod:`.packs` (remote packs and the catalogue of their indexes), :mod:`.transfer`
(send / receive-and-verify), :mod:`.lineage_slot` (compare-and-swap of the remote
lineage), :mod:`.union` (combining lineages), :mod:`.push`, :mod:`.fetch` (fetch, pull,
clone), :mod:`.ondemand` (partial clones) and :mod:`.status` (what is local).

This package's ``__init__`` imports nothing, so the kernel can import :mod:`.ondemand`.
"""
