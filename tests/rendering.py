"""Reference pages rendered from doc sources, as plain-text exports, in the layout ZStack's doc
generator gives them (Chinese) and its English rendering: for the tests that hold a page and its
doc source to the same schemas, and for the benchmark of a folder of a thousand pages.

Written for zstack-contract from the facts of the published pages' layout (headings, columns,
markers, the order of the tables), not from the generator's code. Samples are made up from the
schemas the page derives (the generator takes them from Java classes the doc sources do not have),
as the simulator makes up an answer it has no sample of: plausible values of each type, first
valid values, one item per list of a table. The doc's description stands after the title,
as written (tables and all); a table met again under another is shown again, as the generator does.

    python tests/rendering.py SOURCE_DIR OUT_DIR [--language zh|en|both]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from zstack_contract.derive.doc_sources import page_of
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.derive.page import Field, Page, Table
from zstack_contract.derive.schema_files import derive_model, read_sources
from zstack_contract.simulator.render import dates_of, plain
from zstack_contract.simulator.samples import make
from zstack_contract.derive.types import resolve_reference, structure_types


@dataclass(frozen=True)
class Words:
    request: str
    headers: str
    body: str
    body_note: str
    curl: str
    params: str
    queryable: str
    queryable_note: str
    response: str
    sample: str
    empty: str
    sdk: str
    request_columns: str
    data_columns: str
    optional: str  # the name cell's marker
    contained: str  # body (contained in the X structure)
    see: str  # a reference's description


ZH = Words("API请求", "Headers", "Body", "上述示例中systemTags、userTags字段可以省略。列出是为了表示body中可以包含这两个字段。", "Curl示例",
           "参数列表", "可查询字段", "运行zstack-cli命令行工具，输入{api}并按Tab键查看所有可查询字段以及可跨表查询的资源名。", "API返回", "返回示例",
           "该API成功时返回一个空的JSON结构{{}}，出错时返回的JSON结构包含一个error字段，例如：", "SDK示例",
           "| 名字 | 类型 | 位置 | 描述 | 可选值 | 起始版本 |", "| 名字 | 类型 | 描述 | 起始版本 |", " (可选)", "body(包含在`{x}`结构中)", "详情参考[{x}](#{x})")
EN = Words("API Request", "Headers", "Body", "Note: In the preceding sample, both systemTags and userTags are optional.", "Curl Sample",
           "Request Parameters", "Queryable Fields", "Run zstack-cli, type {api} and press Tab to see the queryable fields.", "API Response",
           "Response Sample", "When the API succeeded, an empty JSON structure {{}} is returned. When it failed, the JSON structure holds an error field:",
           "SDK Sample", "| Name | Type | Location | Description | Optional Value | Starting Version |",
           "| Name | Type | Description | Starting Version |", " (optional)", "body (contained in the {x} structure)", "See {x}.")
LANGUAGES = {"zh": ZH, "en": EN}
_SEE_ZH = re.compile(r"详情参考\[?([A-Za-z_][A-Za-z0-9_]*)\]?(?:\(#[^)]*\))?")


def render_page(page: Page, language: str, desc: str = "") -> str:
    """The plain-text page of a page model read from doc sources; ``desc``: the description of
    the API's doc (its ``desc``), shown as written after the title."""
    w = LANGUAGES[language]
    lines = [page.api] + [line.rstrip() for line in desc.strip().splitlines()] + [w.request, "URLs"]
    lines += [f"{e.method} zstack{e.path}" for e in page.endpoints]
    if page.headers:
        lines += [w.headers] + [f"{name}: {value}" for name, value, _ in page.headers]
    params = list(page.request.fields) if page.request else []
    body, response_sample = _samples(page)
    if body is not None:
        lines += [w.body, json.dumps(body, indent=2, ensure_ascii=False), w.body_note]
    lines += [w.curl, _curl(page, params, body)]
    if page.queryable_line is not None:
        lines += [w.queryable, w.queryable_note.format(api=page.api)]
    elif params:
        lines += [w.params, w.request_columns, "|---|---|---|---|---|---|"] + [_param_row(f, w) for f in params]
    lines.append(w.response)
    if page.response is None:
        lines += [w.empty.format(), json.dumps({"error": {"code": "SYS.1001", "description": "timeout"}}, indent=2)]
    else:
        lines += [w.sample, json.dumps(response_sample, indent=2, ensure_ascii=False) + _table(page.response, w)]  # '}| 名字 |': glued, as exports are
        for name in _shown_sections(page):
            lines += [f"#{name}", _table(page.sections[name], w)]
    lines += [w.sdk, "Java SDK", f"{page.api}Action action = new {page.api}Action();", f"{page.api}Action.Result res = action.call();"]
    return "\n".join(lines) + "\n"


def _shown_sections(page: Page) -> list[str]:
    """The sections in the order the generator shows them: each reference's table after the table
    that refers to it, depth first; a table met again is shown again (but never inside itself)."""
    types = structure_types(page)
    shown: list[str] = []

    def walk(table: Table, path: frozenset[str]) -> None:
        for f in table.fields:
            name = f.see() if f.see() in page.sections else resolve_reference(page, f, types).table  # an enum's table too
            if name in page.sections and name not in path:
                shown.append(name)
                walk(page.sections[name], path | {name})

    walk(page.response, frozenset())
    return shown + [name for name in page.sections if name not in shown]


def _see(field: Field, w: Words) -> str:
    """A data row's description in the page's language: a reference to a table said its way."""
    m = _SEE_ZH.search(field.description)
    if not m:
        return field.description
    return (field.description[: m.start()] + w.see.format(x=m.group(1))).strip()


def _table(table: Table, w: Words) -> str:
    rows = [w.data_columns, "|---|---|---|---|"] + [f"| {f.name} | {f.type} | {_see(f, w)} | {f.since or ''} |" for f in table.fields]
    return "\n".join(rows)


def _param_row(f: Field, w: Words) -> str:
    location = w.contained.format(x=f.container) if f.container else (f.location or "")
    values = "<ul>" + "".join(f"<li>{v}</li>" for v in f.valid_values) + "</ul>" if f.valid_values else ""
    return f"| {f.name}{w.optional if f.optional else ''} | {f.type} | {location} | {f.description} | {values} | {f.since or ''} |"


def _samples(page: Page) -> tuple[dict | None, dict]:
    """(request body, response) samples made up whole from the schemas the page derives (with the
    bundled overlay): every documented field, a plausible value of its type, its first valid value."""
    derived = derive_model(page, load_overlay()).schemas
    request, response = derived[page.api + ".request.json"], derived[page.api + ".response.json"]
    body = None
    if request.get("type") == "object":
        props = request.get("properties", {})
        body = {k: make(s, request, full=True, name=k) for k, s in props.items() if k not in ("systemTags", "userTags")}
        body.update({"systemTags": [], "userTags": []})
    props = response.get("properties", {})
    answer = {k: make(props[k], response, full=True, name=k) for k in response.get("x-zstack", {}).get("envelope", {}).get("success", ())[:1]}
    return body, plain(answer, dates_of(8))


def _curl(page: Page, params: list[Field], body: dict | None) -> str:
    e = page.endpoints[0]
    path = re.sub(r"{[^}]+}", "7a1f3c9e2b5d4e8f9a0b1c2d3e4f5a6b", e.path)
    if body is not None:
        sent = {k: v for k, v in body.items() if k not in ("systemTags", "userTags")}
        return f"curl -H \"Content-Type: application/json;charset=UTF-8\" -X {e.method} -d '{json.dumps(sent, ensure_ascii=False)}' http://localhost:8080/zstack{path}"
    return f"curl -H \"Content-Type: application/json;charset=UTF-8\" -X {e.method} http://localhost:8080/zstack{path}"


def render_tree(source: str, out: Path, languages: tuple[str, ...] = ("zh", "en")) -> list[Path]:
    """Every API of the doc sources under ``source`` rendered into ``out/<language>/<Api>.txt``."""
    errors: list = []
    tree = read_sources([source], errors.append)
    written = []
    for api in tree.apis():
        try:
            page = page_of(api, tree)
        except Exception:  # noqa: BLE001  (an API with no page: derive --source names it)
            continue
        desc = next((s.args[0] for s in api.doc.block or () if s.name == "desc" and s.args and isinstance(s.args[0], str)), "")
        for language in languages:
            target = out / language / f"{page.api}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_page(page, language, desc), encoding="utf-8")
            written.append(target)
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--language", choices=("zh", "en", "both"), default="both")
    args = ap.parse_args()
    languages = ("zh", "en") if args.language == "both" else (args.language,)
    written = render_tree(args.source, Path(args.out), languages)
    print(f"{len(written)} pages written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
