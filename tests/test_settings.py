"""Where the suite's options come from: the command line, then the environment, then a pytest ini
key, then the project's ``[tool.zstack-contract]``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import ROOT

OPTIONS = ("--zstack-report", "--zstack-timeout", "--zstack-max-requests", "--zstack-rate", "--zstack-strict", "--zstack-api",
           "--zstack-max-time", "--zstack-password")
SHOW = f'''
from zstack_contract.pytest_plugin.options import option

def test_show(request):
    for name in {OPTIONS!r}:
        print(f"{{name}}={{option(request.config, name)!r}}")
'''


def run(tmp_path, pyproject: str, *args: str, env: dict | None = None) -> tuple[int, dict[str, str]]:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "test_show.py").write_text(SHOW)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
    r = subprocess.run([sys.executable, "-m", "pytest", "test_show.py", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args],
                       capture_output=True, text=True, cwd=tmp_path, env={**clean, **(env or {})})
    values = dict(line.split("=", 1) for line in r.stdout.splitlines() if line.startswith("--zstack-"))
    return r.returncode, values or {"output": r.stdout + r.stderr}


def test_the_command_line_then_the_environment_then_ini_then_the_table(tmp_path):
    """Each option set at a different depth: the highest of its sources wins."""
    table = ('[tool.zstack-contract]\nreport = "table"\ntimeout = "1"\nmax-requests = "1"\nrate = "1"\nstrict = true\n'
             'api = ["Get*", "Query*"]\nmax-time = 600\n')
    ini = '[tool.pytest.ini_options]\nzstack_timeout = "2"\nzstack_max_requests = "2"\nzstack_rate = "2"\n'
    rc, v = run(tmp_path, table + ini, "--zstack-rate", "4", env={"ZSTACK_MAX_REQUESTS": "3", "ZSTACK_RATE": "3", "ZSTACK_PASSWORD": "s3cret"})
    assert rc == 0, v
    assert (v["--zstack-report"], v["--zstack-timeout"], v["--zstack-max-requests"], v["--zstack-rate"]) == ("'table'", "'2'", "'3'", "'4'")
    assert v["--zstack-strict"] == "True" and v["--zstack-api"] == "['Get*', 'Query*']" and v["--zstack-max-time"] == "'600'"
    assert v["--zstack-password"] == "'s3cret'"  # from the environment (never from a file: below)


def test_a_table_that_cannot_be_used_is_one_line_and_exit_2_and_secrets_stay_out_of_it(tmp_path):
    for table, words in [('[tool.zstack-contract]\nbogus = 1\n', "unknown key 'bogus'"),
                         ('[tool.zstack-contract]\nstrict = "yes"\n', "strict: expected true or false"),
                         ('[tool.zstack-contract]\npassword = "s3cret"\n', "unknown key 'password'")]:
        rc, v = run(tmp_path, table)
        assert rc == 2 and words in v["output"] and "Traceback" not in v["output"], v


CHOICE = '''
from zstack_contract.pytest_plugin.options import contract_choice

def test_show(request):
    print(f"choice={contract_choice(request.config)!r}")
'''


def choice(tmp_path, pyproject: str, *args: str, env: dict | None = None) -> str:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "test_show.py").write_text(CHOICE)
    if not (tmp_path / "mine").exists():  # a schemas folder named is loaded when the session starts: a usable one
        shutil.copytree(ROOT / "schemas", tmp_path / "mine")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
    r = subprocess.run([sys.executable, "-m", "pytest", "test_show.py", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args],
                       capture_output=True, text=True, cwd=tmp_path, env={**clean, **(env or {})})
    return next((line.split("=", 1)[1] for line in r.stdout.splitlines() if line.startswith("choice=")), r.stdout + r.stderr)


def test_the_contract_is_chosen_as_a_pair_at_the_first_place_that_names_one(tmp_path):
    """--zstack-schemas and --zstack-release are one choice: the place that gives either gives the
    pair, so a release on the command line is not refused for a schemas folder in the environment."""
    table = '[tool.zstack-contract]\nrelease = "3.10.40"\n'
    assert choice(tmp_path, table) == "(None, '3.10.40')"
    assert choice(tmp_path, table, env={"ZSTACK_SCHEMAS": "mine"}) == "('mine', None)"
    assert choice(tmp_path, table, "--zstack-release", "4.8.22", env={"ZSTACK_SCHEMAS": "mine"}) == "(None, '4.8.22')"
    assert choice(tmp_path, "") == "(None, None)"  # the newest shipped release
