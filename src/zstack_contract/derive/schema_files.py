"""Schema files from pages: finding the pages, deriving each (byte-for-byte deterministic), telling
whether two pages are the same API in two languages, and staleness checks."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from ..contract.format import SOURCE, SUFFIXES, render
from ..errors import PageError, internal_error
from ..inputs.files import files_in
from .doc_sources import page_of
from .source_tree import DocFile, SourceTree, source_files
from .overlay import Overlay
from .page import Page
from .parser import parse_page
from .schemas import build_request_schema, build_response_schema

PAGE_SUFFIXES = (".txt",)


def display_path(path: str | Path) -> str:
    """A page path as annotations show it (POSIX), the same however the path was spelled and
    wherever derive ran: relative to the root of the repository the page is in (the nearest
    folder above it holding ``.git``), else its folder's name and its own (``pages/X.txt``)."""
    p = Path(path).resolve()
    root = _repository_root(str(p.parent))
    if root is not None:
        return p.relative_to(root).as_posix()
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


@lru_cache(maxsize=64)
def _repository_root(folder: str) -> Path | None:
    for candidate in (Path(folder), *Path(folder).parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def page_files(paths: list[str], on_error: Callable[[PageError], None]) -> Iterator[str]:
    """The page files ``paths`` name: files as given, folders searched recursively for ``*.txt``,
    in a stable order; a path that gives no page is an error."""
    for raw in paths:
        if Path(raw).is_dir():
            found = 0
            for found, path in enumerate(files_in(raw, lambda name: name.lower().endswith(PAGE_SUFFIXES)), start=1):
                yield path
            if not found:
                on_error(PageError(raw, None, "folder holds no *.txt pages"))
        else:
            yield raw  # a file, or a path that is not there: parsing names the problem


@dataclass
class DerivedPage:
    page: Page
    schemas: dict[str, dict[str, Any]]  # file name -> schema

    @property
    def files(self) -> dict[str, bytes]:
        return {name: render(schema) for name, schema in self.schemas.items()}

    @property
    def neutral(self) -> bytes:
        """The schemas with every ``x-source`` and the page's own samples (a response's
        ``examples``) left out: equal for the pages of one API in two languages, and for a page
        and the doc source it is rendered from."""
        return render({name: _without_sources({k: v for k, v in s.items() if k != "examples"}) for name, s in sorted(self.schemas.items())})


def derive_page(path: str, overlay: Overlay) -> DerivedPage:
    """Parse and build one page; raises PageError naming the page (as the user spelled it, or
    relative to the working directory) and line. The schemas name it by :func:`display_path`."""
    shown = shown_path(path)
    page = dataclasses.replace(parse_page(path, shown), path=display_path(path))
    try:
        return derive_model(page, overlay)
    except PageError as exc:
        raise PageError(shown, exc.line, exc.message) from None


def derive_model(page: Page, overlay: Overlay) -> DerivedPage:
    """The schema files of a page model, however it was read."""
    return DerivedPage(page, {
        page.api + SUFFIXES["request"]: build_request_schema(page, overlay),
        page.api + SUFFIXES["response"]: build_response_schema(page, overlay),
        page.api + SUFFIXES["strict"]: build_response_schema(page, overlay, strict=True),
    })


def read_sources(paths: list[str], on_error: Callable[[PageError], None]) -> SourceTree:
    """The doc sources under ``paths``, parsed. Annotations name a file relative to the root of the
    repository it is in (as :func:`display_path`), else to the folder given that holds it."""
    files: list[str] = []
    roots: dict[str, str] = {}
    for raw in paths:
        for file in source_files([raw], on_error):
            files.append(file)
            roots[file] = raw

    def label(file: str) -> str:
        p = Path(file).resolve()
        if _repository_root(str(p.parent)) is not None or not Path(roots[file]).is_dir():
            return display_path(file)
        return p.relative_to(Path(roots[file]).resolve()).as_posix()

    return SourceTree(files, shown_path, label, on_error)


def derive_sources(tree: SourceTree, overlay: Overlay) -> Iterator[tuple[DocFile, DerivedPage | PageError]]:
    """Each API of the doc sources with its schemas, or the one-line error that says why it has
    none (an error of ours on one API included: the others are still derived)."""
    for api in tree.apis():
        try:
            yield api, derive_source(api, tree, overlay)
        except PageError as exc:
            yield api, exc
        except Exception as exc:  # noqa: BLE001
            yield api, internal_error(api.shown, exc)


def derive_source(api: DocFile, tree: SourceTree, overlay: Overlay) -> DerivedPage:
    return derive_model(page_of(api, tree), overlay)


def shown_path(path: str | Path) -> str:
    """A path as messages name it: relative to the working directory when inside it, else as given."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


@dataclass
class Apis:
    """The APIs derived so far: one page per API and language (a doc source counts as a language
    of its own); the pages of one API in two languages, and a page and its doc source, must derive
    the same schemas but for ``x-source`` and samples. Keeps a digest per page, not its schemas,
    so that a folder of any size takes the same memory."""

    seen: dict[str, dict[str, tuple[str, Callable[[], DerivedPage], bytes]]] = field(default_factory=dict)  # api -> language -> (shown, again, digest)

    def claim(self, derived: DerivedPage, shown: str, again: Callable[[], DerivedPage]) -> tuple[bool, str | None]:
        """(first page of its API, the problem with it or None); ``shown``: the page's file as
        messages name it; ``again``: derives it once more (to name a difference with a later page)."""
        page = derived.page
        by_language = self.seen.setdefault(page.api, {})
        if page.language in by_language:
            return False, f"describes {page.api}, as {by_language[page.language][0]} does (one page per API and language)"
        neutral = derived.neutral
        digest = hashlib.sha256(neutral).digest()
        first = not by_language
        for language, (other, other_again, other_digest) in by_language.items():
            if other_digest != digest:
                return first, (f"describes {page.api} otherwise than {other} ({language}) does: "
                               f"{_difference(neutral, other_again().neutral)}")
        by_language[page.language] = (shown, again, digest)
        return first, None


def _difference(a: bytes, b: bytes) -> str:
    """The first line where two renderings differ."""
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if x != y:
            return f"{x.decode().strip()[:80]} against {y.decode().strip()[:80]}"
    return "one has more than the other"


def _without_sources(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_sources(v) for k, v in node.items() if k != SOURCE}
    if isinstance(node, list):
        return [_without_sources(v) for v in node]
    return node


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
