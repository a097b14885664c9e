"""``zstack-contract derive``: files, determinism, --check, committed schemas, bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAGE, PAGES, ROOT
from zstack_contract.cli import main

PAGE_ARG = "docs/api/ReimageVmInstance.txt"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    exe = shutil.which("zstack-contract") or str(Path(sys.executable).with_name("zstack-contract"))
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=ROOT)


def test_derive_writes_three_schemas_deterministically(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["derive", PAGE_ARG, "--out", str(a)]) == 0
    assert main(["derive", PAGE_ARG, "--out", str(b)]) == 0
    names = sorted(p.name for p in a.iterdir())
    assert names == ["ReimageVmInstance.request.json", "ReimageVmInstance.response.json", "ReimageVmInstance.response.strict.json"]
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes()
    assert main(["derive", PAGE_ARG, "--out", str(a), "--check"]) == 0


def test_committed_schemas_are_fresh():
    """Fails when schemas/ is stale: run `zstack-contract derive docs/api/*.txt --out schemas`."""
    r = run_cli("derive", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "api").glob("*.txt")), "--out", "schemas", "--check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_names_stale_and_missing_files(tmp_path):
    out = tmp_path / "s"
    assert main(["derive", PAGE_ARG, "--out", str(out)]) == 0
    edited = tmp_path / "docs" / "ReimageVmInstance.txt"
    edited.parent.mkdir()
    edited.write_text(PAGE.read_text().replace("| cpuNum | Integer | 0.6 | |", "| cpuNum | Long | 0.6 | |"))
    (out / "ReimageVmInstance.request.json").unlink()
    r = run_cli("derive", str(edited), "--out", str(out), "--check")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert any("ReimageVmInstance.response.json: stale" in ln for ln in lines)
    assert any("ReimageVmInstance.request.json: missing" in ln for ln in lines)
    assert any("ReimageVmInstance.response.strict.json: stale" in ln for ln in lines)
    assert not (out / "ReimageVmInstance.request.json").exists()  # --check writes nothing


def test_several_pages_and_a_broken_one(tmp_path):
    broken = tmp_path / "Broken.txt"
    broken.write_text((PAGES / "StopVmInstance.txt").read_text().replace('"name": "Test-VM",', '"name": "Test-VM",,'))
    r = run_cli("derive", PAGE_ARG, str(broken), str(PAGES / "LogInByAccount.txt"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "Broken.txt:43:" in err[0] and "Traceback" not in r.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "LogInByAccount.response.json" in written and "ReimageVmInstance.request.json" in written
    assert not any(n.startswith("StopVmInstance") for n in written)


@pytest.mark.parametrize(
    "args,words",
    [
        (["derive", "--out", "x"], "derive needs pages (PAGE...) or doc sources (--source PATH)"),
        (["derive", "nope.txt", "--out", "OUT"], "nope.txt: cannot read page"),
        (["derive", PAGE_ARG, "--out", "OUT", "--overlay", "missing.toml"], "missing.toml: cannot read overlay"),
        ([], "a command is required"),
    ],
)
def test_usage_and_unusable_input_exit_2(tmp_path, args, words):
    args = [a.replace("OUT", str(tmp_path / "o")) for a in args]
    r = run_cli(*args)
    assert r.returncode == 2
    assert words in r.stderr and "Traceback" not in r.stderr


def test_bad_overlay_is_one_line(tmp_path):
    bad = tmp_path / "overlay.toml"
    bad.write_text('[[rule]]\nid = "x"\nwhere = { field = "uuid" }\nschema = { pattern = "^a$" }\n')
    r = run_cli("derive", PAGE_ARG, "--out", str(tmp_path / "o"), "--overlay", str(bad))
    assert r.returncode == 2 and "rule 'x': needs a reason" in r.stderr
    bad.write_text("[[rule]\n")
    r = run_cli("derive", PAGE_ARG, "--out", str(tmp_path / "o"), "--overlay", str(bad))
    assert r.returncode == 2 and "not valid TOML" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_the_sources_do_not_depend_on_where_derive_runs_or_how_the_page_is_spelled(tmp_path, monkeypatch):
    """x-source names a page relative to its repository (or, outside one, by its folder): the
    schemas, --check and openapi see the same bytes from any working directory."""
    outs = []
    for n, (cwd, arg) in enumerate([(ROOT, "docs/api"), (ROOT / "docs", "api"), (ROOT / "tests", "../docs/./api/ReimageVmInstance.txt"),
                                    (tmp_path, str(ROOT / "docs" / "api"))]):
        monkeypatch.chdir(cwd)
        assert main(["derive", "-q", arg, "--out", str(tmp_path / f"out{n}")]) == 0
        outs.append({p.name: p.read_bytes() for p in (tmp_path / f"out{n}").iterdir()})
    assert all(o == outs[0] for o in outs) and b'"x-source": "docs/api/ReimageVmInstance.txt:' in outs[0]["ReimageVmInstance.response.json"]
    monkeypatch.chdir(tmp_path)
    assert main(["derive", "-q", "docs/api", "--out", str(ROOT / "schemas"), "--check"]) == 2  # no such folder here
    assert main(["derive", "-q", str(ROOT / "docs/api"), "--out", str(ROOT / "schemas"), "--check"]) == 0  # fresh from here too
    outside = tmp_path / "elsewhere" / "pages"  # not in a repository: the page's folder and its name
    outside.mkdir(parents=True)
    shutil.copy(PAGE, outside / "ReimageVmInstance.txt")
    for cwd, arg in [(tmp_path, "elsewhere/pages"), (outside, ".")]:
        monkeypatch.chdir(cwd)
        assert main(["derive", "-q", arg, "--out", str(tmp_path / "o")]) == 0
        assert b'"x-source": "pages/ReimageVmInstance.txt:' in (tmp_path / "o" / "ReimageVmInstance.response.json").read_bytes()
