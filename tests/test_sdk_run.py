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


# -- --release: one call per API of a shipped release ------------------------------------------------

@pytest.fixture(scope="module")
def release_plan():
    """The 5.3.0 contract, a fresh simulator's state for it, and the calls built from both."""
    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.simulator.server import Simulator

    contracts = load_contracts(None, "5.3.0")
    state = Simulator(schemas=contracts).state
    return contracts, state, sdk_run.release_calls(contracts, state)


def test_release_calls_are_one_per_api_the_login_first_then_by_kind_in_a_fixed_order(release_plan):
    contracts, state, calls = release_plan
    assert len(calls) == len(contracts) == 561
    assert calls[0].api == "LogInByAccount" and calls[0].gives_session and calls[0].params["password"] == "@password"
    assert sorted(c.api for c in calls) == sorted(contracts.by_api)
    ranks = [sdk_run.KIND_ORDER.index(contracts.get(c.api).kind) for c in calls[1:]]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == len(sdk_run.KIND_ORDER) - 1  # reads first, removals last
    assert sdk_run.release_calls(contracts, state) == calls  # the same plan every time


def test_release_calls_fill_every_mandatory_field_and_path_variable_a_uuid_naming_what_exists(release_plan):
    import re

    contracts, state, calls = release_plan
    named = empty = 0
    for call in calls[1:]:
        contract = contracts.get(call.api)
        if contract.kind == "query":
            assert call.params == {"conditions": []}
            continue
        for p in contract.parameters:
            if p.required or p.where == "path":
                assert p.name in call.params, (call.api, p.name)
        assert set(re.findall(r"{(\w+)}", call.call)) <= set(call.params), call.api  # the SDK can build the URL
        template = contract.routes[0].template
        for name, value in call.params.items():
            collection = contracts.resources.of_param(name, template)
            if collection is None:
                continue
            for uuid in value if isinstance(value, list) else [value]:
                assert re.fullmatch(r"[0-9a-f]{32}", uuid), (call.api, name, uuid)
                if state.all(collection.name):
                    assert state.exists(collection.name, uuid), (call.api, name)
                    named += 1
                else:
                    empty += 1
    assert named > 300 and empty > 0
    stop = next(c for c in calls if c.api == "StopVmInstance")
    assert stop.params["uuid"] in state.vms
    attach = next(c for c in calls if c.api == "AttachL3NetworkToVm")
    assert attach.params["vmInstanceUuid"] in state.vms and state.exists("l3-networks", attach.params["l3NetworkUuid"])
    assert next(c for c in calls if c.api == "CreateVmInstance").params == {"name": "sdk-name"}  # 5.3.0: only the name is mandatory


def test_example_values_follow_the_schema():
    def uuid_of(name):
        return f"<{name}>"

    value = sdk_run.example_value
    assert value("type", {"type": "string", "enum": ["cold", "grace"]}, uuid_of) == "cold"  # a valid value
    assert value("vmUuids", {"type": "array", "items": {"type": "string"}}, uuid_of) == ["<vmUuids>"]
    assert value("hostUuid", {"type": ["null", "string"]}, uuid_of) == "<hostUuid>"
    assert value("cpuNum", {"type": "integer", "minimum": 2, "maximum": 8}, uuid_of) == 2
    assert value("port", {"type": "integer", "minimum": -5, "maximum": 0}, uuid_of) == 0
    assert value("enable", {"type": "boolean"}, uuid_of) is True
    assert value("name", {"type": "string", "maxLength": 5}, uuid_of) == "sdk-n"
    assert value("code", {"type": "string", "minLength": 12}, uuid_of) == "sdk-codexxxx"
    assert value("names", {"type": "array", "items": {"type": "string"}}, uuid_of) == ["sdk-names"]


def test_outcomes_are_compared_by_fields_code_or_sdk_error_without_the_target_address():
    outcome = sdk_run.outcome_of
    assert outcome({"outcome": "success", "fields": ["inventory"], "values": {"x": 1}}, "http://a") == ("success", ("inventory",))
    assert outcome({"outcome": "error", "code": "SYS.1003", "detail": "uuid 1"}, "u") == outcome({"outcome": "error", "code": "SYS.1003",
                                                                                                  "detail": "uuid 2"}, "u")
    direct = outcome({"outcome": "exception", "detail": "URLError: http://127.0.0.1:1/zstack refused"}, "http://127.0.0.1:1/zstack")
    proxied = outcome({"outcome": "exception", "detail": "URLError: http://127.0.0.1:2/zstack refused"}, "http://127.0.0.1:2/zstack")
    assert direct == proxied != outcome({"outcome": "exception", "detail": "KeyError: 'uuid'"}, "x")


def test_a_summary_is_clean_only_when_nothing_went_unchecked():
    clean = ("zstack-contract proxy: 561 exchange(s) checked, 46 new violation(s), 0 of no known API (0 path(s)), "
             "0 job(s) not followed to their end, 0 not checked; contract: 5.3.0: named")
    assert not sdk_run.summary_unchecked(clean)  # violations are findings, not unchecked exchanges
    assert sdk_run.summary_unchecked(clean.replace(" 0 not checked", " 2 not checked (2 too large to check)"))
    assert sdk_run.summary_unchecked(clean.replace("0 of no known API", "10 of no known API"))
    assert sdk_run.summary_unchecked(clean.replace("0 job(s)", "1 job(s)"))
    assert sdk_run.summary_unchecked(clean.replace("0 of no known API (0 path(s)), ", "0 of no known API (0 path(s)), 1 unusable, "))
    assert sdk_run.summary_unchecked("")
