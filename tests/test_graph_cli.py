"""``zstack-contract graph``: the resource graph of the contract every command would choose, as text
(a block a family, then the parameters naming a type no query lists), JSON (deterministic bytes),
a Mermaid flowchart, or one family; an unknown family or an unusable contract is exit 2 with one
line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import HANG, ROOT
from zstack_contract.cli import main
from zstack_contract.contract.loading import load_contracts

NEWEST = "5.3.0"


def cli(capsys, *args) -> tuple[int, str, str]:
    """``zstack-contract ARGS`` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_text_is_a_block_a_family_then_the_parameters_no_query_lists(capsys):
    rc, out, err = cli(capsys, "graph", "--release", NEWEST)
    assert (rc, err) == (0, "")
    blocks = out.split("\n\n")
    vm = next(b for b in blocks if b.startswith("VmInstance (vm-instances)\n")).splitlines()
    graph = load_contracts(release=NEWEST).graph
    family = graph.family("VmInstance")
    assert vm[1:] == [f"  creates:  {', '.join(family.creates)}", "  query:    QueryVmInstance", f"  reads:    {', '.join(family.reads)}",
                      f"  actions:  {', '.join(family.actions)}", f"  deletes:  {', '.join(family.deletes)}"]
    assert "Session (-)\n  creates:\n  query:\n" in out  # no query lists it: no collection
    assert len(blocks) == len(graph.families) + 1
    tail = blocks[-1].splitlines()
    assert tail[0] == "parameters that name a type no query lists:"
    assert "  CreateVmInstance.tagUuids: TagPattern" in tail and "  LogOut.sessionUuid: Session" in tail
    assert not any(line.endswith(": VmInstance") for line in tail)


def test_the_contract_is_the_one_every_command_chooses(capsys, monkeypatch, api_schemas):
    monkeypatch.delenv("ZSTACK_RELEASE", raising=False)
    monkeypatch.setenv("ZSTACK_SCHEMAS", str(api_schemas))
    rc, out, err = cli(capsys, "graph", "--family", "VmInstance", "--json")
    assert (rc, err) == (0, "")
    assert json.loads(out)["families"] == [f for f in load_contracts(api_schemas).graph.to_json()["families"] if f["resource"] == "VmInstance"]
    rc, out, err = cli(capsys, "graph", "--schemas", api_schemas, "--release", NEWEST)
    assert (rc, out) == (2, "") and err == "zstack-contract: error: --release: give --schemas DIR or --release NAME, not both\n"


def test_the_json_is_the_graphs_and_the_same_bytes_each_time(capsys):
    rc, one, err = cli(capsys, "graph", "--release", NEWEST, "--json")
    assert (rc, err) == (0, "")
    assert cli(capsys, "graph", "--release", NEWEST, "--json")[1] == one
    assert json.loads(one) == load_contracts(release=NEWEST).graph.to_json()
    rc, out, _ = cli(capsys, "graph", "--release", NEWEST, "--json", "--family", "VmInstance")
    data = json.loads(out)
    assert [f["resource"] for f in data["families"]] == ["VmInstance"]
    assert data["parameters"] and {p["names"] for p in data["parameters"]} == {"VmInstance"}
    assert {"api": "GetVmsCapabilities", "parameter": "vmUuids", "names": "VmInstance", "in": "query", "required": True, "list": True,
            "lookedUp": False} in data["parameters"]


def test_the_mermaid_flowchart_of_one_family(capsys):
    rc, out, err = cli(capsys, "graph", "--release", NEWEST, "--mermaid", "--family", "VmInstance")
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["flowchart LR", '  t_VmInstance[("VmInstance<br/>vm-instances")]']
    assert '  subgraph creates["creates"]' in lines and "    a_CreateVmInstance[CreateVmInstance]" in lines
    assert "  creates --> t_VmInstance" in lines and "  t_VmInstance --- deletes" in lines
    assert '  n_Image(["Image"])' in lines and "  n_Image -. imageUuid .-> a_CreateVmInstance" in lines  # optional: dotted
    assert "  n_Volume -- volumeUuid --> a_CreateVmInstanceFromVolume" in lines  # required
    assert "    a_StopVmInstance[StopVmInstance]" in lines


def test_the_mermaid_flowchart_of_the_graph_links_what_a_create_needs(capsys):
    rc, out, err = cli(capsys, "graph", "--release", NEWEST, "--mermaid")
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    graph = load_contracts(release=NEWEST).graph
    assert lines[0] == "flowchart LR" and len([line for line in lines if line.startswith("  t_") and "[" in line]) == len(graph.families)
    assert "  t_Volume --> t_VmInstance" in lines and "  t_Image -.-> t_VmInstance" in lines
    assert "  t_VmInstance --> t_VmInstance" not in lines


@pytest.mark.parametrize("name, closest", [("VmInstnce", "VmInstance"), ("vminstance", "VmInstance, InstanceOffering"),
                                           ("Nothing-like-it", None)])
def test_an_unknown_family_is_one_line_naming_it_and_the_closest(capsys, name, closest):
    rc, out, err = cli(capsys, "graph", "--release", NEWEST, "--family", name)
    assert (rc, out) == (2, "")
    hint = f"closest: {closest}" if closest else "`zstack-contract graph` lists them"
    assert err == f"zstack-contract: error: --family {name}: no such family in the contract; {hint}\n"


def test_an_unusable_schema_file_is_one_line_and_the_others_are_shown(capsys, api_schemas, tmp_path):
    folder = tmp_path / "schemas"
    shutil.copytree(api_schemas, folder)
    (folder / "StopVmInstance.response.json").write_text("{not json", encoding="utf-8")
    rc, out, err = cli(capsys, "graph", "--schemas", folder)
    assert rc == 2
    assert err.count("\n") == 1 and "StopVmInstance.response.json" in err and "Traceback" not in err
    assert "VmInstance (vm-instances)" in out and "StopVmInstance" not in out
    rc, out, err = cli(capsys, "graph", "--schemas", tmp_path / "missing")
    assert (rc, out) == (2, "") and err.count("\n") == 1 and "missing" in err


def test_json_and_mermaid_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "--json", "--mermaid"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_command_as_a_process(capsys):
    r = subprocess.run([sys.executable, "-m", "zstack_contract.cli", "graph", "--release", NEWEST, "--family", "Volume"], check=False,
                       capture_output=True, text=True, cwd=ROOT, timeout=HANG)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == cli(capsys, "graph", "--release", NEWEST, "--family", "Volume")[1]
    assert r.stdout.startswith("Volume (volumes)\n  creates:  ") and "\nparameters that name Volume:\n" in r.stdout
