"""``Repository`` as users know it: the kernel plus every verb as a method.

Each method below *is* the verb function of :mod:`mgit_lab.core.verbs` (its signature and
docstring), bound to the repository: ``repo.add(model, name="ft")`` runs
``verbs.add.add(repo, model, name="ft")``.  Scripts, notebooks and the README use this
class; the faces and the core call the verb functions directly.

Importing this module is cheap (no torch, numpy only for ``gc``/``verify``'s report types):
each verb imports its heavy libraries when it runs.
"""

from __future__ import annotations

from .core import render_html, repository
from .core.verbs import add as _add
from .core.verbs import edit as _edit
from .core.verbs import files as _files
from .core.verbs import load as _load
from .core.verbs import maintenance as _maintenance
from .core.verbs import views as _views

__all__ = ["Repository"]


class Repository(repository.Repository):
    """A model repository; open one with :meth:`open`, create one with :meth:`init`.

    Storing and reading arrays, the graph, ``revision`` and ``transaction()`` come from the
    kernel (:class:`mgit_lab.core.repository.Repository`); the rest are the verbs."""

    # add (parent inference)
    add = _add.add
    infer_parent = _add.infer_parent_of
    # edit the lineage (tensors untouched)
    rename = _edit.rename
    tag = _edit.tag
    untag = _edit.untag
    tags = _edit.tags
    remove = _edit.remove
    annotate = _edit.annotate
    reparent = _edit.reparent
    # read it
    log = _views.log
    show = _views.show
    stats = _views.stats
    graph_payload = _views.graph_payload
    stored_nbytes = _views.stored_nbytes
    # maintenance
    gc = _maintenance.gc
    verify = _maintenance.verify
    live_objects = _maintenance.live_objects
    # get a version back
    checkout = _load.checkout
    load = _load.load
    export = _load.export
    # the files a version was added from, byte for byte
    files = _files.files_of
    checkout_files = _files.checkout_files
    checkout_files_known = _files.checkout_files_known

    # how a notebook cell shows it
    def __repr__(self) -> str:
        return f"<mgit Repository {self.root}: {len(self.graph.names())} versions>"

    def _repr_html_(self) -> str:
        return render_html.repository(str(self.root), self.graph_payload())
