"""The plugin's options: each on the command line, or from its environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PREFIX = "--zstack-"
# option name -> (environment variable, kwargs for addoption)
OPTIONS: dict[str, tuple[str, dict]] = {
    "--zstack-recordings": ("ZSTACK_RECORDINGS", dict(metavar="DIR", help="recordings to validate (default: contract_tests/recordings)")),
    "--zstack-schemas": ("ZSTACK_SCHEMAS", dict(metavar="DIR", help="a folder of derived schema files (default: the newest contract shipped)")),
    "--zstack-release": ("ZSTACK_RELEASE", dict(metavar="NAME", help="the contract shipped for a ZStack release, e.g. 5.3.0 (default: the newest; zstack-contract contracts lists them)")),
    "--zstack-strict": ("ZSTACK_STRICT", dict(action="store_true", help="undocumented fields are violations")),
    "--zstack-baseline": ("ZSTACK_BASELINE", dict(metavar="FILE", help="known deviations that do not fail the run")),
    "--zstack-report": ("ZSTACK_REPORT", dict(metavar="DIR", help="folder for zstack-contract.json and .md (default: reports)")),
    "--zstack-url": ("ZSTACK_URL", dict(metavar="URL", help="management node base URL with its context path, e.g. http://mn:8080/zstack (default: start the embedded simulator on a free loopback port)")),
    "--zstack-replay": ("ZSTACK_REPLAY", dict(metavar="DIR", help="run the live tests against the exchanges recorded under DIR (--zstack-record's, or HAR captures), served through responses: no server, no socket")),
    "--zstack-session": ("ZSTACK_SESSION", dict(metavar="UUID", help="an existing session to use instead of logging in")),
    "--zstack-account": ("ZSTACK_ACCOUNT", dict(metavar="NAME", help="account to log in with (logged out at the end)")),
    "--zstack-password": ("ZSTACK_PASSWORD", dict(metavar="PASSWORD", help="the account's password (sent as its SHA-512 hash)")),
    "--zstack-vm": ("ZSTACK_VM", dict(metavar="UUID", help="the VM the destructive tests may reimage")),
    "--zstack-allow-destructive": ("ZSTACK_ALLOW_DESTRUCTIVE", dict(action="store_true", help="let tests change state on a live node (reimage)")),
    "--zstack-timeout": ("ZSTACK_TIMEOUT", dict(metavar="SECONDS", help="give up on a job, and on any one request (but not before 1 s), after this long (default: 300 for a job, 30 for a request, 5 for a job of a simulator; a job's apiTimeout if shorter)")),
    "--zstack-record": ("ZSTACK_RECORD", dict(metavar="DIR", help="write every live exchange as a redacted exchange record")),
    "--zstack-max-requests": ("ZSTACK_MAX_REQUESTS", dict(metavar="N", help="send at most N requests to the target (default: 1000 to a live node, no cap to a simulator)")),
    "--zstack-rate": ("ZSTACK_RATE", dict(metavar="R", help="send at most R requests per second (default: 10 to a live node, no cap to a simulator)")),
    "--zstack-max-time": ("ZSTACK_MAX_TIME", dict(metavar="SECONDS", help="end the run's talk with the target after this long: later live tests fail saying so, the reports are written")),
    "--zstack-api": ("ZSTACK_API", dict(metavar="GLOB", action="append", help="generated tests only for the APIs matching GLOB (repeatable; the variable takes a comma-separated list)")),
    "--zstack-case": ("ZSTACK_CASE", dict(metavar="NAME", action="append", help="generated tests only of case NAME (repeatable; the variable takes a comma-separated list)")),
}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("zstack-contract", "zstack-contract: contract tests of a ZStack REST API")
    for name, (env, kwargs) in OPTIONS.items():
        kwargs = dict(kwargs)
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
    return unknown_option(ours, list(OPTIONS)) if ours else None


def _dest(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def _key(name: str) -> str:
    return name[len(PREFIX):]


# Secrets come from the command line or the environment, never from a file of the project.
SECRET_OPTIONS = ("--zstack-session", "--zstack-password")


def known_settings() -> dict[str, type]:
    """The keys of ``[tool.zstack-contract]`` and the type of each value."""
    return {_key(name): bool if kw.get("action") == "store_true" else list if kw.get("action") == "append" else str
            for name, (_env, kw) in OPTIONS.items() if name not in SECRET_OPTIONS}


SETTINGS = pytest.StashKey[dict]()


def read_settings(config: pytest.Config) -> None:
    """Read ``[tool.zstack-contract]`` of the project's pyproject.toml once (one line and exit 2
    when it cannot be used)."""
    from ..errors import InputError
    from ..settings import find_pyproject, load_settings

    try:
        config.stash[SETTINGS] = load_settings(find_pyproject(Path(config.rootpath)), known_settings())
    except InputError as exc:
        pytest.exit(f"zstack-contract: {exc}", returncode=2)


def option(config: pytest.Config, name: str):
    """An option's value: the command line, else its environment variable (a repeatable option's
    values are a list: the variable's, split at commas), else the pytest ini key, else the
    project's ``[tool.zstack-contract]`` (see :mod:`zstack_contract.settings`)."""
    value = config.getoption(_dest(name))
    if value not in (None, False):
        return value
    env, kwargs = OPTIONS[name]
    action = kwargs.get("action")
    raw = os.environ.get(env)
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
    found = config.stash.get(SETTINGS, {}).get(_key(name))
    return found if found is not None else value


def contract_choice(config: pytest.Config) -> tuple[str | None, str | None]:
    """(``--zstack-schemas``, ``--zstack-release``): the pair as the first place that gives either
    gives it (the command line, then the environment, the ini file, the project's settings), so
    that ``--zstack-release`` on the command line overrides ``ZSTACK_SCHEMAS`` in the environment.
    Both from one place is an InputError."""
    from ..contract.loading import choose

    names = ("--zstack-schemas", "--zstack-release")
    settings = config.stash.get(SETTINGS, {})
    pair = "--zstack-schemas DIR or --zstack-release NAME"
    return choose([
        (*(config.getoption(_dest(n)) for n in names), pair),
        (*(os.environ.get(OPTIONS[n][0]) for n in names), pair),
        (*(config.getini(_dest(n)) or None for n in names), pair),
        (*(settings.get(_key(n)) for n in names), pair),
    ], option="--zstack-release")
