"""The documentation site builds with ``mkdocs build --strict`` (every page in the nav, every link and
anchor found), when MkDocs and Material for MkDocs are installed (the ``docs`` extra; CI installs it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
    pytest.importorskip("material", reason="the docs extra is not installed: pip install -e '.[docs]'")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=ROOT, check=False, capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()


def test_every_page_under_docs_is_in_the_nav():
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):
        """Safe, but for the ``!!python/name:`` tags MkDocs reads (a fence's format): kept as text."""

    Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)

    def pages(nav):
        for item in nav:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                for value in item.values():
                    yield from ([value] if isinstance(value, str) else pages(value))

    in_nav = set(pages(config["nav"]))
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk == in_nav, (sorted(on_disk - in_nav), sorted(in_nav - on_disk))
