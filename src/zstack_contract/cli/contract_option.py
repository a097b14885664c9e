"""The contract a command holds traffic to: ``--schemas DIR`` (a folder of schema files) or
``--release NAME`` (a contract the package ships), one or the other; else the environment's
``ZSTACK_SCHEMAS`` or ``ZSTACK_RELEASE`` (as the pytest suite reads them); else ``schemas`` or
``release`` of the project's ``[tool.zstack-contract]``; else the newest release shipped
(``zstack-contract contracts`` lists them). A command that uses these options takes the
settings (``SETTINGS`` of its module, :mod:`zstack_contract.cli`)."""

from __future__ import annotations

import argparse
import os

from ..settings import env_var

DEFAULT = ("default: $ZSTACK_SCHEMAS or $ZSTACK_RELEASE, else [tool.zstack-contract] of pyproject.toml, "
           "else the newest release shipped, see `zstack-contract contracts`")
ENVIRONMENT = (env_var("schemas"), env_var("release"))


def add_contract_options(p: argparse.ArgumentParser, schemas_help: str = "a folder of derived schema files", release_help: str = "") -> None:
    p.add_argument("--schemas", metavar="DIR", help=f"{schemas_help} ({DEFAULT})")
    p.add_argument("--release", metavar="NAME", help=f"the contract shipped for a ZStack release, e.g. 5.3.0{', ' + release_help if release_help else ''} ({DEFAULT})")


def chosen(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(schemas folder, release) as the command line, else the environment, else the project's
    settings (``args.settings``) give them; InputError when one place gives both."""
    from ..contract.loading import choose

    settings = args.settings
    return choose([(args.schemas, args.release, "--schemas DIR or --release NAME"),
                   (*(os.environ.get(v) for v in ENVIRONMENT), " or ".join(ENVIRONMENT)),
                   (settings.schemas, settings.release, f"schemas or release in [tool.zstack-contract] of {settings.source}")])


def load_chosen(args: argparse.Namespace, unusable: list | None = None, node: str | None = None):
    """The ContractSet the options (or the environment) choose; InputError (one line) when they
    cannot be used. Given ``unusable``, a schema file that cannot be used is added there, and
    the folder's other APIs load (see :func:`~zstack_contract.contract.loading.load_contracts`).
    ``node``: the base URL of the node the command talks to, whose version ``--release auto``
    asks (:mod:`zstack_contract.live.node_release`); without one, ``auto`` is refused."""
    from ..contract.loading import load_contracts
    from ..contract.releases import AUTO

    schemas, release = chosen(args)
    if release == AUTO and node is not None:
        from ..live.node_release import contracts_for_node

        return contracts_for_node(node.rstrip("/"))
    return load_contracts(schemas, release, unusable=unusable)
