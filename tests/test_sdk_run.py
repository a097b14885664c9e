"""The generator of ``benchmarks/sdk_run.py``: the action classes it appends to the ZStack tree's
``zssdk.py`` carry what our contract of the test pages says (route, method, session, polling,
parameter name, parameters), in the form ``testlib/.../PythonSdkGenerator.groovy`` writes them.
Needs a ZStack clone for the SDK's own file; skipped where there is none (CI has none)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import sdk_run

pytestmark = pytest.mark.skipif(not (Path(sdk_run.DEFAULT_GIT_DIR) / "HEAD").exists(),
                                reason=f"no ZStack clone at {sdk_run.DEFAULT_GIT_DIR}")


@pytest.fixture(scope="module")
def generated(page_schemas) -> tuple[str, dict[str, ast.ClassDef]]:
    """The SDK's own file at master, and the action classes appended to it, by name."""
    from zstack_contract.contract.loading import load_contracts

    base, commit = sdk_run.read_sdk(sdk_run.DEFAULT_GIT_DIR, "master")
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    module = sdk_run.sdk_module(base, load_contracts(page_schemas))
    assert module.startswith(base)
    tail = ast.parse(module[len(base):])  # the SDK is Python 2; what we append parses as both
    return base, {c.name: c for c in tail.body if isinstance(c, ast.ClassDef)}


def _attrs(cls: ast.ClassDef) -> dict:
    return {n.targets[0].id: n.value for n in cls.body if isinstance(n, ast.Assign)}


def _params(cls: ast.ClassDef) -> dict[str, dict]:
    """PARAMS: each field's ParamAnnotation keywords."""
    params = _attrs(cls)["PARAMS"]
    return {ast.literal_eval(k): {kw.arg: ast.literal_eval(kw.value) for kw in v.keywords} for k, v in zip(params.keys, params.values)}


def _fields(cls: ast.ClassDef) -> list[str]:
    init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    return [s.targets[0].attr for s in init.body if isinstance(s, ast.Assign)]


@pytest.mark.parametrize("api, base, method, path, session, poll, param_name", [
    ("StopVmInstance", "AbstractAction", "PUT", "/vm-instances/{uuid}/actions", True, True, "stopVmInstance"),  # an action: its key
    ("CreateVmInstance", "AbstractAction", "POST", "/vm-instances", True, True, "params"),  # a create: @RestRequest parameterName
    ("DestroyVmInstance", "AbstractAction", "DELETE", "/vm-instances/{uuid}", True, True, ""),  # the default parameterName
    ("GetVmBootOrder", "AbstractAction", "GET", "/vm-instances/{uuid}/boot-orders", True, False, ""),  # APISyncCallMessage
    ("QueryVmInstance", "QueryAction", "GET", "/vm-instances", True, False, ""),  # an APIQueryMessage, its path (not optionalPaths)
    ("LogInByAccount", "AbstractAction", "PUT", "/accounts/login", False, False, "logInByAccount"),  # @SuppressCredentialCheck
])
def test_each_action_class_has_the_route_method_and_parameter_name_of_the_contract(generated, api, base, method, path, session, poll,
                                                                                  param_name):
    cls = generated[1][f"{api}Action"]
    attrs = {k: ast.literal_eval(v) for k, v in _attrs(cls).items() if k != "PARAMS"}
    assert [b.id for b in cls.bases] == [base]
    assert attrs == {"HTTP_METHOD": method, "PATH": path, "NEED_SESSION": session, "NEED_POLL": poll, "PARAM_NAME": param_name}
    credentials = {"sessionId", "accessKeyId", "accessKeySecret"}
    assert credentials <= set(_params(cls)) if session else not credentials & set(_params(cls))
    assert _fields(cls) == list(_params(cls))  # __init__ sets every field to None, in PARAMS' order


def test_parameters_carry_required_valid_values_and_length_as_the_contract_says(generated):
    classes = generated[1]
    stop = _params(classes["StopVmInstanceAction"])
    assert stop["uuid"]["required"] is True  # the path's uuid is a field of the message
    assert stop["type"] == {"required": False, "valid_values": ["grace", "cold"], "non_empty": False, "null_elements": False,
                            "empty_string": True, "no_trim": False}
    assert stop["sessionId"] == {"required": False} and stop["requestIp"] == {"required": False}
    create = _params(classes["CreateVmInstanceAction"])
    assert [n for n, p in create.items() if p.get("required")] == ["name", "instanceOfferingUuid", "imageUuid", "l3NetworkUuids"]
    assert create["type"]["valid_values"] == ["UserVm", "ApplianceVm"]
    query = _params(classes["QueryVmInstanceAction"])  # APIQueryMessage's fields, not the query string's names
    assert query["conditions"]["required"] is True and query["sortDirection"]["valid_values"] == ["asc", "desc"]
    assert query["limit"] == {} and "q" not in query and "uuid" not in query


def test_every_api_of_the_pages_has_a_class_and_every_keyword_is_the_sdks(generated, page_schemas):
    from zstack_contract.contract.loading import load_contracts

    base, classes = generated
    assert sorted(classes) == sorted(f"{c.api}Action" for c in load_contracts(page_schemas))
    init = re.search(r"class ParamAnnotation\(object\):\s+def __init__\(\s*self,(.*?)\):", base, re.DOTALL)
    known = set(re.findall(r"(\w+)=", init.group(1)))
    used = {k for cls in classes.values() for p in _params(cls).values() for k in p}
    assert used and used <= known, used - known
