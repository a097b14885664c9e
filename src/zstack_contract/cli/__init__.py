"""The ``zstack-contract`` command: one sub-command per module of this package, each with
``add_arguments`` and ``run``, and ``SETTINGS`` when it takes defaults from the project's
``[tool.zstack-contract]`` (:mod:`zstack_contract.settings`, read once, from the working
directory's pyproject.toml): option dest -> table key, filled in where the command line left the
option unset (None); the command finds the whole table in ``args.settings``.

Exit codes: 0 clean, 1 contract violations (or stale files), 2 unusable input, usage or target;
a run's verdict decides them (:mod:`zstack_contract.findings.verdict`, docs/exit-codes.md). Every problem is one line on stderr (:func:`fail`), never a traceback: an error no command
expected is one line too (``internal error``), exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator

from ..errors import ContractError, InputError, where_raised
from ..facts.oneline import one_line
from ..facts.words import unknown_option

DESCRIPTION = """\
Executable contracts for the ZStack cloud REST API: derive JSON Schemas from the API reference
pages, hold recorded answers of a management node to them, and run a simulated node to test
against. The live suite is a pytest suite: pytest contract_tests [--zstack-url URL]."""
EPILOG = """\
exit codes: 0 clean; 1 contract violations (or stale schemas with derive --check);
2 unusable input, usage or target (one line on stderr each; the other inputs are still
checked). New violations come first. Every command's: docs/exit-codes.md.
A command's options: zstack-contract COMMAND --help."""

# sub-command -> (module, help)
COMMANDS = {
    "derive": ("zstack_contract.cli.derive", "derive JSON Schemas from API reference pages or ZStack's doc sources"),
    "contracts": ("zstack_contract.cli.contracts", "list the contracts shipped for each ZStack release, or export one as schema files"),
    "diff": ("zstack_contract.cli.diff", "what changed in the API between two contracts: releases, or folders of schemas, pages or doc sources"),
    "validate": ("zstack_contract.cli.validate", "validate recorded responses and exchanges against the schemas"),
    "serve": ("zstack_contract.cli.serve", "run the embedded ZStack REST simulator"),
    "openapi": ("zstack_contract.cli.openapi", "write an OpenAPI 3.1 document that references the derived schemas"),
    "graph": ("zstack_contract.cli.graph", "print the resource graph of a contract: per resource type, the APIs that create, list, read, change and delete it"),
    "proxy": ("zstack_contract.cli.proxy", "a validation proxy: forward clients' traffic to a node and check it as it passes"),
    "test": ("zstack_contract.cli.test", "run the contract suite as installed (pytest contract_tests of a checkout)"),
}


class Parser(argparse.ArgumentParser):
    """argparse that takes no abbreviation of an option (``--stric`` would change its meaning when
    an option ``--strict-x`` came), and names the option meant for one it does not know:
    ``unknown option --ulr; did you mean --url?``, on the usage of the command it was given to."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "_parser", self)  # the sub-command's own parser, whose options were meant
            command.error(unknown_option(extras, [o for action in command._actions for o in action.option_strings]))
        return parsed


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv``, only the sub-command it names is loaded (the others
    take their time to import), or all of them when it names none."""
    parser = Parser(prog="zstack-contract", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from .. import __version__

    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv or () if a in COMMANDS), None)  # the top level takes no option values
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(_parser=p)
        if chosen in (None, name):
            mod = importlib.import_module(module)
            mod.add_arguments(p)
            p.set_defaults(_run=mod.run, _settings=getattr(mod, "SETTINGS", None))
    return parser


def apply_settings(args: argparse.Namespace, keys: dict[str, str]) -> None:
    """Read the project's settings into ``args.settings`` and fill each option of ``keys`` (dest ->
    table key) the command line left unset; InputError when the table cannot be used."""
    from ..settings import read_settings

    args.settings = read_settings(Path.cwd())
    for dest, key in keys.items():
        if getattr(args, dest) is None:
            setattr(args, dest, args.settings.get(key))


@contextlib.contextmanager
def stop_on_signal() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (the handlers as they were after
    it): what a command that serves until stopped waits on."""
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, frame: stop.set())
    try:
        yield stop
    except KeyboardInterrupt:  # a SIGINT that came before the handler was in place
        stop.set()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fail(message: str) -> None:
    """Print one error line to stderr (the CLI's only way of reporting bad input)."""
    print(f"zstack-contract: error: {one_line(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    if argv[:1] == ["test"] and not set(argv[1:2]) & {"-h", "--help"}:  # the rest is pytest's, options included
        args = parser.parse_args(["test"])
        args.pytest_args = argv[1:]
    else:
        args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_usage(sys.stderr)
        print("zstack-contract: error: a command is required", file=sys.stderr)
        return 2
    if args._settings is not None:
        try:
            apply_settings(args, args._settings)
        except InputError as exc:
            fail(str(exc))
            return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except ContractError as exc:  # an output that could not be written, say
        fail(str(exc))
        return 2
    except Exception as exc:  # noqa: BLE001  (a fault of ours: one line, not a traceback)
        fail(f"internal error: {type(exc).__name__}{where_raised(exc)}; please report it")
        return 2
