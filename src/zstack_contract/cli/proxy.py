"""``zstack-contract proxy --target URL``: a validation proxy between real clients and a node.

Prints the proxy's base URL (the target's context path on the proxy's address) alone on stdout as
soon as it listens, then one line per new finding as exchanges finish; on SIGINT or SIGTERM it
stops, writes the reports and prints a summary line on stderr. Exit codes as ``validate``'s, from
the session's verdict: 0 clean, 1 a new violation was seen, 2 unusable input (schemas, baseline,
address, a ``--record`` or ``--report`` folder that cannot be written, refused before the proxy
listens; or a target that answered no request all session: one line on stderr says so). Exchanges
still being checked when it stops are checked before the verdict (for at most ``--drain``
seconds); recordings go on after the numbers already in the ``--record`` folder, never over them.

``--target``, ``--strict``, ``--baseline``, ``--record`` and ``--report`` default to ``url``,
``strict``, ``baseline``, ``record`` and ``report`` of the project's ``[tool.zstack-contract]``
(:data:`SETTINGS`): the node the suite talks to is the one the proxy stands before.
``--release auto`` asks the target its version before the proxy listens, and holds the traffic to
the release at or below it (:mod:`zstack_contract.live.node_release`); a line on stderr names the
contract used, and so do the summary line and the reports.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from urllib.parse import urlsplit

from ..proxy import DRAIN_FOR
from ..proxy.limits import MIB, Limits
from . import fail, stop_on_signal
from .contract_option import add_contract_options, load_chosen
from .progress import progress_for

SETTINGS = {"target": "url", "strict": "strict", "baseline": "baseline", "record": "record", "report": "report"}  # option -> key of [tool.zstack-contract]
REPORTS = "reports"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", metavar="URL",
                   help="the node's base URL with its context path, e.g. http://mn:8080/zstack (default: url in [tool.zstack-contract])")
    p.add_argument("--listen", default="127.0.0.1:8081", metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8081; port 0 picks a free one)")
    add_contract_options(p, release_help="or auto: the one at or below the version the target says it runs (docs/node-release.md)")
    p.add_argument("--strict", action="store_true", default=None, help="undocumented fields (and calls of no known API) are violations")
    p.add_argument("--baseline", metavar="FILE", help="known deviations: reported, but not new")
    p.add_argument("--record", metavar="DIR", help="write every exchange as a redacted exchange record (validate and replay read them)")
    p.add_argument("--report", metavar="DIR", help=f"folder for the reports, written at the end (default: {REPORTS}/ of the working directory)")
    p.add_argument("--report-every", type=float, metavar="SECONDS", help="also write the reports this often")
    p.add_argument("--no-rewrite", action="store_true", help="leave the job location of a 202 as the node wrote it (clients then poll the node itself)")
    p.add_argument("--drain", type=float, default=DRAIN_FOR, metavar="SECONDS",
                   help=f"when stopped, wait this long at most for the checks of exchanges still queued (default {DRAIN_FOR:g}); the rest are counted as not checked")
    limits = Limits()
    p.add_argument("--timeout", type=float, default=limits.answer_timeout, metavar="SECONDS",
                   help=f"an answer must have passed whole this long after its request went out, else it is cut (a 504 when nothing of it came) (default {limits.answer_timeout:g})")
    p.add_argument("--request-timeout", type=float, default=limits.request_timeout, metavar="SECONDS",
                   help=f"a request must arrive whole, head and body, this long after its first byte, else its connection is closed (default {limits.request_timeout:g})")
    p.add_argument("--idle-timeout", type=float, default=limits.idle_timeout, metavar="SECONDS",
                   help=f"a kept-alive client connection idle this long is closed (default {limits.idle_timeout:g})")
    p.add_argument("--max-connections", type=int, default=limits.max_connections, metavar="N",
                   help=f"client connections held at once; a new one past that takes the place of the oldest idle one, else gets a 503 (default {limits.max_connections})")
    p.add_argument("--max-request", type=float, default=limits.max_request / MIB, metavar="MIB",
                   help=f"a request body over this many MiB is refused with a 413 (default {limits.max_request // MIB:g})")
    p.add_argument("--max-checked", type=float, default=limits.kept / MIB, metavar="MIB",
                   help=f"of an answer, this many MiB are kept for the checks; a longer one streams through unchecked (default {limits.kept // MIB:g})")


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"--listen takes HOST:PORT, got {text!r}")
    return host, int(port)


def run(args: argparse.Namespace) -> int:
    from ..atomic import writable_folder
    from ..errors import ContractError
    from ..facts.secrets import Redactor
    from ..findings.baseline import Baseline
    from ..findings.validation import Validation
    from ..proxy.forward import Forwarder
    from ..proxy.run import ProxyRun, every
    from ..proxy.server import ProxyServer, fit_open_files
    from ..reporting import clear_reports
    from ..reporting.wording import contract_said

    if not args.target:
        args._parser.error("the following arguments are required: --target (or url in [tool.zstack-contract])")
    args.report = args.report or REPORTS
    for name in ("report_every", "timeout", "drain", "request_timeout", "idle_timeout", "max_request", "max_checked"):
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            unit = "MiB" if name.startswith("max_") else "seconds"
            fail(f"--{name.replace('_', '-')} takes a number of {unit} above 0, got {value}")
            return 2
    if args.max_connections < 1:
        fail(f"--max-connections takes a whole number above 0, got {args.max_connections}")
        return 2
    limits = Limits(request_timeout=args.request_timeout, idle_timeout=args.idle_timeout, answer_timeout=args.timeout,
                    max_connections=args.max_connections, max_request=int(args.max_request * MIB), kept=int(args.max_checked * MIB))
    try:
        address = _listen(args.listen)
        validation = Validation(load_chosen(args, node=args.target), strict=bool(args.strict),
                                baseline=Baseline.load(args.baseline) if args.baseline else None, redactor=Redactor())
        clear_reports(args.report)
        writable_folder(args.report, "--report")
        if args.record:
            writable_folder(args.record, "--record")
        progress = progress_for("proxy")  # the session's counts on a terminal; its finding lines wipe them first
        session = ProxyRun(validation, progress.guard(sys.stdout), record=args.record, report=args.report, target=args.target, drain_for=args.drain)
        forwarder = Forwarder(args.target, session.step, rewrite=not args.no_rewrite, limits=limits, on_no_answer=session.no_answer)
    except (ValueError, ContractError) as exc:
        fail(str(exc))
        return 2
    files = fit_open_files(limits)
    if files is not None:
        print(f"zstack-contract proxy: {files}", file=sys.stderr, flush=True)
    try:
        server = ProxyServer(address, forwarder)
    except OSError as exc:
        fail(f"cannot listen on {args.listen}: {exc.strerror or exc}")
        return 2

    print(f"zstack-contract proxy: contract: {contract_said({'release': validation.contracts.release, 'why': validation.contracts.why})}",
          file=sys.stderr, flush=True)
    with stop_on_signal() as stop:
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="zstack-contract-proxy", daemon=True)
        serving.start()
        if args.report_every:
            every(args.report_every, session.write_reports, stop)
        try:
            print(forwarder.public_origin + urlsplit(args.target).path.rstrip("/"), flush=True)
            while not stop.wait(0.5):
                progress.show(f"{session.answered} answered, {validation.exchanges} checked, {len(validation.findings)} finding(s)")
        finally:
            progress.clear()
            server.shutdown()
            server.server_close()
    session.close()
    print(session.summary(), file=sys.stderr, flush=True)
    silent = session.silent_target()
    if silent is not None:
        fail(f"{session.target}: {silent}")
    try:
        session.write_reports()
    except ContractError as exc:
        fail(str(exc))
        return 2
    return validation.exit_code()
