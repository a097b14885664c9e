"""Naming the API of a request: the route index gives what trying every route of every API gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zstack_contract.contract.loading import load_contracts
from zstack_contract.contract.routes import Route, RouteIndex, path_params

ROUTES = {
    "Query": (Route.from_template("GET", "/v1/vm-instances"), Route.from_template("GET", "/v1/vm-instances/{uuid}")),
    "Stop": (Route.from_template("PUT", "/v1/vm-instances/{uuid}/actions"),),
    "Reimage": (Route.from_template("PUT", "/v1/vm-instances/{vmInstanceUuid}/actions"),),
    "Anything": (Route.from_template("GET", "/v1/{resource}/{uuid}"),),
    "Outside": (Route.from_template("GET", "/metrics"),),
}


def naive(method: str, url: str) -> list[str]:
    return [name for name, routes in ROUTES.items() if path_params(routes, method, url) is not None]


def test_the_index_finds_each_owner_once_in_the_order_given():
    index = RouteIndex(ROUTES.items())
    names = index.find("GET", "http://mn:8080/zstack/v1/vm-instances/abc?x=1")
    assert names == ["Query", "Anything"]  # a literal collection and a variable one; each owner once
    assert index.find("put", "/v1/vm-instances/abc/actions/") == ["Stop", "Reimage"]
    assert index.find("GET", "/v1/images/abc") == ["Anything"]
    assert index.find("GET", "/metrics") == ["Outside"]
    assert index.find("DELETE", "/v1/vm-instances/abc") == [] and index.find("GET", "/v2/vm-instances") == []


PARTS = st.sampled_from(["v1", "vm-instances", "abc", "actions", "", "images", "metrics", "zstack"])


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["GET", "PUT", "get", "DELETE"]), parts=st.lists(PARTS, max_size=5),
       query=st.sampled_from(["", "?q=1", "?a/v1/b"]))
def test_the_index_agrees_with_trying_every_route(method, parts, query):
    url = "/" + "/".join(parts) + query
    assert RouteIndex(ROUTES.items()).find(method, url) == naive(method, url)


def test_the_contracts_of_the_test_pages_are_named_by_their_own_routes(api_schemas):
    contracts = load_contracts(api_schemas)
    for contract in contracts:
        for route in contract.routes:
            path = "/zstack" + route.template.replace("{", "x").replace("}", "")
            found = contracts.match(route.method, f"http://mn:8080{path}", {contract.action_key: {}})
            assert found is contract, (contract.api, route.template)
