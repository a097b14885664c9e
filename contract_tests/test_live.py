"""The live contract: the target (a management node, or the embedded simulator) answers as the
reference page and the protocol say. Every answer goes through the same named checks as recorded
exchanges; each test adds what it expects of its answer."""

from __future__ import annotations

import pytest

from zstack_contract.facts.ids import new_uuid

pytestmark = pytest.mark.zstack_live

REIMAGE = {"reimageVmInstance": {}}


def actions(vm: str) -> str:
    return f"/v1/vm-instances/{vm}/actions"


def test_login_answers_as_documented(zstack_live):
    call = zstack_live.login_call
    if call is None:
        pytest.skip("no account given: the run uses --zstack-session")
    zstack_live.hold(call, first=200, present=("/inventory/uuid",))


@pytest.mark.zstack_destructive
def test_reimage_designated_vm(zstack_live):
    vm = zstack_live.designated_vm()
    call = zstack_live.call("PUT", actions(vm), json_body=REIMAGE)
    zstack_live.hold(call, first=202, final=200)


def test_reimage_of_a_vm_that_does_not_exist(zstack_live):
    call = zstack_live.call("PUT", actions(new_uuid()), json_body=REIMAGE)
    zstack_live.hold(call, first=202, final=503, codes=("SYS.1003",))


@pytest.mark.zstack_destructive
def test_reimage_of_a_running_vm(zstack_live):
    vm = zstack_live.find_vm("Running")
    call = zstack_live.call("PUT", actions(vm), json_body=REIMAGE)
    zstack_live.hold(call, first=202, final=503, codes=("VM.1014",))


def test_invalid_session_is_refused_by_the_job(zstack_live):
    call = zstack_live.call("PUT", actions(new_uuid()), json_body=REIMAGE, auth=new_uuid())
    zstack_live.hold(call, first=202, final=503, codes=("ID.1001",))


def test_missing_authorization_is_a_plain_400(zstack_live):
    call = zstack_live.call("PUT", actions(new_uuid()), json_body=REIMAGE, auth=False)
    zstack_live.hold(call, first=400, text="missing header 'Authorization'")


def test_non_list_system_tags_are_rejected(zstack_live):
    call = zstack_live.call("PUT", actions(new_uuid()), json_body={**REIMAGE, "systemTags": "ephemeral::x"})
    zstack_live.hold(call, first=500)
