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
of ``APIGetVmsCapabilitiesMsg`` and ``VmCapabilitiesJudger.judge``; the creation of a VM:
``VmInstanceApiInterceptor.validate(APICreateVmInstanceMsg)`` (the default L3 network),
``VmInstanceManagerImpl.handle(APICreateVmInstanceMsg)`` and its creation flow (a host, a NIC on
each L3 network, a root volume from the image, then started: ``strategy`` InstantStart).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..facts.ids import new_uuid
from .apis import Api, Param
from .generic import WORK as GENERIC_WORK
from .generic import Call, Outcome, act, error
from .render import error_code, error_text
from .seed import uid
from .state import now, stamp

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
            if vm["state"] not in ("Stopped", "Created"):  # a VM created with strategy JustCreate starts as a stopped one does
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


# -- creating a VM --------------------------------------------------------------------------------
# The state a VM is left in by its creation strategy (VmCreationStrategy; InstantStart is the default).
CREATED_STATE = {"InstantStart": "Running", "CreateStopped": "Stopped", "JustCreate": "Created"}


def create_vm(call: Call) -> Outcome:
    """A VM as a node makes one from what the call names (each found by the resource check)."""
    given = call.value
    l3s = [str(u) for u in given("l3NetworkUuids") or ()]
    default = given("defaultL3NetworkUuid")
    if default is None and len(l3s) > 1:
        return error("SYS.1007", "there are more than one L3 network specified in l3NetworkUuids, but defaultL3NetworkUuid is null")
    if default is None and l3s:
        default = l3s[0]
    elif default is not None and default not in l3s:
        return error("SYS.1007", f"defaultL3NetworkUuid[uuid:{default}] is not in l3NetworkUuids[{', '.join(l3s)}]")
    state_ = CREATED_STATE.get(str(given("strategy") or "InstantStart"), "Running")
    with call.state.lock:
        host = _host_for(call)
        if host is None and state_ != "Created":
            return error("SYS.1006", "no host is available to create the vm: none is Enabled and Connected where the call places it")
        offering = call.state.get("instance-offerings", str(given("instanceOfferingUuid"))) or {}
        image = call.state.get("images", str(given("imageUuid"))) or {}
        when = now()
        vm_uuid = str(given("resourceUuid") or new_uuid())
        internal_id = 1 + max((int(vm.get("internalId") or 0) for vm in call.state.vms.values()), default=0)
        root = _root_volume(call, vm_uuid, str(given("name")), image, host, when)
        vm = {
            "uuid": vm_uuid, "name": given("name"), "description": given("description"),
            "zoneUuid": host["zoneUuid"] if host else given("zoneUuid"), "clusterUuid": host["clusterUuid"] if host else given("clusterUuid"),
            "imageUuid": image.get("uuid"), "hostUuid": host["uuid"] if host and state_ == "Running" else None,
            "lastHostUuid": host["uuid"] if host else None, "instanceOfferingUuid": offering.get("uuid"),
            "rootVolumeUuid": root["uuid"], "platform": given("platform") or image.get("platform") or "Linux",
            "architecture": given("architecture") or image.get("architecture") or "x86_64",
            "guestOsType": given("guestOsType") or image.get("guestOsType"), "defaultL3NetworkUuid": default,
            "type": given("type") or "UserVm", "hypervisorType": "KVM",
            "memorySize": offering.get("memorySize", given("memorySize")), "reservedMemorySize": given("reservedMemorySize") or 0,
            "cpuNum": offering.get("cpuNum", given("cpuNum")), "cpuSpeed": offering.get("cpuSpeed", 0),
            "allocatorStrategy": offering.get("allocatorStrategy"), "createDate": when, "lastOpDate": when, "state": state_,
            "internalId": internal_id, "allVolumes": [root], "vmCdRoms": [],
            "vmNics": [_nic(call, vm_uuid, internal_id, device, l3, when) for device, l3 in enumerate(l3s)],
        }
        call.state.put("vm-instances", vm)
        return 200, {"inventory": call.state.get("vm-instances", vm_uuid)}


def _host_for(call: Call) -> dict | None:
    """The host given, else the first of the data set in the cluster and zone given (if given)
    that is Enabled and Connected (the host allocator's candidates)."""
    wanted = {k: call.value(k) for k in ("hostUuid", "clusterUuid", "zoneUuid") if call.value(k) is not None}
    for host in sorted(call.state.all("hosts"), key=lambda h: h["uuid"]):
        if wanted.get("hostUuid", host["uuid"]) != host["uuid"] or wanted.get("clusterUuid", host.get("clusterUuid")) != host.get("clusterUuid") \
                or wanted.get("zoneUuid", host.get("zoneUuid")) != host.get("zoneUuid"):
            continue
        if "hostUuid" in wanted or (host.get("state"), host.get("status")) == ("Enabled", "Connected"):
            return host
    return None


def _root_volume(call: Call, vm_uuid: str, name: str, image: dict, host: dict | None, when) -> dict:
    """The root volume: the image's size, on the primary storage given, else one of the host's cluster."""
    storage = call.value("primaryStorageUuidForRootVolume")
    if storage is None:
        cluster = host.get("clusterUuid") if host else None
        storage = next((ps["uuid"] for ps in sorted(call.state.all("primary-storage"), key=lambda ps: ps["uuid"])
                        if cluster is None or cluster in (ps.get("attachedClusterUuids") or ())), None)
    vol_uuid = new_uuid()
    return {"uuid": vol_uuid, "name": f"ROOT-for-{name}", "primaryStorageUuid": storage, "vmInstanceUuid": vm_uuid,
            "rootImageUuid": image.get("uuid"), "installPath": f"/zstack_ps/rootVolumes/vol-{vol_uuid}/{vol_uuid}.qcow2",
            "type": "Root", "format": image.get("format") or "qcow2", "size": image.get("size") or 0,
            "actualSize": image.get("actualSize") or 0, "deviceId": 0, "state": "Enabled", "status": "Ready", "createDate": when,
            "lastOpDate": when, "isShareable": False, "lastAttachDate": when}


def _nic(call: Call, vm_uuid: str, internal_id: int, device: int, l3_uuid: str, when) -> dict:
    """A NIC on the L3 network, with the first free address of its first IP range."""
    l3 = call.state.get("l3-networks", l3_uuid) or {}
    ranges = l3.get("ipRanges") or [r for r in call.state.all("l3-networks/ip-ranges") if r.get("l3NetworkUuid") == l3_uuid]
    ip_range = ranges[0] if ranges else {}
    used = {ip.get("ip") for vm in call.state.vms.values() for nic in vm.get("vmNics") or () for ip in nic.get("usedIps") or ()}
    ip = None
    if ip_range.get("startIp") and ip_range.get("endIp"):
        first, last = (int(ipaddress.IPv4Address(ip_range[k])) for k in ("startIp", "endIp"))
        ip = next((str(ipaddress.IPv4Address(n)) for n in range(first, last + 1) if str(ipaddress.IPv4Address(n)) not in used), None)
    nic_uuid, ip_uuid = new_uuid(), new_uuid()
    used_ip = {"uuid": ip_uuid, "ipRangeUuid": ip_range.get("uuid"), "l3NetworkUuid": l3_uuid, "ipVersion": 4, "ip": ip,
               "netmask": ip_range.get("netmask"), "gateway": ip_range.get("gateway"), "usedFor": "Vm",
               "ipInLong": int(ipaddress.IPv4Address(ip)) if ip else None, "vmNicUuid": nic_uuid, "createDate": when, "lastOpDate": when}
    return {"uuid": nic_uuid, "vmInstanceUuid": vm_uuid, "usedIpUuid": ip_uuid, "l3NetworkUuid": l3_uuid, "ip": ip,
            "mac": "fa:%02x:%02x:%02x:%02x:%02x" % tuple(bytes.fromhex(nic_uuid)[:5]), "hypervisorType": "KVM",
            "netmask": ip_range.get("netmask"), "gateway": ip_range.get("gateway"), "ipVersion": 4, "driverType": "virtio",
            "internalName": f"vnic{internal_id}.{device}", "deviceId": device, "type": "VNIC", "state": "enable", "usedIps": [used_ip],
            "createDate": when, "lastOpDate": when}


WORK = {"LogInByAccount": log_in, "CreateVmInstance": create_vm, "LogOut": log_out, "ReimageVmInstance": reimage, "StopVmInstance": stop, "StartVmInstance": start,
        "SetVmBootOrder": set_boot_order, "GetVmBootOrder": get_boot_order, "SetVmConsolePassword": set_console_password,
        "DeleteVmConsolePassword": delete_console_password, "GetVmConsolePassword": get_console_password,
        "GetVmsCapabilities": get_vms_capabilities}
