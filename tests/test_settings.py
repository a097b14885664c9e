"""Where the suite's options come from: the command line, then the environment, then a pytest ini
key, then the project's ``[tool.zstack-contract]``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from zstack_contract.facts.ids import password_hash

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
                       capture_output=True, text=True, cwd=tmp_path, env={**clean, **(env or {})}, check=False)
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
    secret = "a secret does not belong in pyproject.toml; use the environment variable"
    for table, words in [('[tool.zstack-contract]\nbogus = 1\n', "pyproject.toml:2: [tool.zstack-contract] bogus: unknown key; keys: "),
                         ('[tool.zstack-contract]\nstrict = "yes"\n', "pyproject.toml:2: [tool.zstack-contract] strict: expected true or false"),
                         ('[tool.zstack-contract]\nurl = "x"\npassword = "s3cret"\n', f"pyproject.toml:3: [tool.zstack-contract] password: {secret} ZSTACK_PASSWORD"),
                         ('[tool."zstack-contract"]\n"session" = "s3cret"\n', f"[tool.zstack-contract] session: {secret} ZSTACK_SESSION"),
                         ('[tool.zstack-contract]\napi-token = "s3cret"\n', f"[tool.zstack-contract] api-token: {secret} ZSTACK_SESSION"),
                         ('[tool.zstack-contract]\nadmin-pwd = "s3cret"\n', f"[tool.zstack-contract] admin-pwd: {secret} ZSTACK_PASSWORD")]:
        rc, v = run(tmp_path, table)
        assert rc == 2 and words in v["output"] and "Traceback" not in v["output"] and "s3cret" not in v["output"], v


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
                       capture_output=True, text=True, cwd=tmp_path, env={**clean, **(env or {})}, check=False)
    return next((line.split("=", 1)[1] for line in r.stdout.splitlines() if line.startswith("choice=")), r.stdout + r.stderr)


def test_the_contract_is_chosen_as_a_pair_at_the_first_place_that_names_one(tmp_path):
    """--zstack-schemas and --zstack-release are one choice: the place that gives either gives the
    pair, so a release on the command line is not refused for a schemas folder in the environment."""
    table = '[tool.zstack-contract]\nrelease = "3.10.40"\n'
    assert choice(tmp_path, table) == "(None, '3.10.40')"
    assert choice(tmp_path, table, env={"ZSTACK_SCHEMAS": "mine"}) == "('mine', None)"
    assert choice(tmp_path, table, "--zstack-release", "4.8.22", env={"ZSTACK_SCHEMAS": "mine"}) == "(None, '4.8.22')"
    assert choice(tmp_path, "") == "(None, None)"  # the newest shipped release


# --- one reader, one typed object; every command reads it -----------------------------------------
def test_the_table_is_read_into_one_typed_object_whose_keys_are_the_suites_options(tmp_path):
    from zstack_contract.pytest_plugin.options import OPTIONS, PREFIX, SECRET_OPTIONS
    from zstack_contract.settings import KEYS, Settings, env_var, load_settings

    assert set(KEYS) == {name[len(PREFIX):] for name in OPTIONS if name not in SECRET_OPTIONS}
    assert {env_var(name[len(PREFIX):]) for name in SECRET_OPTIONS} == {"ZSTACK_SESSION", "ZSTACK_PASSWORD"}
    (tmp_path / "pyproject.toml").write_text('[tool.zstack-contract]\nstrict = true\nmax-time = 600\napi = "Get*"\nbaseline = "b.json"\n')
    settings = load_settings(tmp_path / "pyproject.toml")
    assert isinstance(settings, Settings) and settings.source == tmp_path / "pyproject.toml"
    assert (settings.strict, settings.max_time, settings.api, settings.url) == (True, "600", ("Get*",), None)
    assert settings.get("max-time") == "600" and settings.get("api") == ["Get*"]
    assert Path(settings.baseline).resolve() == tmp_path / "b.json"  # relative to the table's folder, wherever the command runs
    assert load_settings(None) == Settings()


def cli(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``zstack-contract ARGS`` run in ``cwd``, with no ZSTACK_* variable of the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
    return subprocess.run([sys.executable, "-m", "zstack_contract.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**clean, **(env or {})}, timeout=300, check=False)


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'mine'\n\n[tool.zstack-contract]\n{table}")
    return tmp_path


def test_validate_takes_strict_recordings_baseline_and_report_from_the_table(tmp_path, reimage_page):
    from mutations import server_shaped

    (tmp_path / "recorded").mkdir()
    (tmp_path / "recorded" / "ReimageVmInstance.a.json").write_text(json.dumps(server_shaped(reimage_page.response_sample.value)))
    schemas = f'schemas = "{ROOT / "schemas"}"\n'
    here = project(tmp_path, schemas + 'recordings = "recorded"\nreport = "from-table"\n')
    r = cli(here, "validate")
    assert r.returncode == 0 and (tmp_path / "from-table" / "zstack-contract.json").exists(), r.stdout + r.stderr  # drift is a warning
    project(tmp_path, schemas + 'recordings = "recorded"\nreport = "from-table"\nstrict = true\n')
    r = cli(here, "validate")
    assert r.returncode == 1 and "[undocumented-field]" in r.stdout, r.stdout + r.stderr
    (tmp_path / "sub").mkdir()
    r = cli(tmp_path / "sub", "validate", "--update-baseline", "--baseline", "../known.json")  # the table's paths, from a folder below it
    assert r.returncode == 0 and (tmp_path / "known.json").exists(), r.stdout + r.stderr
    project(tmp_path, schemas + 'recordings = "recorded"\nreport = "from-table"\nstrict = true\nbaseline = "known.json"\n')
    assert cli(tmp_path / "sub", "validate").returncode == 0  # the table's baseline knows them
    r = cli(here, "validate", "--report", str(tmp_path / "given"))
    assert (tmp_path / "given" / "zstack-contract.json").exists()  # the command line wins


def test_the_command_line_then_the_environment_then_the_table_choose_the_contract(tmp_path):
    here = project(tmp_path, 'release = "3.10.40"\n')
    for args, env, apis in [((), None, 435), ((), {"ZSTACK_RELEASE": "4.8.22"}, 539),  # the APIs of 3.10.40, of 4.8.22
                            (("--release", "5.1.30"), {"ZSTACK_RELEASE": "4.8.22"}, 557)]:
        r = cli(here, "validate", str(ROOT / "contract_tests" / "recordings"), *args, "--report", str(tmp_path / "rep"), env=env)
        assert r.returncode in (0, 1), r.stderr
        assert len(json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["apis"]) == apis
    project(tmp_path, 'release = "3.10.40"\nschemas = "mine"\n')
    r = cli(here, "validate", str(ROOT / "contract_tests" / "recordings"), "--report", str(tmp_path / "rep"))
    assert r.returncode == 2 and f"give schemas or release in [tool.zstack-contract] of {tmp_path / 'pyproject.toml'}, not both" in r.stderr


@pytest.mark.parametrize("command", ["validate", "serve", "proxy", "openapi"])
def test_every_command_refuses_a_table_that_cannot_be_used_in_one_line(tmp_path, command):
    here = project(tmp_path, 'password = "s3cret"\n')
    r = cli(here, command)
    assert r.returncode == 2 and r.stderr == (f"zstack-contract: error: {tmp_path / 'pyproject.toml'}:5: [tool.zstack-contract] password: "
                                              "a secret does not belong in pyproject.toml; use the environment variable ZSTACK_PASSWORD\n")


def test_serve_serves_the_release_of_the_table(tmp_path):
    import select
    import signal

    import requests

    here = project(tmp_path, 'release = "3.10.40"\n')
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
    proc = subprocess.Popen([sys.executable, "-m", "zstack_contract.cli", "serve", "--port", "0"], cwd=here, env=clean,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([proc.stdout], [], [], 120)[0], "serve printed nothing"  # a bound on a hang
        url = proc.stdout.readline().strip()
        login = requests.put(f"{url}/v1/accounts/login", timeout=30,
                             json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}})
        session = login.json()["inventory"]["uuid"]
        r = requests.get(f"{url}/v1/directories", headers={"Authorization": f"OAuth {session}"}, timeout=30)
        assert r.text == "no api mapping to /v1/directories"  # QueryDirectory came in 5.x: not in 3.10.40
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def test_the_proxy_takes_its_target_and_reports_from_the_table(tmp_path):
    import signal

    import requests

    from zstack_contract.simulator import Simulator

    with Simulator(job_delay=0.005) as sim:
        here = project(tmp_path, f'url = "{sim.base_url}"\nreport = "proxied"\nrelease = "3.10.40"\n')
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
        proc = subprocess.Popen([sys.executable, "-m", "zstack_contract.cli", "proxy", "--listen", "127.0.0.1:0"], cwd=here, env=clean,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            url = proc.stdout.readline().strip()
            assert requests.get(f"{url}/v1/vm-instances", timeout=30).text == "missing header 'Authorization'"  # the simulator's answer
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert len(json.loads((tmp_path / "proxied" / "zstack-contract.json").read_text())["apis"]) == 435  # 3.10.40's


def test_openapi_takes_the_contract_of_the_table(tmp_path):
    here = project(tmp_path, f'schemas = "{ROOT / "schemas"}"\n')
    r = cli(here, "openapi")
    assert r.returncode == 0, r.stderr
    assert sorted(json.loads(r.stdout)["paths"]) == ["/v1/api-jobs/{jobUuid}", "/v1/vm-instances/{vmInstanceUuid}/actions"]  # the schemas of one page


def test_the_installed_test_command_reads_the_table_of_the_working_directory(tmp_path):
    """``zstack-contract test`` runs a suite that lives elsewhere (a wheel's share/ folder, here the
    checkout's): the settings are still those of the project it is run in."""
    here = project(tmp_path, f'schemas = "{ROOT / "schemas"}"\nreport = "suite-reports"\nrecordings = "{ROOT / "contract_tests" / "recordings"}"\n')
    r = cli(here, "test", "-q", "-p", "no:hypothesispytest", "-k", "test_recording")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert json.loads((tmp_path / "suite-reports" / "zstack-contract.json").read_text())["summary"]["files"] == 4
    project(tmp_path, 'password = "s3cret"\n')
    r = cli(here, "test", "-q", "-p", "no:hypothesispytest", "-k", "test_recording")
    assert r.returncode == 2 and "use the environment variable ZSTACK_PASSWORD" in r.stdout + r.stderr and "s3cret" not in r.stdout + r.stderr
