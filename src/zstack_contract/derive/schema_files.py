"""Derive schema files from pages: rendering (byte-for-byte deterministic), writing, staleness checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..contract.format import SUFFIXES
from ..errors import PageError
from .overlay import Overlay
from .page import Page
from .parser import parse_page
from .schemas import build_request_schema, build_response_schema


def render(schema: dict) -> bytes:
    """The one serialisation of a schema: stable key order, ASCII only, newline at the end."""
    return (json.dumps(schema, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def display_path(path: str | Path) -> str:
    """A page path as annotations show it: relative to the working directory when inside it, POSIX."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def schemas_for(page: Page, overlay: Overlay) -> dict[str, dict]:
    """File name -> schema for one page."""
    return {
        page.api + SUFFIXES["request"]: build_request_schema(page, overlay),
        page.api + SUFFIXES["response"]: build_response_schema(page, overlay),
        page.api + SUFFIXES["strict"]: build_response_schema(page, overlay, strict=True),
    }


@dataclass
class Derived:
    files: dict[str, bytes]
    pages: list[Page]


def derive_pages(paths: list[str], overlay: Overlay, on_error) -> Derived:
    """Parse and build every page; ``on_error(PageError)`` is called for each unusable page."""
    files: dict[str, bytes] = {}
    pages = []
    for path in paths:
        try:
            page = parse_page(path, display_path(path))
        except PageError as exc:
            on_error(exc)
            continue
        pages.append(page)
        for name, schema in schemas_for(page, overlay).items():
            files[name] = render(schema)
    return Derived(files, pages)


def stale_files(out: Path, files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(file, why) for each derived file that is missing or differs on disk."""
    problems = []
    for name, data in sorted(files.items()):
        target = out / name
        if not target.exists():
            problems.append((str(target), "missing"))
        elif target.read_bytes() != data:
            problems.append((str(target), "stale"))
    return problems
