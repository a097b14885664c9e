"""The routing rule (contract.routes): which API a node hands a request to, and when the checks
hold the request to it. One table of cases; the checks, the proxy and the simulator all use it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts.urls import job_of, job_path
from zstack_contract.contract.routes import (
    METHOD_NOT_ALLOWED,
    NO_ACTION,
    NO_API_FOR_METHOD,
    NO_BODY,
    NO_MAPPING,
    Route,
    Router,
    path_params,
)

# API -> (action key, routes), as pages give them (the facts of 5.3.0's pages, names shortened).
APIS = {
    "QueryVmInstance": ("queryVmInstance", [("GET", "/v1/vm-instances"), ("GET", "/v1/vm-instances/{uuid}")]),
    "DestroyVmInstance": ("destroyVmInstance", [("DELETE", "/v1/vm-instances/{uuid}")]),
    "UpdateVmInstance": ("updateVmInstance", [("PUT", "/v1/vm-instances/{uuid}/actions")]),
    "StopVmInstance": ("stopVmInstance", [("PUT", "/v1/vm-instances/{uuid}/actions")]),
    "ReimageVmInstance": ("reimageVmInstance", [("PUT", "/v1/vm-instances/{vmInstanceUuid}/actions")]),
    "GetVmsCapabilities": ("getVmsCapabilities", [("GET", "/v1/vm-instances/capabilities")]),
    "AddKVMHost": ("addKVMHost", [("POST", "/v1/hosts/kvm")]),
    "QueryHost": ("queryHost", [("GET", "/v1/hosts"), ("GET", "/v1/hosts/{uuid}")]),
    "GetTag": ("getTag", [("GET", "/v1/{resourceType}/{uuid}/tags")]),
    "QueryVmNic": ("queryVmNic", [("GET", "/v1/vm-instances/{uuid}/tags")]),
    "LogInByAccount": ("logInByAccount", [("PUT", "/v1/accounts/login")]),
}


def router(only=None) -> Router[str]:
    names = only or APIS
    return Router((n, APIS[n][0], [Route.from_template(m, t) for m, t in APIS[n][1]]) for n in names)


U = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
STOP = {"stopVmInstance": {}}
REIMAGE = {"reimageVmInstance": {}}

# method, url, body -> the API the node hands it to, whether the checks hold it to it, the refusal
CASES = [
    # 1. the path picks the entry: a static path before a template, fewest variables first
    ("GET", "/v1/vm-instances/capabilities", None, "GetVmsCapabilities", True, None),
    ("GET", f"/v1/vm-instances/{U}", None, "QueryVmInstance", True, None),
    ("GET", f"/v1/vm-instances/{U}/tags", None, "QueryVmNic", True, None),  # one variable before two
    ("GET", f"/v1/images/{U}/tags", None, "GetTag", True, None),
    ("GET", "http://mn:8080/zstack/v1/vm-instances?q=name=a", None, "QueryVmInstance", True, None),
    ("GET", f"/v1/vm-instances/{U}/", None, None, False, NO_MAPPING),  # exact: a trailing slash is no path
    ("GET", "/v1/volumes", None, None, False, NO_MAPPING),
    ("GET", f"/v1/vm-instances/{U}/extra/parts", None, None, False, NO_MAPPING),  # a variable is one segment
    # 2. a shared entry picks by method, PUT by the action key in the body
    ("PUT", f"/v1/vm-instances/{U}/actions", STOP, "StopVmInstance", True, None),
    ("PUT", f"/v1/vm-instances/{U}/actions", REIMAGE, "ReimageVmInstance", True, None),
    ("PUT", f"/v1/vm-instances/{U}/actions", {"startVmInstance": {}}, None, False, NO_ACTION),
    ("PUT", f"/v1/vm-instances/{U}/actions", None, None, False, NO_BODY),
    ("PUT", f"/v1/vm-instances/{U}/actions", [], None, False, NO_BODY),
    ("DELETE", f"/v1/vm-instances/{U}", None, "DestroyVmInstance", True, None),
    ("POST", f"/v1/vm-instances/{U}", None, None, False, NO_API_FOR_METHOD),
    ("GET", f"/v1/vm-instances/{U}/actions", None, None, False, NO_API_FOR_METHOD),
    ("PATCH", f"/v1/vm-instances/{U}", None, None, False, METHOD_NOT_ALLOWED),
    # an entry of one API takes every request; the checks only those that agree with it
    ("POST", "/v1/hosts/kvm", {"params": {}}, "AddKVMHost", True, None),
    ("GET", "/v1/hosts/kvm", None, "AddKVMHost", False, None),  # static before QueryHost's /v1/hosts/{uuid}
    ("PUT", "/v1/accounts/login", {"logInByAccount": {}}, "LogInByAccount", True, None),
    ("PUT", "/v1/accounts/login", {"logInByUser": {}}, "LogInByAccount", False, None),
    ("PUT", "/v1/accounts/login", None, "LogInByAccount", True, None),  # no JSON object: it names no key
    ("PUT", "/v1/accounts/login", {}, "LogInByAccount", False, None),  # an object without the key
    ("DELETE", "/v1/accounts/login", None, "LogInByAccount", False, None),
]


@pytest.mark.parametrize(("method", "url", "body", "api", "agrees", "refusal"), CASES)
def test_the_routing_rule(method, url, body, api, agrees, refusal):
    routed = router().route(method, url, body)
    assert (routed.api, routed.agrees, routed.refusal) == (api, agrees, refusal)
    assert routed.judged == (api if agrees else None)


def test_the_variables_are_named_by_the_chosen_apis_own_template():
    assert router().route("PUT", f"/v1/vm-instances/{U}/actions", REIMAGE).variables == {"vmInstanceUuid": U}
    assert router().route("PUT", f"/v1/vm-instances/{U}/actions", STOP).variables == {"uuid": U}


def test_an_action_key_no_known_api_has_is_no_known_api_even_on_a_path_of_one():
    """With only StopVmInstance known, a reimage is the node's StopVmInstance entry (it would
    answer 200 as Stop on a node that had only Stop) but the checks judge it by no API."""
    only_stop = router(["StopVmInstance"])
    routed = only_stop.route("PUT", f"/v1/vm-instances/{U}/actions", REIMAGE)
    assert routed.api == "StopVmInstance" and routed.judged is None
    assert only_stop.route("PUT", f"/v1/vm-instances/{U}/actions", STOP).judged == "StopVmInstance"
    assert only_stop.route("PUT", f"/v1/vm-instances/{U}/actions", None).judged == "StopVmInstance"  # no key to tell


def test_the_choice_does_not_depend_on_the_order_apis_were_given():
    names = list(APIS)
    for method, url, body, api, agrees, refusal in CASES:
        backwards = router(names[::-1]).route(method, url, body)
        assert (backwards.api, backwards.agrees, backwards.refusal) == (api, agrees, refusal), (method, url)


PARTS = st.sampled_from(["v1", "vm-instances", U, "actions", "", "capabilities", "tags", "hosts", "kvm", "zstack"])


def naive_entry(path: str) -> str | None:
    """The entry by the rule's words: the static path equal to the path, else of the templates
    matching it the one with the fewest variables, then the first shape by its text."""
    routes = [Route.from_template(m, t) for _key, rs in APIS.values() for m, t in rs]
    if any(r.shape == path for r in routes):
        return path
    hits = sorted({r.shape for r in routes if "{}" in r.shape and r.variables(path) is not None},
                  key=lambda s: (s.count("{}"), s))
    return hits[0] if hits else None


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["GET", "PUT", "get", "DELETE", "POST"]), parts=st.lists(PARTS, max_size=5),
       query=st.sampled_from(["", "?q=1", "?a/v1/b"]))
def test_the_route_table_finds_the_entry_the_rule_names(method, parts, query):
    url = "/" + "/".join(parts) + query
    routed = router().route(method, url, STOP)
    path = url.split("?", 1)[0]
    path = path[path.find("/v1/"):] if "/v1/" in path else path
    assert routed.entry == naive_entry(path) or (routed.refusal == NO_MAPPING and naive_entry(path) is None)


def test_path_params_take_the_first_route_of_the_method():
    routes = tuple(Route.from_template(m, t) for m, t in APIS["QueryVmInstance"][1])
    assert path_params(routes, "GET", f"http://mn/zstack/v1/vm-instances/{U}?x=1") == {"uuid": U}
    assert path_params(routes, "GET", "/v1/vm-instances") == {}
    assert path_params(routes, "DELETE", f"/v1/vm-instances/{U}") is None


def test_the_contracts_of_the_test_pages_are_named_by_their_own_routes(api_schemas):
    contracts = load_contracts(api_schemas)
    for contract in contracts:
        for route in contract.routes:
            path = "/zstack" + route.template.replace("{", "x").replace("}", "")
            found = contracts.match(route.method, f"http://mn:8080{path}", {contract.action_key: {}})
            assert found is contract, (contract.api, route.template)


def test_every_route_of_the_shipped_contract_routes_to_its_own_api():
    """The whole newest contract: each API's own request (its method, its action key) on each of
    its paths is judged by that API; a static path wins over the template it also matches."""
    contracts = load_contracts(release=None)
    for contract in contracts:
        for route in contract.routes:
            path = route.template.replace("{", "x").replace("}", "")
            body = {contract.action_key: {}} if route.method == "PUT" else None
            assert contracts.match(route.method, path, body) is contract, (contract.api, route.template)
    assert contracts.match("GET", f"/v1/vm-instances/{U}", None).api == "QueryVmInstance"


@pytest.mark.parametrize(("url", "job"), [
    (f"http://mn:8080/zstack/v1/api-jobs/{U}", U), (f"/v1/api-jobs/{U}", U), (f"/zstack/v1/api-jobs/{U}?x=1", U),
    (f"/v1/api-jobs/{U}/", None), (f"/v1/api-jobs/{U}/more", None), ("/v1/api-jobs/", None), (f"/v1/vm-instances/{U}", None),
    ("http://[::1/zstack/v1/api-jobs/x", None),  # a location that cannot be parsed names no job
])
def test_the_job_path_is_one_fact(url, job):
    """The job path every part reads (simulator, HAR, replay, proxy): exactly one segment after
    /v1/api-jobs/, as the node's pattern; and the path written from a job is read back to it."""
    assert job_of(url) == job
    assert job_of("http://mn:8080/zstack" + job_path(U)) == U
