"""``zstack-contract test [PYTEST ARGS]``: the contract suite (``contract_tests``) as shipped with
the package, run by pytest in this process: what ``pytest contract_tests`` is in a checkout, for an
installation from a wheel. Every ``--zstack-*`` option and environment variable works as there,
and ``[tool.zstack-contract]`` of the working directory's pyproject.toml (``--zstack-project``):
the suite is installed elsewhere, but the project is the one it runs in. The reports go to
``reports/`` of the working directory unless --zstack-report says otherwise.
"""

from __future__ import annotations

import argparse
import os

from . import fail


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pytest_args", nargs="*", metavar="PYTEST ARGS",
                   help="everything after `test` is passed to pytest, e.g. --zstack-url URL -k reimage --junitxml reports/junit.xml")


def run(args: argparse.Namespace) -> int:
    import pytest

    from ..shipped import shipped

    suite = shipped("contract_tests")
    if not (suite / "test_live.py").is_file():
        fail(f"the contract suite is not installed: {suite} holds no test_live.py")
        return 2
    # The suite's folder may not be writable (a system prefix): no pytest cache there. The plugin's
    # package is imported already (this command is part of it): pytest cannot rewrite its asserts.
    return int(pytest.main([str(suite), "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning",
                            "--zstack-project", os.getcwd(), *args.pytest_args]))
