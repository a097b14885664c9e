"""The plugin's options: each on the command line, or from its environment variable."""

from __future__ import annotations

import os

import pytest

# option name -> (environment variable, kwargs for addoption)
OPTIONS: dict[str, tuple[str, dict]] = {
    "--zstack-recordings": ("ZSTACK_RECORDINGS", dict(metavar="DIR", help="recordings to validate (default: contract_tests/recordings)")),
    "--zstack-schemas": ("ZSTACK_SCHEMAS", dict(metavar="DIR", help="derived schemas (default: ./schemas, else the project's schemas/)")),
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
    "--zstack-timeout": ("ZSTACK_TIMEOUT", dict(metavar="SECONDS", help="give up on a job, and on any one request, after this long (default: 300 for a job, 30 for a request, 5 for a job of a simulator; a job's apiTimeout if shorter)")),
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
        kwargs["help"] = f"{kwargs['help']} [env {env}]"
        group.addoption(name, dest=_dest(name), default=None, **kwargs)


def _dest(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def option(config: pytest.Config, name: str):
    """An option's value: the command line, else its environment variable (a repeatable option's
    values are a list: the variable's, split at commas)."""
    value = config.getoption(_dest(name))
    if value in (None, False):
        env, kwargs = OPTIONS[name]
        raw = os.environ.get(env)
        if raw is not None:
            action = kwargs.get("action")
            if action == "store_true":
                value = raw.strip().lower() in ("1", "true", "yes", "on")
            elif action == "append":
                value = [part.strip() for part in raw.split(",") if part.strip()] or None
            else:
                value = raw
    return value
