"""A schemas folder is bounded, whatever it holds: a pattern that backtracks for ever, a ``$ref``
loop, a schema nested 100 000 deep, $defs that refer to each other in every order. Each unusable
file is one line naming it, the folder's other files load and check, and the explanations of a
rejected body match patterns as the native verdict does (ECMA 262, in bounded time)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import jsonschema_rs
import pytest

from conftest import ROOT
from test_validate import RECORDINGS, exe
from zstack_contract.contract import load_contracts
from zstack_contract.contract.patterns import bounded_validator
from zstack_contract.contract.schema_bounds import MAX_DEPTH, schema_problem
from zstack_contract.errors import InputError

CATASTROPHIC = "^(a|a)*$"  # Python's re takes 2^n steps on "a" * n + "b"
SLOW_NAME = "a" * 60 + "b"


def response(api: str, **schema) -> dict:
    """A response schema of an API, as a folder holds it."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "x-zstack": {"api": api}, "type": "object", **schema}


def mutual_defs(n: int) -> dict:
    """``n`` tables, each with a property referring to every table: n! paths through them."""
    return {f"t{i}": {"type": "object", "properties": {f"p{j}": {"$ref": f"#/$defs/t{j}"} for j in range(n)}} for i in range(n)}


HOSTILE = {
    # API: (response schema, a body of it, the one line's words; None: usable)
    "Pattern": (response("Pattern", properties={"name": {"type": "string", "pattern": CATASTROPHIC}}), {"name": SLOW_NAME}, None),
    "PatternNames": (response("PatternNames", patternProperties={CATASTROPHIC: {"type": "integer"}}, additionalProperties=False),
                     {SLOW_NAME: 1}, None),
    "RefLoop": (response("RefLoop", properties={"inventory": {"$ref": "#/$defs/a"}}, **{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}),
                {"inventory": {}}, "unusable schema: $ref loop: #/$defs/a -> #/$defs/b -> #/$defs/a"),
    "AllOfLoop": (response("AllOfLoop", allOf=[{"$ref": "#"}]), {}, "unusable schema: $ref loop: # -> #/allOf/0 -> #"),
    "Dangling": (response("Dangling", properties={"x": {"$ref": "#/$defs/gone"}}), {}, "unusable schema: #/properties/x: $ref '#/$defs/gone' names no schema"),
    "Remote": (response("Remote", properties={"x": {"$ref": "http://127.0.0.1:9/x.json"}}), {},
               "unusable schema: #/properties/x: $ref 'http://127.0.0.1:9/x.json' names no schema of this file (only local references are read)"),
    "BadPattern": (response("BadPattern", properties={"x": {"type": "string", "pattern": "(a"}}), {},
                   "unusable schema: #/properties/x: pattern '(a': not a regular expression jsonschema-rs accepts (ECMA 262)"),
    "Unevaluated": (response("Unevaluated", patternProperties={"^x": {}}, unevaluatedProperties=False), {},
                    "unusable schema: unevaluatedProperties beside patternProperties is not supported"),
    "Nested": (response("Nested", properties={"x": json.loads('{"items": ' * 80 + "{}" + "}" * 80)}), {},
               f"unusable schema: a schema nested more than {MAX_DEPTH} levels deep"),
    "Dialect": (response("Dialect", properties={"x": {"$schema": "https://json-schema.org/draft/2020-12/schema", "pattern": "^a$"}}), {},
                "unusable schema: #/properties/x: a $schema below the top is not supported"),
    "Factorial": (response("Factorial", properties={"inventory": {"$ref": "#/$defs/t0"}}, **{"$defs": mutual_defs(9)}), {"inventory": {}},
                  "unusable schema: more than 10000 documented places: $defs that refer to each other in too many ways"),
}
DEEP = '{"type": "object", "properties": {"x": ' * 50_000 + "{}" + "}}" * 50_000  # 100 000 levels


@pytest.fixture
def folder(tmp_path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    for api, (schema, _, _) in HOSTILE.items():
        (schemas / f"{api}.response.json").write_text(json.dumps(schema))
    (schemas / "Deep.response.json").write_text(DEEP)
    return schemas


def test_validate_with_a_hostile_schemas_folder_ends_names_each_unusable_file_and_checks_the_rest(tmp_path, folder):
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    for api, (_, body, _) in HOSTILE.items():
        (bodies / f"{api}.1.json").write_text(json.dumps(body))
    r = subprocess.run([exe("zstack-contract"), "validate", str(bodies), str(RECORDINGS), "--schemas", str(folder), "--jobs", "1",
                        "--report", str(tmp_path / "rep"), "--junit", str(tmp_path / "junit.xml")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)  # a hang would take for ever, not minutes
    assert r.returncode == 1, r.stdout + r.stderr  # new violations are the worst outcome; the unusable files are listed too
    assert "Traceback" not in r.stdout + r.stderr and "internal error" not in r.stderr
    lines = r.stderr.splitlines()
    expected = {f"{folder}/{api}.response.json: {words}" for api, (_, _, words) in HOSTILE.items() if words}
    expected.add(f"{folder}/Deep.response.json: JSON nested more than 201 levels deep")
    for words in expected:
        assert sum(line.startswith(f"zstack-contract: error: {words}") for line in lines) == 1, (words, lines)
    # the usable APIs are checked: the patterns as the native validator matches them, the recordings
    assert f"{bodies}/Pattern.1.json: /name: expected a string matching {CATASTROPHIC}, found" in r.stdout
    assert f"{bodies}/PatternNames.1.json: /: expected only documented fields, found" in r.stdout
    doc = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert doc["summary"]["inputErrors"] == len(lines) and {"Pattern", "PatternNames", "ReimageVmInstance"} <= set(doc["coverage"])
    assert {e["file"] for e in doc["inputErrors"]} >= {f"{folder}/{api}.response.json" for api in ("RefLoop", "Deep", "Factorial")}
    assert ElementTree.parse(tmp_path / "junit.xml").getroot().get("errors") == str(len(lines))


def test_each_bound_is_one_error_naming_the_file_and_the_first_stops_a_load_without_a_list(folder):
    unusable: list[InputError] = []
    contracts = load_contracts(folder, unusable=unusable)
    assert sorted(c.api for c in contracts) == ["Pattern", "PatternNames", "ReimageVmInstance"]
    assert sorted(Path(e.path).name for e in unusable) == sorted(f"{api}.response.json" for api, (_, _, words) in [*HOSTILE.items(), ("Deep", (0, 0, 1))] if words)
    with pytest.raises(InputError, match=r"AllOfLoop\.response\.json: unusable schema: \$ref loop"):
        load_contracts(folder)  # the first, in name order


@pytest.mark.parametrize("pattern, text", [
    (r"^\d+$", "١٢٣"),  # Arabic-Indic digits: a digit to Python, not to ECMA 262
    (r"^\w+$", "é"),
    (r"^a$", "a\n"),  # Python's $ also matches before a final newline
    (r"^\p{L}+$", "é"),  # ECMA 262 only: Python's re refuses the pattern
    (r"^\cJ$", "\n"),
    (CATASTROPHIC, SLOW_NAME),
    (CATASTROPHIC, "aaaa"),
])
def test_explanations_match_patterns_as_the_native_verdict_does(pattern, text):
    """A string the native validator finds matching or not, the explanation finds so too: by
    ``pattern``, and by ``patternProperties`` (a name it matches must hold an integer, any other
    name a boolean: ``additionalProperties``)."""
    schema = {"type": "object", "properties": {"s": {"pattern": pattern},
                                               "names": {"patternProperties": {pattern: {"type": "integer"}}, "additionalProperties": {"type": "boolean"}}}}
    matches = jsonschema_rs.Draft202012Validator({"pattern": pattern}).is_valid(text)
    explained = [(list(e.absolute_path), e.validator, e.validator_value) for e in bounded_validator(schema).iter_errors({"s": text, "names": {text: "x"}})]
    assert explained == [(["s"], "pattern", pattern)] * (not matches) + [(["names", text], "type", "integer" if matches else "boolean")]


def test_a_tree_of_tables_is_fine_and_a_loop_is_named():
    tree = {"$ref": "#/$defs/e", "$defs": {"e": {"type": "object", "properties": {"cause": {"$ref": "#/$defs/e"}, "causes": {"items": {"$ref": "#/$defs/e"}}}}}}
    assert schema_problem(tree) is None
    assert schema_problem({"$defs": {"a": {"type": "object", "$ref": "#/$defs/a"}}}) == \
        "$ref loop: #/$defs/a -> #/$defs/a (a schema that applies itself to the same value never ends)"
    assert schema_problem({"$defs": {"a": {"$anchor": "x", "not": {"$ref": "#x"}}}}).startswith("$ref loop: #/$defs/a -> #/$defs/a/not -> #/$defs/a")
    assert schema_problem({"examples": [{"$ref": "#/nowhere"}], "const": {"pattern": "("}}) is None  # values, not schemas
