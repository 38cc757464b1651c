"""``Registry[T]``: plugins looked up by name, shared by codecs and merge strategies.

A registry holds three sources, looked up in this order:

1. classes registered at run time with :meth:`Registry.register` (a class decorator);
2. the built-ins, a table of ``name -> "package.module:Class"`` strings kept beside the
   plugins (one line each, resolved on first use);
3. the ``importlib.metadata`` entry points of the registry's group
   (``name = "package.module:Class"``), so a third-party package adds a plugin by
   declaring one in its ``pyproject.toml``.

Every class found is checked to be a subclass of the registry's base class.  Nothing is
imported or registered when a registry is made: building one has no side effects.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

from .errors import InvalidInput, MgitError, NotFound

P = TypeVar("P")


def entry_points(group: str) -> Any:
    """``importlib.metadata.entry_points(group=group)``, imported on first call (~10 ms that
    a lookup of a built-in name, such as every codec ``mgit add`` uses, never pays)."""
    from importlib import metadata

    return metadata.entry_points(group=group)


class Registry(Generic[P]):
    """Plugins of base class ``base`` by name.

    Parameters
    ----------
    what
        What a plugin is called in messages (``"codec"``, ``"merge strategy"``).
    base
        The class every plugin must subclass.
    key
        The class attribute holding a plugin's name (``"id"``, ``"name"``).
    group
        The entry-point group third-party plugins are declared in.
    builtins
        ``name -> "package.module:Class"``, in menu order.
    unknown
        The error raised for a name no source knows (a subclass of :class:`MgitError`),
        and ``hint``, its hint (``{known}`` becomes the list of known names).
    """

    def __init__(
        self,
        what: str,
        base: type,  # abstract base classes welcome: only issubclass() is asked of it
        *,
        key: str,
        group: str,
        builtins: Mapping[str, str],
        unknown: type[MgitError] = NotFound,
        hint: str = "known: {known}",
    ) -> None:
        self.what = what
        self.base = base
        self.key = key
        self.group = group
        self.builtins = dict(builtins)
        self._unknown = unknown
        self._hint = hint
        self._runtime: dict[str, type[P]] = {}
        self._resolved: dict[str, type[P]] = {}

    def register(self, cls: type[P]) -> type[P]:
        """Register ``cls`` under its name (usable as a class decorator).

        Raises
        ------
        InvalidInput
            When ``cls`` is not a subclass of the registry's base class.
        """
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise InvalidInput(f"{cls!r} is not a {self.base.__name__} subclass", hint=f"subclass {self.base.__name__}")
        name = str(getattr(cls, self.key))
        self._runtime[name] = cls
        self._resolved.pop(name, None)
        return cls

    def unregister(self, name: str) -> None:
        """Forget a plugin registered with :meth:`register` (built-ins stay)."""
        self._runtime.pop(name, None)
        self._resolved.pop(name, None)

    def entry_points(self) -> dict[str, str]:
        """``name -> "module:Class"`` declared by installed packages in the group."""
        return {ep.name: ep.value for ep in entry_points(group=self.group)}

    def names(self) -> list[str]:
        """Every name that can be looked up: built-ins in menu order, then the others sorted."""
        extra = sorted((set(self._runtime) | set(self.entry_points())) - set(self.builtins))
        return [*self.builtins, *extra]

    def lookup(self, name: str) -> type[P]:
        """The plugin class called ``name``.

        Raises
        ------
        MgitError
            The registry's ``unknown`` error when no source has that name; ``NotFound``
            when a declared path does not name a subclass of the base class.
        """
        cls = self._resolved.get(name)
        if cls is not None:
            return cls
        if name in self._runtime:
            cls = self._runtime[name]
        elif name in self.builtins:
            cls = self._load(self.builtins[name])
        else:
            table = self.entry_points()
            if name not in table:
                raise self._unknown(
                    f"unknown {self.what} {name!r}", hint=self._hint.format(known=", ".join(self.names()))
                )
            cls = self._load(table[name])
        self._resolved[name] = cls
        return cls

    def _load(self, path: str) -> type[P]:
        module, _, attr = path.partition(":")
        cls: Any = getattr(importlib.import_module(module), attr, None)
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise NotFound(
                f"{self.what} entry {path!r} is not a {self.base.__name__} class",
                hint="fix or uninstall the package that declares it",
            )
        return cast("type[P]", cls)
