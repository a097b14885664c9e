"""``zstack-contract openapi [PAGE...] [--schemas DIR] [--out FILE] [--ref-base URL] [--overlay FILE]``.

The pages give each API's endpoints and whether it needs the Authorization header; the document
references the schema files in DIR, so those must be what the pages derive today (else exit 1,
as ``derive --check``). Without PAGE, the pages the schemas in DIR name (their ``x-source``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..atomic import write_atomic
from ..contract.format import META, SUFFIXES, page_of, render
from ..contract.loading import project_schemas_dir
from ..derive.openapi import Api, build_document, ref_base
from ..derive.overlay import load_overlay
from ..derive.schema_files import Apis, derive_page, shown_path, stale_files
from ..errors import ContractError, InputError, OutputError, PageError
from ..facts.oneline import one_line, quoted
from ..inputs.files import special_file
from ..inputs.json_reader import read_json
from ..inputs.recordings import read_bytes
from . import fail
from .derive import overlay_problem, readable_pages


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pages", nargs="*", metavar="PAGE", help="API reference page(s) (default: the pages the schemas in --schemas name)")
    p.add_argument("--schemas", metavar="DIR", help="the derived schemas the document refers to (default: ./schemas, else the project's schemas/)")
    p.add_argument("--out", metavar="FILE", help="write the document here (default: stdout); $refs are relative to this file's folder")
    p.add_argument("--ref-base", metavar="URL", help="prefix every $ref with URL instead (e.g. where the schemas are published)")
    p.add_argument("--overlay", metavar="FILE", help="the overlay the schemas were derived with (default: the bundled overlay.toml)")


def run(args: argparse.Namespace) -> int:
    schemas = Path(args.schemas) if args.schemas else project_schemas_dir()
    out = Path(args.out) if args.out and args.out != "-" else None
    if out is not None and out.is_dir():
        fail(f"--out {args.out}: a folder; give the document's file name")
        return 2
    if overlay_problem(args.overlay):
        fail(overlay_problem(args.overlay))
        return 2
    try:
        overlay = load_overlay(args.overlay)
        pages = args.pages or pages_named_by(schemas)
    except ContractError as exc:
        fail(str(exc))
        return 2
    bad: list[PageError] = []
    files: dict[str, bytes] = {}
    chosen = []
    claims = Apis()
    for path in readable_pages(pages, bad.append):
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
    problems = stale_files(schemas, files)
    for path, why in problems:
        print(one_line(f"{path}: {why}; run: zstack-contract derive {' '.join(pages)} --out {schemas}"), file=sys.stderr)
    if problems:
        return 1

    apis = [
        Api(
            name=d.page.api, action_key=d.page.action_key, page=d.page.path,
            endpoints=tuple((e.method, e.path) for e in d.page.endpoints),
            authorized=any(name.lower() == "authorization" for name, _value, _line in d.page.headers),
            request=d.schemas[d.page.api + SUFFIXES["request"]],
            **envelope_of(d.schemas[d.page.api + SUFFIXES["response"]]),
        )
        for d in chosen
    ]
    if args.ref_base:
        base = args.ref_base if args.ref_base.endswith("/") else args.ref_base + "/"
    else:
        base = ref_base(schemas, out.parent if out else Path.cwd())
    data = render(build_document(apis, base))
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


def envelope_of(response: dict) -> dict[str, tuple[str, ...]]:
    """The success and error fields the derived response schema's envelope names."""
    envelope = response.get(META, {}).get("envelope", {})
    return {"success": tuple(envelope.get("success", ())), "errors": tuple(envelope.get("error", ("error",)))}


def pages_named_by(schemas: Path) -> list[str]:
    """The page each ``*.response.json`` in the folder was derived from, as derive recorded it."""
    if not schemas.is_dir():
        raise InputError(str(schemas), "schemas folder does not exist (derive it with `zstack-contract derive PAGE --out DIR`)")
    pages = []
    for f in sorted(schemas.glob("*" + SUFFIXES["response"])):
        if special_file(str(f)):
            raise InputError(str(f), special_file(str(f)))
        doc = read_json(read_bytes(f, str(f)), str(f))  # unreadable: that error
        try:
            page = page_of(doc)
        except (KeyError, TypeError, AttributeError):
            page = ""
        if not page:
            raise InputError(str(f), "names no page (x-source); pass the pages as arguments")
        if not Path(page).is_file():
            raise InputError(str(f), f"names page {quoted(page)}, which is not here; pass the pages as arguments (or run from where you derived)")
        pages.append(page)
    if not pages:
        raise InputError(str(schemas), "no *.response.json schemas in this folder")
    return pages
