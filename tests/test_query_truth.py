"""Query semantics as a node's code has them (issue 27, item 4), row by row, each row naming the
server file and method it follows (paths in the ZStack tree; ``.../`` is ``src/main/java/org/zstack/``).

A node's query API writes its conditions into ZQL (``search/.../query/QueryFacadeImpl.java``,
``queryUseZQL`` and ``toZQLConditionString``), each value a quoted string that the ZQL visitors
(``search/.../zql/ast/visitors/ExprVisitor.java``, ``search/.../zql/sql/SQLConditionBuilder.java``)
hand to Hibernate and MySQL as it is. The seed's VMs were created at (web-1) 2023-03-02 09:15:04,
(db-1) 2023-04-18 14:40:55, (app-1) 2023-07-09 23:05:31 and (batch-1) 2024-01-11 00:30:00."""

from __future__ import annotations

import hashlib

import pytest
import requests

from zstack_contract.simulator import Simulator

PASSWORD_HASH = hashlib.sha512(b"password").hexdigest()
ZQL = "search/.../query/QueryFacadeImpl.java (queryUseZQL, toZQLConditionString)"
SQL = "search/.../zql/sql/SQLConditionBuilder.java (constructor: the value goes into the SQL as it is)"
REST = "rest/.../rest/RestServer.java (queryParameterToApiFieldValue)"


@pytest.fixture(scope="module")
def node(page_schemas):
    with Simulator(schemas=page_schemas, job_delay=0) as sim:
        r = requests.put(f"{sim.base_url}/v1/accounts/login",
                         json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
        yield sim, {"Authorization": f"OAuth {r.json()['inventory']['uuid']}"}


def names(node, condition: str) -> list[str]:
    sim, headers = node
    r = requests.get(f"{sim.base_url}/v1/vm-instances", params={"q": condition, "sort": "+createDate"}, headers=headers)
    assert r.status_code == 200, r.text
    return [vm["name"] for vm in r.json()["inventories"]]


DATES = [
    # (condition, the VMs it finds, the code it follows)
    ("createDate>2023-07-01 00:00:00", ["app-1", "batch-1"], f"{ZQL}; {SQL}: MySQL reads the string as a DATETIME"),
    ("createDate=2023-04-18 14:40:55", ["db-1"], SQL),
    ("createDate!=2023-04-18 14:40:55", ["web-1", "app-1", "batch-1"], SQL),
    ("createDate<2023-04-18", ["web-1"], f"{SQL}: a date alone is its midnight"),
    ("createDate<=2023-4-18 14:40:55.0", ["web-1", "db-1"], f"{SQL}: one-digit month, a fraction of a second"),
    ("createDate?=2023-03-02 09:15:04,2024-01-11 00:30:00", ["web-1", "batch-1"], f"{ZQL}: each value of ?= is a date"),
    ("createDate!?=2023-03-02 09:15:04", ["db-1", "app-1", "batch-1"], ZQL),
    ("createDate~=2023-04-%", ["db-1"], f"{SQL}: LIKE compares the date as MySQL writes it"),
    # The date as a reply renders it (Java 8) is no date MySQL reads: it is the zero date (inferred).
    ("createDate=Apr 18, 2023 2:40:55 PM", [], f"{SQL}: not the rendered text"),
    ("createDate>Apr 18, 2023 2:40:55 PM", ["web-1", "db-1", "app-1", "batch-1"], f"{SQL}: the zero date (inferred)"),
]


@pytest.mark.parametrize("condition,found,source", DATES, ids=[row[0] for row in DATES])
def test_date_conditions_compare_dates_not_rendered_text(node, condition, found, source):
    assert names(node, condition) == found, source


VALUES = [
    # ?= cuts its value at every comma and keeps each piece as sent: no trimming, empty pieces kept.
    ("state?=Running,Paused", ["app-1", "batch-1"], ZQL),
    ("state?=Running, Paused", ["app-1"], f"{ZQL}: ' Paused' is not trimmed"),
    ("state?=Running,", ["app-1"], f"{ZQL}: the empty piece is the value ''"),
    ("state!?=Stopped, Running", ["app-1", "batch-1"], f"{ZQL}: ' Running' is not trimmed, so Running is not in it"),
    # An enum field compared with a string that is none of its constants: the SQL finds nothing.
    ("state=Bogus", [], f"{SQL}; Hibernate does not check the literal against the enum"),
    ("state?=Running,Bogus", ["app-1"], SQL),
    ("state!=Bogus", ["web-1", "db-1", "app-1", "batch-1"], SQL),
]


@pytest.mark.parametrize("condition,found,source", VALUES, ids=[row[0] for row in VALUES])
def test_values_go_to_the_database_as_sent(node, condition, found, source):
    assert names(node, condition) == found, source


def test_repeated_values_of_a_list_parameter_are_collected_into_the_list(node):
    """``vmUuids`` is a ``List<String>`` on the node (``header/.../vm/APIGetVmsCapabilitiesMsg.java``),
    though its page types it String: the REST layer puts every value into the list (REST)."""
    sim, headers = node
    first, second = sorted(sim.vms)[:2]
    r = requests.get(f"{sim.base_url}/v1/vm-instances/capabilities?vmUuids={first}&vmUuids={second}", headers=headers)
    assert r.status_code != 400 and "only one value" not in r.text, REST
    assert first in r.text and second in r.text, REST  # both reached the API


def test_repeated_values_of_a_single_valued_parameter_are_refused(node):
    """Any other field takes one value: more is a plain-text 400 (REST)."""
    sim, headers = node
    vm = min(sim.vms)
    r = requests.delete(f"{sim.base_url}/v1/vm-instances/{vm}?deleteMode=Permissive&deleteMode=Enforcing", headers=headers)
    assert (r.status_code, r.text) == (
        400, "Invalid query parameter[deleteMode], only one value is allowed for the parameter but multiple values found"), REST
