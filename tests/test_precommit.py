"""``.pre-commit-hooks.yaml``: well-formed for pre-commit, naming real CLI options, and the hooks do
their job when run the way pre-commit runs them (entry + args + file names, from the repository root)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_validate import RECORDINGS
from zstack_contract.cli import build_parser

HOOKS = ROOT / ".pre-commit-hooks.yaml"
# The keys pre-commit's manifest schema knows (pre_commit.clientlib.MANIFEST_HOOK_DICT).
KNOWN_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or", "exclude_types",
    "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames", "description",
    "language_version", "log_file", "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}
BIN = str(Path(sys.executable).parent)


def hooks() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}


def command(hook: dict, *args: str) -> list[str]:
    """The argv pre-commit builds: the entry split like a shell would, then args, then file names."""
    return [*shlex.split(hook["entry"]), *hook.get("args", []), *args]


def run_hook(hook: dict, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}  # as in the hook's own virtualenv
    return subprocess.run(command(hook, *args), capture_output=True, text=True, cwd=cwd, env=env)


def test_manifest_is_well_formed():
    raw = yaml.safe_load(HOOKS.read_text())
    assert isinstance(raw, list) and len(raw) == 2
    ids = [h["id"] for h in raw]
    assert len(set(ids)) == len(ids)
    for h in raw:
        assert {"id", "name", "entry", "language"} <= set(h) and set(h) <= KNOWN_KEYS, h
        assert h["language"] == "python"  # pre-commit installs this repository into a virtualenv
        for key in ("files", "exclude"):
            if key in h:
                re.compile(h[key])


def test_validate_hook_selects_recordings_not_schemas():
    h = hooks()["zstack-contract-validate"]
    chosen = lambda name: bool(re.search(h["files"], name)) and not re.search(h["exclude"], name)  # noqa: E731
    for name in ("recordings/a.exchange.json", "captures/Browser.HAR", "x.har", "ReimageVmInstance.page-sample.json"):
        assert chosen(name), name
    for name in ("schemas/ReimageVmInstance.request.json", "schemas/X.response.json", "schemas/X.response.strict.json", "notes.txt"):
        assert not chosen(name), name
    assert h.get("pass_filenames", True) and h["require_serial"]


def test_entries_name_real_cli_options():
    h = hooks()
    argv = command(h["zstack-contract-validate"], "recordings/a.json")
    assert argv[0] == "zstack-contract"
    args = build_parser().parse_args(argv[1:])  # argparse exits on an unknown option
    assert args.command == "validate" and args.paths == ["recordings/a.json"] and args.report == ".zstack-contract"
    sh, flag, script, *rest = command(h["zstack-contract-derive-check"])
    assert (sh, flag) == ("sh", "-c") and h["zstack-contract-derive-check"]["pass_filenames"] is False
    inner = shlex.split(re.sub(r"\$\{\d:-([^}]+)\}", r"\1", script).replace('"', ""))
    assert inner[:2] == ["exec", "zstack-contract"]
    args = build_parser().parse_args(inner[2:])
    assert args.command == "derive" and args.check and args.out == "schemas" and args.pages == ["docs/api/*.txt"]


@pytest.fixture
def fixtures_repo(tmp_path) -> Path:
    """A fixtures repository: pages, their schemas and recordings together (a git repository, as
    pre-commit's always are: pages are named relative to its root)."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(ROOT / "docs" / "api", tmp_path / "docs" / "api")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(RECORDINGS, tmp_path / "recordings")
    return tmp_path


def test_validate_hook_runs_on_changed_files(fixtures_repo):
    h = hooks()["zstack-contract-validate"]
    files = sorted(p.relative_to(fixtures_repo).as_posix() for p in (fixtures_repo / "recordings").iterdir())
    r = run_hook(h, *files, cwd=fixtures_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (fixtures_repo / ".zstack-contract" / "zstack-contract.json").is_file()
    sample = fixtures_repo / "recordings" / "ReimageVmInstance.page-sample.json"
    body = json.loads(sample.read_text())
    body["inventory"]["cpuNum"] = "four"
    sample.write_text(json.dumps(body))
    r = run_hook(h, "recordings/ReimageVmInstance.page-sample.json", cwd=fixtures_repo)
    assert r.returncode == 1 and "/inventory/cpuNum" in r.stdout, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("sh") is None, reason="the derive --check hook runs through sh")
def test_derive_check_hook_passes_when_current_and_names_stale_files(fixtures_repo):
    h = hooks()["zstack-contract-derive-check"]
    r = run_hook(h, cwd=fixtures_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    stale = fixtures_repo / "schemas" / "ReimageVmInstance.response.json"
    stale.write_bytes(stale.read_bytes() + b" ")
    r = run_hook(h, cwd=fixtures_repo)
    assert r.returncode == 1 and "schemas/ReimageVmInstance.response.json: stale" in r.stdout, r.stdout + r.stderr
    (fixtures_repo / "pages").mkdir()
    shutil.move(fixtures_repo / "docs" / "api" / "ReimageVmInstance.txt", fixtures_repo / "pages")
    r = run_hook(h, "elsewhere", "pages", cwd=fixtures_repo)  # args: [SCHEMAS_DIR, PAGES_DIR]
    assert r.returncode == 1 and "elsewhere/ReimageVmInstance.request.json: missing" in r.stdout, r.stdout + r.stderr
