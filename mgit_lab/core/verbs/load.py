"""Getting a stored version back out: as tensors, as an ``nn.Module``, or as files.

torch (and transformers, for Hugging Face folders) load here, when one of these runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from ..progress import Progress
from ..repository import Repository

if TYPE_CHECKING:
    import torch

    from ..io.formats import Format


def checkout(repo: Repository, key: str) -> dict[str, torch.Tensor]:
    """The state dict of a version: ``{name: tensor}``, bit-exact, in the stored dtypes."""
    from ..io.modules import tensors_of

    return tensors_of(repo.checkout_arrays(key))


def load(repo: Repository, key: str) -> torch.nn.Module:
    """Rebuild the ``nn.Module`` of a version (Hugging Face config or importable class).

    An ``adapter`` version added from a PEFT folder comes back as its base wrapped with the
    adapter: a ``peft.PeftModel`` (not merged; ``merge_and_unload()`` gives a plain model).

    Raises
    ------
    InvalidInput
        When the version records no architecture or its tensors do not fit it.
    """
    from ..io.modules import load_module

    version = repo.version(key)
    if (version.architecture or {}).get("kind") == "peft":  # base + adapter: a PeftModel
        from ..io.adapters import wrap
        from ..io.modules import tensors_of

        parents = repo.graph.parents(version.id)
        if not parents:
            raise InvalidInput(f"the adapter {version.name!r} has no base version", hint="reparent it onto its base")
        return wrap(load(repo, parents[0][0].id), tensors_of(repo.checkout_arrays(key)), version.architecture or {})
    return load_module(repo.checkout_arrays(key), version.architecture, name=repr(version.name))


def export(
    repo: Repository,
    key: str,
    path: str | Path,
    format: Format | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write a version to ``path``: ``safetensors`` / ``pt`` file or ``hf`` folder (guessed
    from the suffix when ``format`` is None).  Returns the path written."""
    from ..io.formats import guess_format
    from ..io.targets import check_target

    version = repo.version(key)
    fmt = format or guess_format(path)
    if fmt not in ("hf", "safetensors", "pt"):
        raise InvalidInput(f"unknown export format {fmt!r}", hint="use safetensors, pt or hf")
    check_target(Path(path), overwrite=overwrite, repo_root=repo.root, folder=fmt == "hf")  # before any work
    from ..io.export import write_hf_folder, write_state  # torch

    state = repo.checkout_arrays(key, progress)
    if fmt == "hf":
        from .files import hf_extras

        extra, _notes = hf_extras(repo, key)  # the tokenizer and other files it was added with
        write_hf_folder(
            state,
            version.architecture,
            path,
            name=repr(version.name),
            overwrite=overwrite,
            repo_root=repo.root,
            extra=extra,
        )
    else:
        write_state(state, path, fmt, metadata={"mgit_version": version.name}, overwrite=overwrite, repo_root=repo.root)
    return Path(path)
