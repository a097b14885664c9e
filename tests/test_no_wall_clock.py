"""No test measures the wall clock: how fast something is belongs to benchmarks/ (a machine shared
by others is slow at times, and ``< 2 s`` failed there). A test may only bound a hang, with a
deadline meant never to be met (conftest.HANG, :func:`conftest.finishes`), never assert on a time
it measured."""

from __future__ import annotations

import ast

from conftest import ROOT

CLOCKS = {"monotonic", "time", "perf_counter", "monotonic_ns", "time_ns", "perf_counter_ns"}


def _reads_clock(node: ast.AST) -> bool:
    """``time.monotonic()``, ``time.time()``, ``perf_counter()``, ... somewhere in ``node``."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            base = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else "time"
            if name in CLOCKS and base == "time":
                return True
    return False


def wall_clock_asserts(source: str) -> list[int]:
    """Lines of asserts that compare a time measured on the wall clock: a difference with a clock
    reading, or a name holding one."""
    tree = ast.parse(source)
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        stamps: set[str] = set()  # names holding a clock reading, or a time measured with one
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and (_reads_clock(node.value) or _names(node.value) & stamps):
                for target in node.targets:
                    stamps |= {t.id for t in ast.walk(target) if isinstance(t, ast.Name)}
        for node in ast.walk(fn):
            if not isinstance(node, ast.Assert):
                continue
            for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
                measured = [n for n in ast.walk(compare) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                            and (_reads_clock(n) or _names(n) & stamps)]
                if measured or _names(compare) & _durations(fn, stamps):
                    found.append(node.lineno)
                    break
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _durations(fn: ast.AST, stamps: set[str]) -> set[str]:
    """Names assigned a difference of clock readings (``took = time.monotonic() - start``)."""
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub) for n in ast.walk(node.value)) \
                and (_reads_clock(node.value) or _names(node.value) & (stamps - out)):
            out |= {t.id for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    return out


def test_the_detector_finds_a_measured_time_and_lets_a_bound_on_a_hang_be():
    measured = [
        "def test():\n    t = time.monotonic()\n    go()\n    assert time.monotonic() - t < 2\n",
        "def test():\n    start = time.monotonic()\n    go()\n    took = time.monotonic() - start\n    assert took < 20\n",
        "def test():\n    start = time.perf_counter()\n    go()\n    assert ok and time.perf_counter() - start < 5\n",
    ]
    bounded = [
        "def test():\n    deadline = time.monotonic() + 60\n    while not done() and time.monotonic() < deadline:\n        pass\n    assert done()\n",
        "def test():\n    cpu = time.process_time()\n    go()\n    assert time.process_time() - cpu < 0.2\n",
    ]
    assert [bool(wall_clock_asserts(s)) for s in measured + bounded] == [True] * len(measured) + [False] * len(bounded)


def test_no_test_asserts_on_a_time_it_measured():
    offenders = {}
    for folder in ("tests", "contract_tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = wall_clock_asserts(path.read_text(encoding="utf-8"))
            if lines:
                offenders[path.relative_to(ROOT).as_posix()] = lines
    assert offenders == {}
