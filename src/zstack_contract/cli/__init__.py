"""The ``zstack-contract`` command: one sub-command per module of this package, each with
``add_arguments`` and ``run``.

Exit codes: 0 clean, 1 contract violations (or stale files), 2 unusable input or usage.
Every problem is one line on stderr (:func:`fail`), never a traceback: an error no command
expected is one line too (``internal error``), exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import ContractError, where_raised
from ..facts.oneline import one_line

# sub-command -> (module, help)
COMMANDS = {
    "derive": ("zstack_contract.cli.derive", "derive JSON Schemas from API reference pages"),
    "validate": ("zstack_contract.cli.validate", "validate recorded responses and exchanges against the schemas"),
    "serve": ("zstack_contract.cli.serve", "run the embedded ZStack REST simulator"),
    "openapi": ("zstack_contract.cli.openapi", "write an OpenAPI 3.1 document that references the derived schemas"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv``, only the sub-command it names is loaded (the others
    take their time to import), or all of them when it names none."""
    parser = argparse.ArgumentParser(prog="zstack-contract", description=__doc__.splitlines()[0])
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv or () if a in COMMANDS), None)  # the top level takes no option values
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if chosen in (None, name):
            mod = importlib.import_module(module)
            mod.add_arguments(p)
            p.set_defaults(_run=mod.run)
    return parser


def fail(message: str) -> None:
    """Print one error line to stderr (the CLI's only way of reporting bad input)."""
    print(f"zstack-contract: error: {one_line(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_usage(sys.stderr)
        print("zstack-contract: error: a command is required", file=sys.stderr)
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
