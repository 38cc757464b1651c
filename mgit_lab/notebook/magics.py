"""``%mgit`` / ``%%mgit``: the ``mgit`` command line inside a notebook.

A line is parsed by the CLI's own parser (:func:`mgit_lab.cli.build_parser`), so every
verb, flag and help text is the CLI's, including verbs added to the CLI later.  Verbs run
through the CLI's own handlers with their results captured (:func:`mgit_lab.cli.capture_results`)
and come back as Python objects that display richly (:mod:`.results`).  Differences from
the shell:

- a model argument (``add MODEL``, ``diff A B``) may name a notebook variable holding an
  ``nn.Module`` (a Hugging Face model too) or a state dict;
- ``checkout VERSION`` without ``-o`` returns the loaded model (``m = %mgit checkout ft``);
- ``diff`` returns the :class:`~mgit_lab.core.diff.ModelDiff` (coloured graph, sortable table);
- ``add`` returns the new :class:`ModelVersion`;
- ``show`` without a version shows the live :class:`~mgit_lab.widget.LineageWidget`;
- ``help [VERB]`` shows the CLI's help; ``-C PATH`` and ``init PATH`` set the repository
  later lines use (like ``cd``); ``{expr}`` and ``$name`` expand as in any IPython magic.

Errors (the core's message and hint, or argparse's usage line) are shown as one message
in the cell, never as a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import keyword
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from ..api import Repository
from ..cli import build_parser, capture_results
from ..core.errors import InvalidInput, MgitError, NotFound
from ..core.repository import find_repository_root
from .results import HelpText, VerbOutput, present

#: arguments that name a model, per verb: these may be notebook variables.
MODEL_ARGUMENTS: dict[str, tuple[str, ...]] = {"add": ("model",), "diff": ("a", "b")}

#: the repository-path option of the CLI (``-C PATH``).
REPO_OPTION = "-C"


class UsageError(MgitError):
    """A line the CLI's parser refused (argparse's own message)."""


class MagicSession:
    """The state behind ``%mgit`` in one IPython shell: the current repository path and
    the user namespace model variables are looked up in."""

    def __init__(self, user_ns: Mapping[str, Any] | None = None) -> None:
        self.user_ns: Mapping[str, Any] = user_ns if user_ns is not None else {}
        #: repository path used when a line has no ``-C`` (None: the working directory)
        self.repo_path: str | None = None
        self._parser: argparse.ArgumentParser | None = None

    # ------------------------------------------------------------ parsing
    @property
    def parser(self) -> argparse.ArgumentParser:
        if self._parser is None:
            self._parser = build_parser()
        return self._parser

    def help_text(self, verb: str | None = None) -> HelpText:
        """The CLI's help (``mgit --help`` or ``mgit VERB --help``)."""
        parser = build_parser()
        if verb is None:
            return HelpText(_notebook_usage() + parser.format_help())
        out = io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(io.StringIO()):
                parser.parse_args([verb, "--help"])
        except SystemExit:
            pass
        if not out.getvalue():
            raise UsageError(f"no verb {verb!r}", hint="`%mgit help` lists the verbs")
        return HelpText(out.getvalue())

    def _verb_index(self, argv: Sequence[str]) -> int:
        """Position of the verb in ``argv`` (after global options such as ``-C PATH``)."""
        takes_value = {
            opt
            for action in self.parser._actions
            if action.option_strings and action.nargs != 0
            for opt in action.option_strings
        }
        i = 0
        while i < len(argv) and argv[i].startswith("-"):
            i += 2 if argv[i] in takes_value else 1
        return i

    def parse(self, argv: list[str]) -> argparse.Namespace:
        """``argv`` parsed by the CLI's parser; ``--help`` raises :class:`HelpRequested`."""
        out, err = io.StringIO(), io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                return self.parser.parse_args(argv)
        except SystemExit as exc:
            if not exc.code:
                raise HelpRequested(out.getvalue()) from None
            lines = [line for line in err.getvalue().strip().splitlines() if line.strip()]
            message = lines[-1] if lines else "invalid arguments"
            verb = argv[self._verb_index(argv)] if self._verb_index(argv) < len(argv) else None
            message = message.split("error: ", 1)[-1]
            hint = f"see `%mgit help {verb}`" if verb and verb in self.verbs() else "see `%mgit help`"
            raise UsageError(message, hint=hint) from None

    def verbs(self) -> list[str]:
        for action in self.parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return list(action.choices)
        return []

    # ------------------------------------------------------------ running
    def run(self, line: str) -> Any:
        """Run one ``%mgit`` line; returns its result object.

        Raises
        ------
        MgitError
            For anything the user can fix (the magic shows it as one message).
        """
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"cannot split the line: {exc}", hint="check the quotes") from None
        v = self._verb_index(argv)
        verb = argv[v] if v < len(argv) else None
        if verb in (None, "help"):
            rest = argv[v + 1 :] if verb else []
            return self.help_text(rest[0] if rest else None)
        explicit = REPO_OPTION in argv[:v]
        if not explicit and verb != "init":  # init PATH is relative to the working directory
            argv = [REPO_OPTION, self.repo_path or ".", *argv]
            v += 2
        rest = argv[v + 1 :]
        if verb == "show" and not [a for a in rest if not a.startswith("-")]:
            return self.widget(self._repo_path(argv))
        to_memory = verb == "checkout" and not any(a.startswith(("-o", "--output")) for a in rest)
        if to_memory:
            argv = [*argv, "-o", "(notebook)"]
        try:
            args = self.parse(argv)
        except HelpRequested as help_:
            return HelpText(str(help_))
        if to_memory:
            return self.load(args.repo_path, args.version)
        if verb in MODEL_ARGUMENTS:
            self._resolve_models(args)
        if verb == "diff":
            return self.diff(args)
        result = self._run_cli(args)
        if verb == "init" and isinstance(result, VerbOutput):
            self.repo_path = result.payload["root"]
        elif explicit:
            self._remember(self._repo_path(argv))
        return result

    def _repo_path(self, argv: Sequence[str]) -> str:
        return argv[argv.index(REPO_OPTION) + 1] if REPO_OPTION in argv else (self.repo_path or ".")

    def _remember(self, path: str) -> None:
        try:
            self.repo_path = str(find_repository_root(path))
        except NotFound:
            pass

    def open_repository(self, path: str | None = None) -> Repository:
        """The repository at ``path`` (default: the session's), with a notebook hint when missing."""
        where = path or self.repo_path or "."
        try:
            return Repository.open(where)
        except NotFound as exc:
            raise NotFound(
                exc.message,
                hint="create one with `%mgit init PATH` (later lines then use it), "
                "or point at one with `%mgit -C PATH VERB ...`",
            ) from None

    def _run_cli(self, args: argparse.Namespace) -> Any:
        """Run the CLI's own handler for ``args`` and present what it emitted."""
        out = io.StringIO()
        try:
            with capture_results() as emitted, redirect_stdout(out):
                code = args.func(args)
        except NotFound:
            self.open_repository(args.repo_path)  # no repository: say how to make one
            raise
        if args.verb == "add" and emitted:
            version = self.open_repository(args.repo_path).version(emitted[-1][0]["version"]["id"])
            print(emitted[-1][1])
            return version
        if not emitted:
            return VerbOutput(args.verb, None, out.getvalue().rstrip() or f"mgit {args.verb}: exit code {code}")
        payload, text = emitted[-1]
        printed = out.getvalue().rstrip()
        return present(args.verb, payload, f"{printed}\n{text}" if printed else text)

    # ------------------------------------------------------------ notebook-only behaviour
    def _resolve_models(self, args: argparse.Namespace) -> None:
        """Replace model arguments that name notebook variables by their values."""
        for dest in MODEL_ARGUMENTS[args.verb]:
            name = getattr(args, dest, None)
            if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
                continue
            if name not in self.user_ns:
                if args.verb == "add" and not Path(name).exists():
                    raise NotFound(
                        f"{name!r} is neither a notebook variable nor a model file",
                        hint="assign the model to a variable first (model = ...), or give a path",
                    )
                continue
            value = self.user_ns[name]
            if not _is_model(value):
                raise InvalidInput(
                    f"the variable {name!r} holds a {type(value).__name__}, not a model",
                    hint="pass an nn.Module, a Hugging Face model or a state dict (or a path in quotes)",
                )
            setattr(args, dest, value)
            if args.verb == "add" and not args.name:
                args.name = name
            setattr(args, f"_{dest}_label", name)

    def diff(self, args: argparse.Namespace) -> Any:
        """``%mgit diff A B``: the :class:`ModelDiff` of two versions, paths or variables."""
        from ..core.diff import diff_refs
        from ..core.diff.render_html import render_html, render_svg
        from ..core.io.export import write_state
        from ..core.io.sources import load_source

        repo: Repository | None
        try:
            repo = Repository.open(args.repo_path)
        except NotFound:
            repo = None
        with tempfile.TemporaryDirectory(prefix="mgit-diff-") as tmp:
            refs = []
            for dest in ("a", "b"):
                value = getattr(args, dest)
                if isinstance(value, str):
                    refs.append(value)
                    continue
                loaded = load_source(value)
                path = Path(tmp) / f"{dest}.safetensors"
                meta = {"mgit.architecture": json.dumps(loaded.architecture)} if loaded.architecture else None
                write_state(loaded.state, path, "safetensors", metadata=meta)
                refs.append(str(path))
            diff = diff_refs(
                refs[0],
                refs[1],
                repo=repo,
                structural=args.structural,
                lcs=args.lcs,
                collapse=args.collapse,
                stats=not args.no_stats,
                params_only=args.params_only,
            )
        diff.a.label = getattr(args, "_a_label", diff.a.label)
        diff.b.label = getattr(args, "_b_label", diff.b.label)
        if args.output:
            out = Path(args.output)
            suffix = out.suffix.lower()
            if suffix == ".json":
                content = json.dumps(diff.to_json(), indent=2)
            else:
                content = render_svg(diff) if suffix == ".svg" else render_html(diff)
            out.write_text(content, encoding="utf-8")
        return diff

    def load(self, repo_path: str, version: str) -> Any:
        """``checkout VERSION`` without ``-o``: the version's ``nn.Module`` (its state dict
        when it records no architecture)."""
        repo = self.open_repository(repo_path)
        if repo.version(version).architecture:
            return repo.load(version)
        return repo.checkout(version)

    def widget(self, repo_path: str) -> Any:
        """``show`` without a version: the live lineage widget of the repository."""
        from ..widget import LineageWidget

        return LineageWidget(self.open_repository(repo_path))


class HelpRequested(Exception):
    """``--help`` was in the line: carries the CLI's help text."""


def _is_model(value: Any) -> bool:
    import torch

    if isinstance(value, torch.nn.Module):
        return True
    return isinstance(value, Mapping) and bool(value) and all(isinstance(v, torch.Tensor) for v in value.values())


def _notebook_usage() -> str:
    return (
        "%mgit VERB [ARGS]: the mgit command line in a notebook (the CLI's help follows).\n"
        "  a model argument may be a notebook variable:   %mgit add model --name ft --parent base\n"
        "  m = %mgit checkout VERSION returns the model;  %mgit show draws the live lineage\n"
        "  %mgit help VERB shows a verb's help;           %mgit init PATH / -C PATH set the repository\n\n"
    )
