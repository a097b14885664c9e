"""One side of a diff, read into a ContractSet: a shipped release (its name, ``5.3.0``), or a folder
(one of that name wins over the release), told apart by what it holds: schema files
(``*.response.json``, as ``derive`` writes them), else ZStack doc sources (``*Doc_zh_cn.groovy``,
anywhere under it), else pages (``*.txt``). Pages and doc sources are derived in memory, as
``derive`` would, with the bundled overlay.

A side that cannot be used at all is an InputError (one line); an input of a usable side that
cannot be used (a page, a doc source, a schema file) is one line to ``on_error``, and the side
goes on without it. ``step()``, when given, is called after each page or doc source a folder's
side is derived from (a command's progress line counts them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..contract.compiled import ContractSet
from ..contract.format import SUFFIXES
from ..contract.loading import contracts_from, load_contracts
from ..contract.releases import find_release
from ..derive.overlay import load_overlay
from ..derive.schema_files import (
    Apis,
    DerivedPage,
    derive_page,
    derive_source,
    derive_sources,
    page_files,
    read_sources,
    shown_path,
)
from ..derive.source_tree import DOC_SUFFIX
from ..errors import ContractError, InputError, PageError, internal_error
from ..inputs.files import files_in, special_file

_VARIANTS = {SUFFIXES["strict"]: "strict", SUFFIXES["response"]: "response", SUFFIXES["request"]: "request"}


@dataclass(frozen=True)
class Side:
    label: str  # how reports name it: "release 5.3.0", or the folder as given
    contracts: ContractSet


def read_side(given: str, on_error: Callable[[ContractError], None], step: Callable[[], None] | None = None) -> Side:
    path = Path(given)
    if path.is_dir():
        return Side(given, _folder(given, on_error, step or _nothing))
    if path.exists() or "/" in given or "\\" in given:
        raise InputError(given, "not a folder of schema files, pages or doc sources, nor a shipped release")
    release = find_release(given)  # InputError listing the releases when there is none such
    return Side(f"release {release.name}", load_contracts(release=release.name))


def _nothing() -> None:
    pass


def _folder(folder: str, on_error: Callable[[ContractError], None], step: Callable[[], None]) -> ContractSet:
    if any(Path(folder).glob("*" + SUFFIXES["response"])):
        unusable: list[InputError] = []
        contracts = load_contracts(folder, unusable=unusable)
        for exc in unusable:
            on_error(exc)
        return contracts
    if next(files_in(folder, lambda name: name.endswith(DOC_SUFFIX)), None) is not None:
        return _derived(_sources(folder, on_error, step), folder)
    if next(files_in(folder, lambda name: name.lower().endswith(".txt")), None) is not None:
        return _derived(_pages(folder, on_error, step), folder)
    raise InputError(folder, f"holds no schema files (*{SUFFIXES['response']}), doc sources (*{DOC_SUFFIX}) nor pages (*.txt)")


def _derived(found: dict[str, DerivedPage], folder: str) -> ContractSet:
    if not found:
        raise InputError(folder, "no API of this folder could be derived")
    apis = {api: {_variant(name): schema for name, schema in d.schemas.items()} for api, d in found.items()}
    return contracts_from(apis)


def _variant(file: str) -> str:
    return next(v for suffix, v in _VARIANTS.items() if file.endswith(suffix))


def _sources(folder: str, on_error: Callable[[ContractError], None], step: Callable[[], None]) -> dict[str, DerivedPage]:
    overlay = load_overlay()
    tree = read_sources([folder], on_error)
    claims = Apis()
    found: dict[str, DerivedPage] = {}
    for api, result in derive_sources(tree, overlay):
        step()
        if isinstance(result, PageError):
            on_error(result)
            continue
        _take(found, claims, result, api.shown, lambda api=api: derive_source(api, tree, overlay), on_error)
    return found


def _pages(folder: str, on_error: Callable[[ContractError], None], step: Callable[[], None]) -> dict[str, DerivedPage]:
    overlay = load_overlay()
    claims = Apis()
    found: dict[str, DerivedPage] = {}
    for path in page_files([folder], on_error):
        step()
        shown = shown_path(path)
        problem = special_file(path)
        if problem:
            on_error(PageError(shown, None, problem))
            continue
        try:
            derived = derive_page(path, overlay)
        except PageError as exc:
            on_error(exc)
            continue
        except Exception as exc:  # noqa: BLE001  (a fault of ours on one page: one line, and the rest are read)
            on_error(internal_error(shown, exc))
            continue
        _take(found, claims, derived, shown, lambda path=path: derive_page(path, overlay), on_error)
    return found


def _take(found: dict[str, DerivedPage], claims: Apis, derived: DerivedPage, shown: str, again: Callable[[], DerivedPage],
          on_error: Callable[[ContractError], None]) -> None:
    """The first page (or doc source) of an API is its side's; another must agree with it, as derive holds them."""
    first, problem = claims.claim(derived, shown, again)
    if problem:
        on_error(PageError(shown, derived.page.api_line, problem))
    elif first:
        found[derived.page.api] = derived
