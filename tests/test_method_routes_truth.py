"""Issue 27, item 1: a method on a path answers as a node's REST servlet answers it, whatever few
APIs the simulator serves. A node's route table holds every API of its release, so a path the
node shares among several APIs (``/v1/vm-instances/{uuid}``: QueryVmInstance's GET,
DestroyVmInstance's DELETE) is routed by method there even when the simulator serves only one of
them; a path one API of the node has hands that API every method.

Each row names the server's code it follows, in ``rest/src/main/java/org/zstack/rest/RestServer.java``:
``handle`` (no entry: 404), ``handleUniqueApi`` (one API: every method), ``handleNonUniqueApi``
(several: by method, PUT by action key)."""

from __future__ import annotations

import pytest
import requests

from conftest import HANG
from test_simulator import auth, finish, login, vm_in
from zstack_contract.contract.routes import Route, Router
from zstack_contract.simulator import Simulator
from zstack_contract.simulator.apis import shared_shapes

NO_ACTION = "the body doesn't contain action mapping to the URL[{api}]"


@pytest.fixture(scope="module")
def built_in():
    """The session and the VM family only: of ``/v1/vm-instances/{uuid}`` it serves the query alone."""
    with Simulator(job_delay=0.0) as sim:
        yield sim


@pytest.fixture(scope="module")
def paged(page_schemas):
    """The test pages too: DestroyVmInstance serves that path's DELETE."""
    with Simulator(job_delay=0.0, schemas=page_schemas) as sim:
        yield sim


# (simulator, method, path after /v1 ({vm}: a Stopped VM), status, body: text, or the JSON key
#  the answer holds, or "job" for an accepted job; the server code the row follows)
ROWS = [
    ("built_in", "GET", "/vm-instances/{vm}", 200, "inventories",
     "handleNonUniqueApi: GET takes the entry's query"),
    ("built_in", "POST", "/vm-instances/{vm}", 500, "No creational API found for the path[/zstack/v1/vm-instances/{vm}]",
     "handleNonUniqueApi: a POST where the node has no creational API, though the simulator serves one API there"),
    ("built_in", "DELETE", "/vm-instances/{vm}", 500, "No delete API found for the path[/zstack/v1/vm-instances/{vm}]",
     "handleNonUniqueApi: DestroyVmInstance is the node's DELETE there; a simulator not serving it answers as a node without it"),
    ("built_in", "PUT", "/vm-instances/{vm}", 400, NO_ACTION.format(api="/v1/vm-instances/{vm}"),
     "handleNonUniqueApi: a PUT whose body holds no action key of the entry"),
    ("paged", "DELETE", "/vm-instances/{vm}", 202, "job",
     "handleNonUniqueApi: DELETE takes the entry's delete API (DestroyVmInstance)"),
    ("paged", "POST", "/vm-instances/{vm}", 500, "No creational API found for the path[/zstack/v1/vm-instances/{vm}]",
     "handleNonUniqueApi: still no creational API there"),
    ("paged", "GET", "/vm-instances/{vm}/hostnames", 500, "No query API found for the path[/zstack/v1/vm-instances/{vm}/hostnames]",
     "handleNonUniqueApi: GetVmHostname (GET) and DeleteVmHostname (DELETE) share the path on a node; only the delete is served"),
    ("paged", "DELETE", "/vm-instances/{vm}/boot-orders", 200, "orders",
     "handleUniqueApi: GetVmBootOrder alone has the path on a node, and takes every method"),
    ("paged", "GET", "/vm-instances/capabilities?vmUuids={vm}", 200, "vmsCaps",
     "handle: the static path before the template /v1/vm-instances/{uuid}"),
    ("paged", "GET", "/no-such-things/{vm}", 404, "no api mapping to /v1/no-such-things/{vm}",
     "handle: apis.get(getMatchPath(path)) is null"),
]


@pytest.mark.parametrize("which, method, path, status, expected, source", ROWS,
                         ids=[f"{r[0]}-{r[1]}-{r[2].split('?')[0]}" for r in ROWS])
def test_a_method_on_a_path_is_answered_as_the_node_routes_it(request, which, method, path, status, expected, source):
    sim = request.getfixturevalue(which)
    session = login(sim)
    vm = vm_in(sim, "Stopped")
    url = f"{sim.base_url}/v1{path.format(vm=vm)}"
    body = {} if method in ("PUT", "POST") else None  # a JSON object naming no action
    r = requests.request(method, url, json=body, headers=auth(session), timeout=HANG)
    assert r.status_code == status, (source, r.text)
    if expected == "job":
        done = finish(sim, r, session)
        assert done.status_code == 200, (source, done.text)
    elif status in (200, 503):
        assert expected in r.json(), (source, r.text)
    else:
        assert r.text == expected.format(vm=vm), source


def test_the_simulator_shares_the_paths_the_newest_release_shares():
    """The shapes shared on the node are read from the shipped release: the VM's path is one of
    them, the boot order's is not (RestServer: ``apis`` maps a path to an Api or a collection)."""
    shared = shared_shapes(None)
    assert "/v1/vm-instances/{}" in shared and "/v1/vm-instances/{}/actions" in shared
    assert "/v1/vm-instances/{}/boot-orders" not in shared
    assert shared_shapes("no-such-release") == shared  # a release not shipped: the newest's table


def test_a_shared_entry_holding_one_api_routes_by_method():
    """Router.share: the rule of a shared entry, with one member known."""
    router = Router([("query", "queryVmInstance", [Route.from_template("GET", "/v1/vm-instances/{uuid}")])])
    assert router.route("DELETE", "/v1/vm-instances/abc").api == "query"  # unique: every method
    router.share(["/v1/vm-instances/{}"])
    assert router.route("GET", "/v1/vm-instances/abc").api == "query"
    assert router.route("DELETE", "/v1/vm-instances/abc").refusal == "no-api-for-method"
    assert router.route("PUT", "/v1/vm-instances/abc", {}).refusal == "no-action"
