"""``since-after-release``: given the release doc sources (or pages) are of (``derive --release-of``,
and the regeneration of the shipped contracts, which names each branch), a field whose starting
version is newer than that release is a warning naming its file and line; an equal or older one
is not. The tree of tests/doc_sources/since is our own: a request field since 5.3.0 and one since
5.4.0, an inventory field since 5.3, one since 6.0 and one since "lamp 9.9" (not a version)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAGES, ROOT
from zstack_contract.contract.releases import Release, is_version, version_key
from zstack_contract.derive.doc_sources import page_of
from zstack_contract.derive.schema_files import read_sources
from zstack_contract.derive.since import after_release

TREE = ROOT / "tests" / "doc_sources" / "since"
LAMP = TREE / "header" / "lamp"
MSG, INVENTORY = LAMP / "APIDimLampMsgDoc_zh_cn.groovy", LAMP / "LampInventoryDoc_zh_cn.groovy"


def derive(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zstack_contract.cli", "derive", *args], check=False, capture_output=True, text=True, cwd=ROOT)


def where(file: Path, name: str) -> str:
    """``file:line`` of the statement that names ``name``, as warnings name it."""
    lines = file.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.strip() == f'name "{name}"') - 1  # its column/field line
    assert lines[line - 1].strip() in ("column {", "field {")
    return f"{file.relative_to(ROOT).as_posix()}:{line}"


def lamp_page():
    errors = []
    tree = read_sources([str(TREE)], errors.append)
    assert not errors
    (api,) = tree.apis()
    return page_of(api, tree)


def test_versions_order_as_zstack_numbers_them_trailing_zeros_aside():
    assert version_key("3.9") < version_key("3.10.40") < version_key("4.8.22") < version_key("5.1.30") < version_key("5.3.0")
    assert version_key("5.3") == version_key("5.3.0") == version_key("5.3.0.0")
    assert version_key("5.3.0") < version_key("5.3.0.1") < version_key("5.4")
    names = ["5.3.0", "3.10.40", "5.1.30", "4.8.22"]
    assert sorted(names, key=lambda n: Release(n, Path(n)).key) == ["3.10.40", "4.8.22", "5.1.30", "5.3.0"]
    assert is_version("0.6") and is_version("5.3.0") and not is_version("zsv 4.1.6") and not is_version("") and not is_version("5.x")


@pytest.mark.parametrize("release, late", [
    ("5.2.9", {"level@request", "fadeSeconds", "level@inventory", "glow"}),
    ("5.3", {"fadeSeconds", "glow"}),  # equal to 5.3.0: the fields since 5.3.0 and since 5.3 are of it
    ("5.3.0", {"fadeSeconds", "glow"}),
    ("5.4.0", {"glow"}),
    ("6", set()),
    ("6.0.0", set()),
    ("10.0", set()),
])
def test_only_fields_newer_than_the_release_are_warnings(release, late):
    found = {d.where: d for d in after_release(lamp_page(), release)}
    expected = {"level@request": where(MSG, "level"), "fadeSeconds": where(MSG, "fadeSeconds"),
                "level@inventory": where(INVENTORY, "level"), "glow": where(INVENTORY, "glow")}
    assert set(found) == {expected[name] for name in late}
    assert all(d.check == "since-after-release" for d in found.values())


def test_derive_release_of_warns_naming_the_file_line_field_since_and_release_and_exits_0(tmp_path):
    run = derive("--source", str(TREE), "--release-of", "5.3.0", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {where(MSG, 'fadeSeconds')}: field 'fadeSeconds' (request) is since 5.4.0, newer than the release 5.3.0 [since-after-release]",
        f"warning: {where(INVENTORY, 'glow')}: field 'glow' (inventory) is since 6.0, newer than the release 5.3.0 [since-after-release]",
    ]
    assert "2 field(s) with a since newer than the release 5.3.0 [since-after-release]." in run.stdout.splitlines()
    assert "| 4 | 1 | 1 | 0 |" in run.stdout  # the API is one with findings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DimLamp.request.json", "DimLamp.response.json", "DimLamp.response.strict.json"]
    assert run.stderr == ""


def test_a_release_at_or_after_every_since_and_no_release_give_no_warning(tmp_path):
    for args in (("--release-of", "6.0"), ()):
        run = derive("--source", str(TREE), *args, "--out", str(tmp_path / "out"))
        assert run.returncode == 0, run.stderr
        assert not [line for line in run.stdout.splitlines() if "warning" in line], run.stdout
        assert "| 4 | 1 | 0 | 0 |" in run.stdout
    assert "0 field(s) with a since newer than the release 6.0" in derive("--source", str(TREE), "--release-of", "6.0", "--out",
                                                                           str(tmp_path / "out")).stdout


def test_check_prints_the_warnings_and_exits_on_the_files_alone(tmp_path):
    assert derive("--source", str(TREE), "--out", str(tmp_path)).returncode == 0
    fresh = derive("--source", str(TREE), "--release-of", "5.3.0", "--check", "--out", str(tmp_path))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.count("[since-after-release]") == 3  # two warnings and the summary's line
    (tmp_path / "DimLamp.request.json").unlink()
    stale = derive("--source", str(TREE), "--release-of", "5.3.0", "--check", "--out", str(tmp_path))
    assert stale.returncode == 1
    assert stale.stdout.count("[since-after-release]") == 3


def test_pages_are_held_to_the_release_too(tmp_path):
    page = PAGES / "StopVmInstance.txt"
    line = next(n for n, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1) if text.startswith("| stopHA |"))
    run = derive(str(page), "--release-of", "2.3", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert (f"warning: tests/pages/StopVmInstance.txt:{line}: field 'stopHA' (request) is since 2.3.1, newer than the release 2.3 "
            "[since-after-release]") in run.stdout.splitlines()
    assert "warning: " not in derive(str(page), "--release-of", "2.3.1", "--out", str(tmp_path)).stdout


def test_a_release_of_that_is_not_a_version_is_a_usage_error(tmp_path):
    run = derive("--source", str(TREE), "--release-of", "five", "--out", str(tmp_path))
    assert run.returncode == 2
    assert "--release-of: 'five' is not a ZStack version (like 5.3.0)" in run.stderr
    assert "Traceback" not in run.stderr and list(tmp_path.iterdir()) == []


def test_the_regeneration_holds_each_branch_to_its_own_name():
    spec = importlib.util.spec_from_file_location("regenerate_contracts", ROOT / "scripts" / "regenerate_contracts.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    _, stats = script.build("5.3.0", "0" * 40, TREE)
    assert list(stats["after release"]) == sorted([where(MSG, "fadeSeconds"), where(INVENTORY, "glow")])
    assert stats["after release"][where(INVENTORY, "glow")] == "field 'glow' (inventory) is since 6.0, newer than the release 5.3.0"
    table = script.markdown([("5.3.0", "0" * 40, stats)])
    assert f"| 5.3.0 | `{'0' * 40}` | 4 | 1 | 0 | 0 | 2 |" in table
    assert f"| `{where(MSG, 'fadeSeconds')}` | field 'fadeSeconds' (request) is since 5.4.0, newer than the release 5.3.0 |" in table
    _, stats = script.build("6.0", "0" * 40, TREE)
    assert stats["after release"] == {}
