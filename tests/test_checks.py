"""Each named check catches what it claims to catch, and stays quiet on a good exchange."""

from __future__ import annotations

import copy

import pytest

from exchanges import reimage
from mutations import MUTATIONS, server_shaped
from zstack_contract.checks import REGISTRY, View, check, run_checks
from zstack_contract.contract import load_contracts
from zstack_contract.inputs.recordings import bare_body_exchange


@pytest.fixture(scope="module")
def contract():
    return load_contracts("schemas").get("ReimageVmInstance")


@pytest.fixture
def good(reimage_page):
    body = server_shaped(reimage_page.response_sample.value)
    return body


def vm_uuid(body):
    return body["inventory"]["uuid"]


def found(contract, exchange, check):
    return [(f.pointer, f.step) for f in run_checks(exchange, contract, [check])]


def test_good_exchange_has_no_findings(contract, good):
    ex = reimage(vm_uuid(good), (202, {}), (202, None), (200, good))
    assert run_checks(ex, contract) == []
    err = {"error": {"code": "SYS.1003", "details": "not found"}}
    assert run_checks(reimage("0" * 32, (503, err)), contract) == []


def test_every_check_run_on_exchanges_is_tested():
    # undocumented-field: tests/test_validate.py (--strict); the checks whose findings callers
    # make: expected-answer (tests/test_live_suite.py), probe-* (tests/test_probing.py),
    # page-sample and unknown-api (tests/test_pages.py).
    tested = {"response-schema", "status-body", "job-polling", "uuid-matches-url", "owner-uuid", "root-volume", "date-order",
              "undocumented-field"}
    assert {c.name for c in REGISTRY if c.run is not None} == tested


def test_response_schema_cites_the_page_line(contract, good):
    good["inventory"]["cpuNum"] = 1.5
    (f,) = run_checks(reimage(vm_uuid(good), (200, good)), contract, ["response-schema"])
    assert (f.pointer, f.step, f.rule) == ("/inventory/cpuNum", 1, "docs/api/ReimageVmInstance.txt:120 cpuNum Integer")
    assert "expected integer (signed 32-bit), found 1.5 (number)" in f.message()


def test_response_schema_overlay_rule_is_named(contract, good):
    del good["inventory"]["uuid"]
    fs = run_checks(reimage("efb855424e2b38d3bc320f105a13bc0b", (200, good)), contract, ["response-schema"])
    (f,) = fs
    assert (f.pointer, f.found, f.overlay) == ("/inventory/uuid", "absent", ("uuid-format", "inventory-uuid-present"))
    assert f.rule == "docs/api/ReimageVmInstance.txt:105 uuid String"


def test_status_body_error_in_200(contract):
    ex = reimage("0" * 32, (200, {"error": {"code": "SYS.1003"}}))
    assert found(contract, ex, "status-body") == [("/error", 1)]


def test_status_body_503_as_text(contract):
    ex = reimage("0" * 32, (503, "resource not found"))
    (f,) = run_checks(ex, contract, ["status-body"])
    assert f.found == "text 'resource not found'" and f.step == 1


def test_status_body_503_without_error(contract, good):
    assert found(contract, reimage(vm_uuid(good), (503, good)), "status-body") == [("", 1)]


def test_status_body_202_without_location(contract, good):
    ex = reimage(vm_uuid(good), (200, good), call_body={"apiTimeout": 1000})
    assert found(contract, ex, "status-body") == [("/location", 0)]


def test_status_body_running_job_with_a_body(contract, good):
    ex = reimage(vm_uuid(good), (202, {"inventory": {}}), (200, good))
    assert found(contract, ex, "status-body") == [("", 1)]


def test_status_body_200_truncated_json(contract, good):
    ex = reimage(vm_uuid(good), (200, '{"inventory": {"uuid": "efb8'))
    (f,) = run_checks(ex, contract, ["status-body"])
    assert f.found.startswith("text '{\"inventory\"")


def test_job_polling_expired_job(contract):
    ex = reimage("0" * 32, (202, {}), (404, "the job has been expired"))
    (f,) = run_checks(ex, contract, ["job-polling"])
    assert (f.step, f.found) == (2, "status 404 with text 'the job has been expired'")


def test_job_polling_names_what_a_json_answer_held(contract):
    """A poll answered 404 or 500 with a JSON body: the finding shows that body, not ``text ''``."""
    ex = reimage("0" * 32, (202, {}), (500, {"error": "java.lang.NullPointerException"}))
    (f,) = run_checks(ex, contract, ["job-polling"])
    assert (f.step, f.found) == (2, 'status 500 with {"error": "java.lang.NullPointerException"} (object)')
    ex = reimage("0" * 32, (202, {}), (404, None))
    (f,) = run_checks(ex, contract, ["job-polling"])
    assert f.found == "status 404 with an empty body"


def test_job_polling_never_finished(contract):
    ex = reimage("0" * 32, (202, {}), (202, {}))
    (f,) = run_checks(ex, contract, ["job-polling"])
    assert f.found == "still running after 2 poll(s)"


def test_uuid_matches_url(contract, good):
    ex = reimage("a" * 32, (200, good))
    (f,) = run_checks(ex, contract, ["uuid-matches-url"])
    assert f.pointer == "/inventory/uuid" and "aaaa" in f.expected


URL_UUID = [
    # (API of 5.3.0, its request path: A names the inventory's own resource, B another; the
    #  answer's uuid is A's: no finding; then B's: a finding only where the URL names the answer's resource)
    ("StopVmInstance", "PUT", "/v1/vm-instances/A/actions", {"stopVmInstance": {}}, True),
    ("AttachDataVolumeToVm", "POST", "/v1/volumes/A/vm-instances/B", {"params": {}}, True),  # the volume's inventory
    ("AttachL3NetworkToVm", "POST", "/v1/vm-instances/A/l3-networks/B", {"params": {}}, True),  # the VM's
    ("AddIpRange", "POST", "/v1/l3-networks/B/ip-ranges", {"params": {}}, False),  # a new IP range: no variable names it
]


@pytest.mark.parametrize("api, method, path, body, named", URL_UUID, ids=[r[0] for r in URL_UUID])
def test_uuid_matches_url_holds_the_answer_to_the_variable_naming_its_resource(api, method, path, body, named):
    """The URL's uuid that names the answer's resource by its inventory type: a create under a
    parent (AddIpRange under its L3 network) answers a resource no variable names, an attach
    answers one of the two its path names."""
    from zstack_contract.inputs.exchange import Exchange, Request, Response, Step

    a, b = "a" * 32, "b" * 32
    contract = load_contracts(None, "5.3.0").get(api)
    url = "http://mn:8080/zstack" + path.replace("A", a).replace("B", b)
    for answered, finding in ((a, False), (b, named)):
        ex = Exchange(steps=[Step(Request(method=method, url=url, body=body), Response(status=200, body={"inventory": {"uuid": answered}}))], source="test.json")
        found = run_checks(ex, contract, ["uuid-matches-url"])
        assert bool(found) == finding, (api, answered, found)


def test_owner_uuid_nic_volume_and_used_ip(contract, good):
    other = "b" * 32
    good["inventory"]["vmNics"][0]["vmInstanceUuid"] = other
    good["inventory"]["allVolumes"][0]["vmInstanceUuid"] = other
    nic = good["inventory"]["vmNics"][0]
    nic["usedIps"] = [{"uuid": "c" * 32, "vmNicUuid": nic["uuid"]}, {"uuid": "d" * 32, "vmNicUuid": other}]
    pointers = found(contract, reimage(vm_uuid(good), (200, good)), "owner-uuid")
    assert pointers == [
        ("/inventory/vmNics/0/vmInstanceUuid", 1),
        ("/inventory/vmNics/0/usedIps/1/vmNicUuid", 1),
        ("/inventory/allVolumes/0/vmInstanceUuid", 1),
    ]


def test_root_volume_missing_and_wrong_type(contract, good):
    bad = copy.deepcopy(good)
    bad["inventory"]["rootVolumeUuid"] = "e" * 32
    assert found(contract, reimage(vm_uuid(bad), (200, bad)), "root-volume") == [("/inventory/rootVolumeUuid", 1)]
    good["inventory"]["allVolumes"][0]["type"] = "Data"
    assert found(contract, reimage(vm_uuid(good), (200, good)), "root-volume") == [("/inventory/allVolumes/0/type", 1)]


def test_date_order_on_inventory_and_nested(contract, good):
    good["inventory"]["createDate"] = "Nov 15, 2017, 10:20:57 PM"
    good["inventory"]["allVolumes"][0]["createDate"] = "Dec 1, 2017 1:00:00\u202fAM"
    got = found(contract, reimage(vm_uuid(good), (200, good)), "date-order")
    assert got == [("/inventory/lastOpDate", 1), ("/inventory/allVolumes/0/lastOpDate", 1)]
    # 12 AM is midnight: 'Nov 14, 2017 12:30:00 AM' is before '... 1:00:00 AM'
    good["inventory"]["createDate"] = "Nov 14, 2017 12:30:00 AM"
    good["inventory"]["lastOpDate"] = "Nov 14, 2017 1:00:00 AM"
    good["inventory"]["allVolumes"][0]["createDate"] = good["inventory"]["allVolumes"][0]["lastOpDate"]
    assert found(contract, reimage(vm_uuid(good), (200, good)), "date-order") == []


def test_semantic_checks_skip_error_bodies(contract):
    err = {"error": {"code": "SYS.1000"}}
    for name in ("uuid-matches-url", "owner-uuid", "root-volume", "date-order"):
        assert run_checks(reimage("a" * 32, (503, err)), contract, [name]) == []


def test_checks_that_need_http_skip_bare_bodies_only(contract, good):
    bare = [bare_body_exchange(b, "b.json") for b in (good, *(m.body(good) for m in MUTATIONS))]
    # What makes skipping them safe: on a bare body they have nothing to say.
    for c in REGISTRY:
        if c.needs_http:
            assert all(list(c.run(View(ex, contract))) == [] for ex in bare), c.name
    assert {c.name for c in REGISTRY if c.needs_http} == {"status-body", "job-polling", "uuid-matches-url"}

    seen = []
    check("spy", "records what it is shown", needs_http=True)(lambda view: seen.append(view.exchange) or ())
    try:
        recorded = reimage(vm_uuid(good), (200, good))
        run_checks(bare[0], contract)
        run_checks(recorded, contract)
    finally:
        REGISTRY.remove("spy")
    assert seen == [recorded]
