"""Usage errors of the command lines: an option mistyped is named with the option meant (exit 2
from zstack-contract; pytest's usage error from the suite), never a bare "unrecognized arguments"."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, child_pytest


def zstack_contract(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zstack_contract.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


@pytest.mark.parametrize("args, said", [
    (["validate", "--stirct", "contract_tests/recordings"], "zstack-contract validate: error: unknown option --stirct; did you mean --strict?"),
    (["validate", "contract_tests/recordings", "--baseline=x.json", "--reprot=out"], "unknown option --reprot; did you mean --report?"),
    (["serve", "--prot", "0"], "zstack-contract serve: error: unknown option --prot; did you mean --port?"),
    (["proxy", "--target", "http://mn:8080/zstack", "--lisen", "127.0.0.1:0"], "zstack-contract proxy: error: unknown option --lisen; did you mean --listen?"),
    (["proxy", "--trget", "http://mn:8080/zstack"], "zstack-contract proxy: error: unknown option --trget; did you mean --target?"),
    (["openapi", "--relase", "5.3.0"], "unknown option --relase; did you mean --release?"),
    (["--verison"], "zstack-contract: error: unknown option --verison; did you mean --version?"),
    (["contracts", "--frobnicate"], "zstack-contract contracts: error: unknown option --frobnicate"),
])
def test_a_mistyped_option_is_named_with_the_one_meant(args, said):
    r = zstack_contract(*args)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.splitlines()[-1].endswith(said), r.stderr
    assert "Traceback" not in r.stderr


def test_an_abbreviated_option_is_not_taken_for_the_whole_one():
    """``--stric`` is not ``--strict``: an option added later would change what it means."""
    r = zstack_contract("validate", "--stric", "contract_tests/recordings")
    assert r.returncode == 2 and r.stderr.splitlines()[-1].endswith("unknown option --stric; did you mean --strict?")


def test_a_mistyped_suite_option_is_named_with_the_one_meant():
    r = subprocess.run(child_pytest("contract_tests/test_recorded.py", "--zstack-ulr", "http://mn:8080/zstack"),
                       capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert r.returncode == 4 and "unknown option --zstack-ulr; did you mean --zstack-url?" in r.stderr, r.stdout + r.stderr
