"""The plugin's options: each on the command line, from its environment variable, a pytest ini key,
or the project's ``[tool.zstack-contract]`` (:mod:`zstack_contract.settings`, which names every key
and variable)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..settings import SECRET_KEYS, Settings, env_var

PREFIX = "--zstack-"
# option name -> kwargs for addoption; its variable is settings.env_var of its key (``ZSTACK_URL``)
OPTIONS: dict[str, dict] = {
    "--zstack-recordings": dict(metavar="DIR", help="recordings to validate (default: contract_tests/recordings)"),
    "--zstack-schemas": dict(metavar="DIR", help="a folder of derived schema files (default: the newest contract shipped)"),
    "--zstack-release": dict(metavar="NAME", help="the contract shipped for a ZStack release, e.g. 5.3.0, or auto: the one at or below the version the node of --zstack-url says it runs (default: the newest; zstack-contract contracts lists them)"),
    "--zstack-strict": dict(action="store_true", help="undocumented fields are violations"),
    "--zstack-baseline": dict(metavar="FILE", help="known deviations that do not fail the run"),
    "--zstack-report": dict(metavar="DIR", help="folder for zstack-contract.json, .md and .html (default: reports)"),
    "--zstack-url": dict(metavar="URL", help="management node base URL with its context path, e.g. http://mn:8080/zstack (default: start the embedded simulator on a free loopback port)"),
    "--zstack-replay": dict(metavar="DIR", help="run the live tests against the exchanges recorded under DIR (--zstack-record's, or HAR captures), served through responses: no server, no socket"),
    "--zstack-session": dict(metavar="UUID", help="an existing session to use instead of logging in"),
    "--zstack-account": dict(metavar="NAME", help="account to log in with (logged out at the end)"),
    "--zstack-password": dict(metavar="PASSWORD", help="the account's password (sent as its SHA-512 hash)"),
    "--zstack-vm": dict(metavar="UUID", help="the VM the destructive tests may reimage"),
    "--zstack-allow-destructive": dict(action="store_true", help="let tests change state on a live node: the reimage, the positive cases and the scenarios (these only on resources the run made)"),
    "--zstack-timeout": dict(metavar="SECONDS", help="give up on a job, and on any one request (but not before 1 s), after this long (default: 300 for a job, 30 for a request, 5 for a job of a simulator; a job's apiTimeout if shorter)"),
    "--zstack-record": dict(metavar="DIR", help="write every live exchange as a redacted exchange record"),
    "--zstack-max-requests": dict(metavar="N", help="send at most N requests to the target (default: 1000 to a live node, no cap to a simulator)"),
    "--zstack-rate": dict(metavar="R", help="send at most R requests per second (default: 10 to a live node, no cap to a simulator)"),
    "--zstack-max-time": dict(metavar="SECONDS", help="end the run's talk with the target after this long: later live tests fail saying so, the reports are written"),
    "--zstack-api": dict(metavar="GLOB", action="append", help="generated tests only for the APIs matching GLOB (repeatable; the variable takes a comma-separated list)"),
    "--zstack-case": dict(metavar="NAME", action="append", help="generated tests only of case NAME (repeatable; the variable takes a comma-separated list)"),
    "--zstack-scenario-examples": dict(metavar="N", help="sequences each stateful scenario tries (default: 5)"),
    "--zstack-scenario-steps": dict(metavar="N", help="steps of each sequence of a stateful scenario, at most (default: 8)"),
}


# Where the settings are read from: not a setting itself.
PROJECT = ("--zstack-project", dict(metavar="DIR", help="the project whose pyproject.toml (in DIR or a folder above it) holds "
                                    "[tool.zstack-contract] (default: pytest's rootdir; zstack-contract test: the working directory)"))


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("zstack-contract", "zstack-contract: contract tests of a ZStack REST API")
    group.addoption(PROJECT[0], dest=_dest(PROJECT[0]), default=None, **PROJECT[1])
    for name, kwargs in OPTIONS.items():
        kwargs = dict(kwargs)
        env = env_var(_key(name))
        where = f"env {env}" if name in SECRET_OPTIONS else f"env {env}; ini {_dest(name)}; pyproject [tool.zstack-contract] {_key(name)}"
        kwargs["help"] = f"{kwargs['help']} [{where}]"
        group.addoption(name, dest=_dest(name), default=None, **kwargs)
        action = kwargs.get("action")
        if name in SECRET_OPTIONS:
            continue
        parser.addini(_dest(name), kwargs["help"].split(" [env")[0], type="bool" if action == "store_true" else "args" if action == "append" else "string",
                      default=None)


def mistyped_option(words: list[str]) -> str | None:
    """``unknown option --zstack-ulr; did you mean --zstack-url?`` for the first of ``words`` (those
    no option took) that is meant to be one of this plugin's, or None."""
    from ..facts.words import unknown_option

    ours = [w for w in words if w.startswith(PREFIX)]
    return unknown_option(ours, [*OPTIONS, PROJECT[0]]) if ours else None


def _dest(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def _key(name: str) -> str:
    return name[len(PREFIX):]


# Secrets come from the command line or the environment, never from a file of the project.
SECRET_OPTIONS = tuple(PREFIX + key for key in SECRET_KEYS)
SETTINGS = pytest.StashKey[Settings]()


def read_settings(config: pytest.Config) -> None:
    """Read ``[tool.zstack-contract]`` of the project's pyproject.toml once (one line and exit 2
    when it cannot be used): the project is --zstack-project's, else pytest's rootdir."""
    from ..errors import InputError
    from ..settings import read_settings as read

    try:
        config.stash[SETTINGS] = read(Path(config.getoption(_dest(PROJECT[0])) or config.rootpath))
    except InputError as exc:
        pytest.exit(f"zstack-contract: {exc}", returncode=2)


def option(config: pytest.Config, name: str):
    """An option's value: the command line, else its environment variable (a repeatable option's
    values are a list: the variable's, split at commas), else the pytest ini key, else the
    project's ``[tool.zstack-contract]`` (see :mod:`zstack_contract.settings`)."""
    value = config.getoption(_dest(name))
    if value not in (None, False):
        return value
    action = OPTIONS[name].get("action")
    raw = os.environ.get(env_var(_key(name)))
    if raw is not None:
        if action == "store_true":
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if action == "append":
            return [part.strip() for part in raw.split(",") if part.strip()] or None
        return raw
    if name in SECRET_OPTIONS:
        return value
    ini = config.getini(_dest(name))
    if ini not in (None, [], "", False):
        return ini
    found = config.stash.get(SETTINGS, Settings()).get(_key(name))
    return found if found is not None else value


def contract_choice(config: pytest.Config) -> tuple[str | None, str | None]:
    """(``--zstack-schemas``, ``--zstack-release``): the pair as the first place that gives either
    gives it (the command line, then the environment, the ini file, the project's settings), so
    that ``--zstack-release`` on the command line overrides ``ZSTACK_SCHEMAS`` in the environment.
    Both from one place is an InputError."""
    from ..contract.loading import choose

    names = ("--zstack-schemas", "--zstack-release")
    settings = config.stash.get(SETTINGS, Settings())
    pair = "--zstack-schemas DIR or --zstack-release NAME"
    return choose([
        (*(config.getoption(_dest(n)) for n in names), pair),
        (*(os.environ.get(env_var(_key(n))) for n in names), pair),
        (*(config.getini(_dest(n)) or None for n in names), pair),
        (settings.schemas, settings.release, f"schemas or release in [tool.zstack-contract] of {settings.source}"),
    ], option="--zstack-release")
