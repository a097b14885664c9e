"""Installed from a wheel, outside the checkout: the shipped contracts, the overlay, the suite, its
recordings and known deviations come with it, and `validate` and `zstack-contract test` work.

The wheel is built with the project's own setuptools (a test dependency: no build environment to
make), and goes into a fresh virtual environment; its dependencies are those of the project's own
environment, put on the path (as a path, not a site folder: the project's editable install there
is not loaded), so that the test needs no download and takes seconds.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist")],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (work / "dist").glob("zstack_contract-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n for n in names if "/data/releases/" in n} == {f"zstack_contract/data/releases/{r}.json.gz" for r in ("3.10.40", "4.8.22", "5.1.30", "5.3.0")}
    assert any(n.endswith("zstack_contract/derive/overlay.toml") for n in names)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              capture_output=True, text=True, check=True).stdout.strip()
    Path(packages, "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed command, with no contract chosen: the newest release the wheel ships."""
    env = {k: v for k, v in os.environ.items() if k not in ("ZSTACK_SCHEMAS", "ZSTACK_RELEASE")}
    return subprocess.run([str(venv / "bin" / "zstack-contract"), *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_the_wheel_brings_what_validate_and_the_suite_need(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import zstack_contract; print(zstack_contract.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(installed))  # not the checkout's
    recordings = installed / "share" / "zstack-contract" / "contract_tests" / "recordings"
    r = run(installed, "validate", str(recordings), "--report", str(tmp_path / "v"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(json.loads((tmp_path / "v" / "zstack-contract.json").read_text())["apis"]) == 561  # 5.3.0, from the wheel
    r = run(installed, "test", "-q", "-k", "not probe", "--zstack-api", "ReimageVmInstance", "--zstack-report", str(tmp_path / "t"),
            cwd=tmp_path)  # probes: test_probing
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "passed" in r.stdout and "failed" not in r.stdout and "error" not in r.stdout.lower()
    report = json.loads((tmp_path / "t" / "zstack-contract.json").read_text())
    assert report["baseline"].startswith(str(installed))  # the shipped known deviations were found
    assert report["summary"]["exchanges"] > 10  # recorded ones and live ones, against the schemas shipped
