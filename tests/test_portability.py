"""The derived schemas give the same verdict in python-jsonschema, jsonschema-rs and check-jsonschema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import jsonschema_rs
import pytest

from mutations import MUTATIONS, server_shaped
from zstack_contract.derive.schemas import build_response_schema


@pytest.fixture(scope="module")
def schema(reimage_page, overlay):
    return build_response_schema(reimage_page, overlay)


def documents(page):
    sample = page.response_sample.value
    docs = {"sample": sample, "server-shaped": server_shaped(sample)}
    docs.update({m.name: m.body(sample) for m in MUTATIONS})
    nl = json.loads(json.dumps(sample))
    nl["inventory"]["uuid"] += "\n"  # a bare '$' would let Python accept this
    docs["uuid-trailing-newline"] = nl
    nl2 = json.loads(json.dumps(sample))
    nl2["inventory"]["createDate"] += "\n"
    docs["date-trailing-newline"] = nl2
    return docs


def test_python_and_rust_validators_agree(schema, reimage_page):
    py = jsonschema.Draft202012Validator(schema)
    rs = jsonschema_rs.validator_for(schema)
    verdicts = {name: (py.is_valid(doc), rs.is_valid(doc)) for name, doc in documents(reimage_page).items()}
    assert {n: v for n, v in verdicts.items() if v[0] != v[1]} == {}
    assert verdicts["sample"] == (True, True) and verdicts["uuid-trailing-newline"] == (False, False)


def test_check_jsonschema_agrees(schema, reimage_page, tmp_path):
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    if not Path(exe).exists():
        pytest.skip("check-jsonschema is not installed")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    py = jsonschema.Draft202012Validator(schema)
    files = {}
    for name, doc in documents(reimage_page).items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(doc))
    # One run over every file (start-up is most of its time); its JSON output names the rejected ones.
    r = subprocess.run([exe, "--schemafile", str(schema_file), "-o", "json", *map(str, files.values())], capture_output=True, text=True)
    out = json.loads(r.stdout)
    assert not out.get("parse_errors"), out["parse_errors"]
    rejected = {Path(e["filename"]).name for e in out["errors"]}
    assert r.returncode == (1 if rejected else 0)
    for name, doc in documents(reimage_page).items():
        assert (files[name].name not in rejected) == py.is_valid(doc), name
    assert rejected and len(rejected) < len(files)  # both verdicts were given
