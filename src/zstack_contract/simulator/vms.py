"""The hand-written part of the simulator: the session (log in, log out) and the VM family, whose
answers follow a VM's state as a node's do (a reimage needs a Stopped VM; stop and start move it
between states; the boot order and the console password are what was set, in the VM's system
tags). Every other API, and the checks before these APIs' work, are generic (:mod:`.generic`).
Each API of :data:`BUILT_IN` is served also when no schema of it is given; a schema of it (from a
page) replaces the description below, not the work. The others here are served when a schema
gives them.

Server code these follow (by file and method), ``compute/.../vm/``: ``VmInstanceBase.handle`` of
``APISetVmBootOrderMsg``, ``APIGetVmBootOrderMsg``, ``APISetVmConsolePasswordMsg``,
``APIGetVmConsolePasswordMsg``, ``APIDeleteVmConsolePasswordMsg``; ``VmInstanceManagerImpl.handle``
of ``APIGetVmsCapabilitiesMsg`` and ``VmCapabilitiesJudger.judge``.
"""

from __future__ import annotations

from typing import Any

from .apis import Api, Param
from .generic import WORK as GENERIC_WORK
from .generic import Call, Outcome, act, error
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


# -- what is set on a VM as system tags (VmSystemTags) -----------------------------------------
BOOT_ORDER = "bootOrder"  # bootOrder::{bootOrder}, the devices joined by ","
CONSOLE_PASSWORD = "consolePassword"  # consolePassword::{consolePassword}


def _generic(call: Call) -> Outcome:
    """The API's answer as the generic work of its kind gives it (its schema's shape)."""
    return GENERIC_WORK.get(call.api.kind, act)(call)


def set_boot_order(call: Call) -> Outcome:
    """The order given (each device once, first place kept) becomes the VM's tag; none deletes it."""
    order = call.value("bootOrder")
    if isinstance(order, str):
        order = [order]
    token = ",".join(dict.fromkeys(str(d) for d in order)) if order is not None else None
    call.state.set_tag(_vm_of(call)["uuid"], BOOT_ORDER, token)
    return _generic(call)


def get_boot_order(call: Call) -> Outcome:
    """The VM's tag, else HardDisk then Network, with CdRom between them when a CD-ROM holds an ISO."""
    vm = _vm_of(call)
    token = call.state.tag(vm["uuid"], BOOT_ORDER)
    if token is not None:
        order = token.split(",")
    elif any(cdrom.get("isoUuid") for cdrom in vm.get("vmCdRoms") or ()):
        order = ["HardDisk", "CdRom", "Network"]
    else:
        order = ["HardDisk", "Network"]
    return 200, {"orders": order}  # @RestResponse(fieldsTo = "orders=order")


def set_console_password(call: Call) -> Outcome:
    call.state.set_tag(_vm_of(call)["uuid"], CONSOLE_PASSWORD, str(call.value("consolePassword")))
    return _generic(call)


def delete_console_password(call: Call) -> Outcome:
    """The tag goes; the VM stays (the generic work of a delete would remove the VM its path names)."""
    call.state.set_tag(_vm_of(call)["uuid"], CONSOLE_PASSWORD, None)
    return act(call)


def get_console_password(call: Call) -> Outcome:
    """What was set; nothing set is a null password, which the node's JSON leaves out: ``{}``."""
    password = call.state.tag(_vm_of(call)["uuid"], CONSOLE_PASSWORD)
    return 200, {} if password is None else {"password": password}  # fieldsTo = "password=consolePassword"


# A primary storage type's support of moving a VM (PrimaryStorageType: live migration true, volume
# migration false, unless its factory says otherwise: LocalStorageFactory sets both true).
LIVE_MIGRATION: dict[str | None, bool] = {}
VOLUME_MIGRATION: dict[str | None, bool] = {"LocalStorage": True}


def get_vms_capabilities(call: Call) -> Outcome:
    """Each uuid asked for, judged: none of them is looked up first, and the judge of a uuid that
    names no VM dereferences nothing (a NullPointerException, with no message): an internal error."""
    uuids = call.value("vmUuids")
    uuids = [uuids] if isinstance(uuids, str) else list(uuids or ())
    caps: dict[str, Any] = {}
    with call.state.lock:
        for uuid in uuids:
            vm = call.state.vms.get(str(uuid))
            if vm is None:
                return error("SYS.1000", None)
            caps[str(uuid)] = _judge(call, vm)
    return 200, {"vmsCaps": caps}  # @RestResponse(allTo = "vmsCaps")


def _judge(call: Call, vm: dict) -> dict:
    root = root_volume(vm)
    if root is None:
        live = volume = False
    else:
        storage = call.state.store.get("primary-storage", {}).get(root.get("primaryStorageUuid")) or {}
        kind = storage.get("type")
        live = vm["state"] == "Running" and LIVE_MIGRATION.get(kind, True)
        volume = vm["state"] == "Stopped" and VOLUME_MIGRATION.get(kind, False)
    image = call.state.store.get("images", {}).get(vm.get("imageUuid"))
    # An image of the data set that does not say its media type is a root volume template (the
    # images VMs boot from); a node's image always has one, and an ISO or none means no reimage.
    reimage = image is not None and image.get("mediaType", "RootVolumeTemplate") not in (None, "ISO")
    return {"supportLiveMigration": live, "supportVolumeMigration": volume, "supportReimage": reimage,
            "supportMemorySnapshot": True}


WORK = {"LogInByAccount": log_in, "LogOut": log_out, "ReimageVmInstance": reimage, "StopVmInstance": stop, "StartVmInstance": start,
        "SetVmBootOrder": set_boot_order, "GetVmBootOrder": get_boot_order, "SetVmConsolePassword": set_console_password,
        "DeleteVmConsolePassword": delete_console_password, "GetVmConsolePassword": get_console_password,
        "GetVmsCapabilities": get_vms_capabilities}
