"""The hand-written part of the simulator: the session (log in, log out) and the VM family, whose
answers follow a VM's state as a node's do (a reimage needs a Stopped VM; stop and start move it
between states). Every other API, and the checks before these APIs' work, are generic
(:mod:`.generic`). Each API here is served also when no schema of it is given; a schema of it
(from a page) replaces the description below, not the work.
"""

from __future__ import annotations

from .apis import Api, Param
from .generic import Call, Outcome, error
from .render import error_code, error_text
from .seed import uid
from .state import stamp

VM_ACTIONS = "/v1/vm-instances/{uuid}/actions"


def _action(name: str, param: str) -> Api:
    return Api(name=name, kind="action", method="PUT", templates=(VM_ACTIONS.replace("{uuid}", "{" + param + "}"),),
               action_key=name[:1].lower() + name[1:], container=name[:1].lower() + name[1:], authorized=True,
               params=(Param(param, "path", "string", True, collection="vm-instances", vo="VmInstanceVO"),), success=("inventory",),
               collection="vm-instances")


BUILT_IN: tuple[Api, ...] = (
    Api(name="LogInByAccount", kind="action", method="PUT", templates=("/v1/accounts/login",), action_key="logInByAccount",
        container="logInByAccount", authorized=False, success=("inventory",),
        params=(Param("accountName", "body", "string", True, container="logInByAccount"),
                Param("password", "body", "string", True, container="logInByAccount"))),
    Api(name="LogOut", kind="delete", method="DELETE", templates=("/v1/accounts/sessions/{sessionUuid}",), action_key="logOut",
        container=None, authorized=False, params=(Param("sessionUuid", "path", "string", True),)),
    _action("ReimageVmInstance", "vmInstanceUuid"),
    _action("StopVmInstance", "uuid"),
    _action("StartVmInstance", "uuid"),
    Api(name="QueryVmInstance", kind="query", method="GET", templates=("/v1/vm-instances", "/v1/vm-instances/{uuid}"),
        action_key="queryVmInstance", container=None, authorized=True, success=("inventories",), collection="vm-instances"),
)


def log_in(call: Call) -> Outcome:
    session = call.state.login(str(call.params["accountName"]), str(call.params["password"]))
    if session is None:
        return error("ID.1000", "wrong account name or password")
    return 200, {"inventory": session.inventory()}


def log_out(call: Call) -> Outcome:
    call.state.logout(call.value("sessionUuid"))
    return 200, {}


def _vm_of(call: Call) -> dict:
    """The VM the call names (the resource check has found it)."""
    param = next(p for p in call.api.params if p.where == "path")
    return call.state.vms[call.value(param.name)]


def reimage(call: Call) -> Outcome:
    with call.state.lock:
        vm = _vm_of(call)
        if vm["state"] != "Stopped":
            # The VM's handler throws the error as an exception; the bus replies to what it was
            # handling with an internal error whose details are the error's text (CloudBusImpl2).
            inner = error_code("VM.1014", f"unable to reset volume[uuid:{vm.get('rootVolumeUuid') or 'null'}] to origin image"
                                          f"[uuid:{vm.get('imageUuid') or 'null'}], the vm[uuid:{vm['uuid']}] volume attached to "
                                          f"is not in Stopped state, current state is {vm['state']}")
            return error("SYS.1000", error_text(inner))
        root = root_volume(vm)
        if root is None:
            return error("SYS.1000", f"the vm[uuid:{vm['uuid']}] has no root volume")
        image = call.state.store.get("images", {}).get(vm.get("imageUuid"))
        if image is not None:
            size, actual = image["size"], image["actualSize"]
        else:
            size, actual = vm.get("_loadedRootSizes", (root.get("size"), root.get("actualSize")))
        root["size"], root["actualSize"] = size, actual
        stamp(root)
        stamp(vm)
        return 200, {"inventory": call.state.get("vm-instances", vm["uuid"])}


def stop(call: Call) -> Outcome:
    with call.state.lock:
        vm = _vm_of(call)
        if vm["state"] != "Stopped":
            if vm["state"] not in ("Running", "Paused", "Unknown", "Crashed", "Error"):
                return error("SYS.1006", f"unable to stop the vm[uuid:{vm['uuid']}] in state[{vm['state']}]")
            vm["lastHostUuid"] = vm.get("hostUuid") or vm.get("lastHostUuid")
            vm["hostUuid"] = None
            vm["state"] = "Stopped"
            stamp(vm)
        return 200, {"inventory": call.state.get("vm-instances", vm["uuid"])}


def start(call: Call) -> Outcome:
    with call.state.lock:
        vm = _vm_of(call)
        if vm["state"] != "Running":
            if vm["state"] != "Stopped":
                return error("SYS.1006", f"unable to start the vm[uuid:{vm['uuid']}] in state[{vm['state']}]")
            vm["hostUuid"] = vm.get("lastHostUuid") or uid("host/kvm-1")
            vm["state"] = "Running"
            stamp(vm)
        return 200, {"inventory": call.state.get("vm-instances", vm["uuid"])}


def root_volume(vm: dict) -> dict | None:
    for vol in vm.get("allVolumes") or ():
        if vol.get("uuid") == vm.get("rootVolumeUuid"):
            return vol
    return None


WORK = {"LogInByAccount": log_in, "LogOut": log_out, "ReimageVmInstance": reimage, "StopVmInstance": stop, "StartVmInstance": start}
