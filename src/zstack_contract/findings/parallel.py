"""Validating many recording files over several processes, with the result of one process.

The files are cut into consecutive chunks. A worker process checks a chunk with a fresh
:class:`~zstack_contract.validation.Validation` and sends back its aggregates
(:meth:`~zstack_contract.validation.Validation.to_wire`); the parent merges them in chunk order,
so findings, unusable inputs, drift, coverage and counts come out exactly as a serial run gives
them. Only a few chunks are in flight at a time, so memory does not grow with the corpus.

Chunks are large, as each one costs the parent a hand-over, except at the end of the corpus: the
last names are handed over in small chunks, so no worker is left checking a large chunk while
the others have nothing to do.

Workers die with the parent, however it ends (SIGKILL included): on Linux the kernel kills each
one when the thread that started it ends (``PR_SET_PDEATHSIG``; the pool starts its workers
from the thread that submits, so call :func:`validate_files` from a thread that lives as long as
the run); elsewhere a thread of the worker watches its parent.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from itertools import chain, islice
from typing import Callable, Iterable, Iterator

from ..errors import InputError, where_raised
from ..inputs.recordings import read_file
from .validation import Validation

CHUNK = 1024  # files per task (a few tens of milliseconds of work): the hand-over costs the parent little
TAIL_SPLIT = 8  # the last chunks are this many times smaller


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_files(v: Validation, names: Iterable[str], done: Callable[[int], None] | None = None) -> None:
    """Check each file in ``v`` (an unusable one is recorded in ``v.input_errors``; a check that
    raises on one is a finding of that check: :func:`~zstack_contract.checks.runner.check_view`).
    A file the reader fails on (a fault of the reader) is recorded as such; the run goes on.
    ``done(1)`` is called after each file."""
    for name in names:
        try:
            got: list | InputError = read_file(name)
        except InputError as exc:
            got = exc
        except Exception as exc:  # noqa: BLE001  (one file, not the run)
            got = InputError(name, f"could not be read: {type(exc).__name__}{where_raised(exc)} (a fault of the reader; please report it)")
        try:
            v.check_file(got)
        except InputError:
            pass  # recorded; the run goes on
        if done is not None:
            done(1)


def validate_files(v: Validation, names: Iterable[str], jobs: int, chunk: int = CHUNK,
                   done: Callable[[int], None] | None = None) -> set[int]:
    """Check every file into ``v``, over ``jobs`` processes when there is more than one chunk of
    files; returns the ids of the processes that did the checking. ``done(n)`` is called as ``n``
    more files are checked (after each file, or each chunk merged), in this process."""
    if jobs <= 1:
        check_files(v, names, done)
        return {os.getpid()}
    it = iter(names)
    head = list(islice(it, chunk + 1))
    if len(head) <= chunk:  # a single chunk: not worth starting processes
        check_files(v, head, done)
        return {os.getpid()}
    from concurrent.futures import ProcessPoolExecutor  # imported only when there is work to spread

    pids: set[int] = set()
    settings = (v.contracts, v.api, v.strict, os.getpid())
    with ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_start_worker, initargs=settings) as pool:
        pending: deque = deque()
        try:
            for c in _chunks(chain(head, it), chunk, tail=jobs * chunk):
                pending.append((pool.submit(_check_chunk, c), len(c)))
                if len(pending) > 2 * jobs:
                    pids.add(_next_merged(v, pending, done))
            while pending:
                pids.add(_next_merged(v, pending, done))
        except BaseException:  # Ctrl-C, say: no chunk is started after it
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return pids


def _next_merged(v: Validation, pending: deque, done: Callable[[int], None] | None) -> int:
    """Merge the oldest chunk in flight (a future and its number of files), waiting for it."""
    future, files = pending.popleft()
    pid = _merge(v, future.result())
    if done is not None:
        done(files)
    return pid


def _merge(v: Validation, result: tuple[int, dict]) -> int:
    pid, wire = result
    v.merge_wire(wire)
    return pid


def _chunks(names: Iterable[str], size: int, tail: int = 0) -> Iterator[list[str]]:
    """Consecutive chunks of ``size`` names; the last ``tail`` names or so (held back until the
    names run out) in chunks :data:`TAIL_SPLIT` times smaller."""
    it = iter(names)
    window: list[str] = []
    while batch := list(islice(it, size)):
        window += batch
        if len(window) >= size + tail:
            yield window[:size]
            del window[:size]
    small = max(1, size // TAIL_SPLIT)
    for k in range(0, len(window), small):
        yield window[k:k + small]


def _context():
    """fork where there is one: workers inherit the compiled contracts instead of rebuilding them."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


_SETTINGS: tuple | None = None


def _start_worker(contracts, api, strict, parent: int) -> None:
    global _SETTINGS
    _SETTINGS = (contracts, api, strict)
    _die_with(parent)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with(parent: int) -> None:
    """End this worker when process ``parent`` ends (see the module's docstring)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            _watch(parent)
    else:
        _watch(parent)
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


def _watch(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="zstack-contract-parent-watch", daemon=True).start()


def _check_chunk(names: list[str]) -> tuple[int, dict]:
    contracts, api, strict = _SETTINGS
    v = Validation(contracts, api=api, strict=strict)
    check_files(v, names)
    return os.getpid(), v.to_wire()
