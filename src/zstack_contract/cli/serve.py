"""``zstack-contract serve``: run the embedded ZStack REST simulator until Ctrl-C or SIGTERM.

Prints the base URL (``http://HOST:PORT/zstack``) on stdout, alone on its line, as soon as the
simulator listens, so a script can read it; exits 0 when stopped by a signal. A value it cannot use
is one line on stderr and exit 2. The contract (``--schemas``, ``--release``) defaults to the
project's ``[tool.zstack-contract]`` as every command's does (:mod:`.contract_option`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
from typing import Callable

from . import fail, stop_on_signal
from .contract_option import add_contract_options, load_chosen

SETTINGS: dict[str, str] = {}  # the contract only (contract_option)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one (default: 8080)")
    p.add_argument("--data", metavar="FILE", help="JSON file with the VMs, images and accounts to serve instead of the built-in set")
    p.add_argument("--job-delay", default="0.05", metavar="SECONDS", help="how long an API job runs before it reports (default: 0.05)")
    add_contract_options(p, "a folder of derived schema files whose every API is served (the session and the VM family always are)")
    p.add_argument("--jvm", type=int, choices=(8, 11, 21), default=8, help="the Java release whose date rendering and messages the node plays (default: 8)")
    p.add_argument("--reason-phrases", action="store_true", help="put a reason phrase after the status, as Tomcat before 8.5 (default: none)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME[:API]", help="switch on a named fault (repeatable), for every API or one; see --list-faults")
    p.add_argument("--session-timeout", default="7200", metavar="SECONDS", help="lifetime of a login session (default: 7200)")
    p.add_argument("--max-body", metavar="BYTES", help="the largest request body read; a larger one is answered 413 (default: 8388608, 8 MiB)")
    p.add_argument("--advertise-url", metavar="URL", help="base URL to put into job locations, to play a node behind NAT or a proxy")
    p.add_argument("--verbose", action="store_true", help="log one line per request on stderr")
    p.add_argument("--list-faults", action="store_true", help="print the named faults, one per line, and exit")
    p.add_argument("--print-data", action="store_true", help="print the built-in data set as a --data file and exit")


def _seconds(option: str, text: str) -> float:
    """A number of seconds from the command line (finite: ``nan`` and ``1e400`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{option}: expected a finite number of seconds, 0 or more, got {text!r}")
    return value


def _bytes(option: str, text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{option}: expected a whole number of bytes, 0 or more, got {text!r}")
    return int(text)


def _stderr_lines() -> Callable[[str], None]:
    """Write whole lines to stderr: the handler threads log at once, and a print() is two writes."""
    lock = threading.Lock()

    def write(line: str) -> None:
        with lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    return write


def _print_data() -> None:
    from ..simulator.render import plain
    from ..simulator.seed import seed

    local_iso = lambda dt: dt.isoformat(timespec="seconds")  # noqa: E731 - dates are the node's local time
    print(json.dumps(plain(seed(), local_iso), indent=2, ensure_ascii=False))


def run(args: argparse.Namespace) -> int:
    from ..errors import ContractError
    from ..simulator import FAULTS, Simulator

    if args.list_faults:
        for name, description in FAULTS.items():
            print(f"{name}: {description}")
        return 0
    if args.print_data:
        _print_data()
        return 0
    from ..simulator.http import MAX_BODY

    log = _stderr_lines() if args.verbose else None
    try:
        sim = Simulator(
            faults=args.fault,
            job_delay=_seconds("--job-delay", args.job_delay),
            data=args.data,
            session_timeout=_seconds("--session-timeout", args.session_timeout),
            max_body=MAX_BODY if args.max_body is None else _bytes("--max-body", args.max_body),
            schemas=load_chosen(args),
            jvm=args.jvm,
            reason_phrases=args.reason_phrases,
            host=args.host,
            port=args.port,
            advertise_url=args.advertise_url,
            log=log,
        )
    except (ValueError, ContractError) as exc:
        fail(str(exc))
        return 2
    try:
        sim.start()
    except OSError as exc:
        fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 2

    with stop_on_signal() as stop:
        try:
            print(sim.base_url, flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            sim.stop()
    return 0
