"""``zstack-contract openapi [PAGE...] [--schemas DIR | --release NAME] [--out FILE] [--ref-base URL] [--overlay FILE]``.

An OpenAPI 3.1 document whose ``$ref`` s point into schema files, built from:

- PAGEs: derived again, and the schema files in ``--schemas DIR`` must be what they derive today
  (else exit 1, as ``derive --check``);
- ``--schemas DIR`` alone: the schema files there, as they are;
- a shipped release (``--release NAME``, default the newest): its ``$ref`` s point at
  ``--ref-base URL`` where its files are published, or into ``--schemas DIR`` holding them as
  ``zstack-contract contracts export`` writes them (checked, as with pages).

With neither PAGEs nor ``--schemas`` nor ``--release``, the contract is the environment's or the
project's ``[tool.zstack-contract]`` one, as every command's (:mod:`.contract_option`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..atomic import write_atomic
from ..contract.format import META, SUFFIXES, render
from ..derive.openapi import Api, build_document, ref_base
from ..derive.overlay import load_overlay
from ..derive.schema_files import Apis, derive_page, shown_path, stale_files
from ..errors import ContractError, OutputError, PageError
from ..facts.oneline import one_line
from . import fail
from .contract_option import DEFAULT, chosen
from .derive import overlay_problem, readable_pages

SETTINGS: dict[str, str] = {}  # the contract only (contract_option)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pages", nargs="*", metavar="PAGE", help="API reference page(s) whose schema files are in --schemas")
    p.add_argument("--schemas", metavar="DIR", help="the schema files the document refers to")
    p.add_argument("--release", metavar="NAME", help=f"the contract shipped for a ZStack release ({DEFAULT})")
    p.add_argument("--out", metavar="FILE", help="write the document here (default: stdout); $refs are relative to this file's folder")
    p.add_argument("--ref-base", metavar="URL", help="prefix every $ref with URL instead (e.g. where the schemas are published)")
    p.add_argument("--overlay", metavar="FILE", help="the overlay the schemas were derived with (default: the bundled overlay.toml)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out and args.out != "-" else None
    if out is not None and out.is_dir():
        fail(f"--out {args.out}: a folder; give the document's file name")
        return 2
    if overlay_problem(args.overlay):
        fail(overlay_problem(args.overlay))
        return 2
    if args.pages and args.release:
        fail("openapi: give PAGEs or --release, not both")
        return 2
    if not args.pages and args.schemas is None and args.release is None:
        try:
            args.schemas, args.release = chosen(args)
        except ContractError as exc:
            fail(str(exc))
            return 2
    if not args.schemas and not args.ref_base:
        fail("openapi: the document refers to schema files: give --schemas DIR where they are (for a shipped release, write them "
             "with `zstack-contract contracts export RELEASE --out DIR`), or --ref-base URL where they are published")
        return 2
    try:
        if args.pages:
            found = _from_pages(args)
        elif args.schemas and args.release is None:
            found = _from_schemas(Path(args.schemas))
        else:
            found = _from_release(args)
    except ContractError as exc:
        fail(str(exc))
        return 2
    if isinstance(found, int):
        return found
    if args.ref_base:
        base = args.ref_base if args.ref_base.endswith("/") else args.ref_base + "/"
    else:
        base = ref_base(Path(args.schemas), out.parent if out else Path.cwd())
    data = render(build_document(found, base))
    if out is None:
        sys.stdout.write(data.decode("ascii"))
        return 0
    try:
        write_atomic(out, data)
    except OutputError as exc:
        fail(f"--out {exc}")
        return 2
    print(one_line(str(out)))
    return 0


def _from_pages(args: argparse.Namespace) -> list[Api] | int:
    """The APIs of the pages, when the schema files in --schemas are what they derive (else exit 1 or 2)."""
    overlay = load_overlay(args.overlay)
    bad: list[PageError] = []
    files: dict[str, bytes] = {}
    chosen = []
    claims = Apis()
    for path in readable_pages(args.pages, bad.append):
        try:
            derived = derive_page(path, overlay)
        except PageError as exc:
            bad.append(exc)
            continue
        first, problem = claims.claim(derived, shown_path(path), lambda path=path: derive_page(path, overlay))
        if problem:
            bad.append(PageError(derived.page.path, derived.page.api_line, problem))
        elif first:  # the first page of each API, as derive writes it
            chosen.append(derived)
            files.update(derived.files)
    for exc in bad:
        fail(str(exc))
    if bad:
        return 2
    if args.schemas and _stale(Path(args.schemas), files, f"zstack-contract derive {' '.join(args.pages)} --out {args.schemas}"):
        return 1
    return [api_of(d.schemas[d.page.api + SUFFIXES["response"]], d.schemas[d.page.api + SUFFIXES["request"]]) for d in chosen]


def _from_schemas(folder: Path) -> list[Api]:
    from ..contract.loading import load_contracts

    return [api_of(c.response, c.request or {"type": "null"}) for c in load_contracts(folder)]


def _from_release(args: argparse.Namespace) -> list[Api] | int:
    from ..contract.releases import load_release

    bundle = load_release(args.release)
    if args.schemas and _stale(Path(args.schemas), bundle.files(), f"zstack-contract contracts export {bundle.release} --out {args.schemas}"):
        return 1
    return [api_of(s["response"], s.get("request") or {"type": "null"}) for s in bundle.apis.values()]


def _stale(folder: Path, files: dict[str, bytes], again: str) -> bool:
    problems = stale_files(folder, files)
    for path, why in problems:
        print(one_line(f"{path}: {why}; run: {again}"), file=sys.stderr)
    return bool(problems)


def api_of(response: dict, request: dict) -> Api:
    """What the document needs of one API, from the annotations of its schemas."""
    from ..contract.format import page_of

    meta = response.get(META, {})
    return Api(name=meta["api"], action_key=meta.get("actionKey", ""), page=page_of(response),
               endpoints=tuple((e["method"], e["path"]) for e in meta.get("endpoints", ())),
               authorized=meta.get("authorized", True), request=request, **envelope_of(response))


def envelope_of(response: dict) -> dict[str, tuple[str, ...]]:
    """The success and error fields the derived response schema's envelope names."""
    envelope = response.get(META, {}).get("envelope", {})
    return {"success": tuple(envelope.get("success", ())), "errors": tuple(envelope.get("error", ("error",)))}
