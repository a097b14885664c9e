"""The default data set: four VMs (two Stopped, one Running, one Paused) with NICs, used IPs,
root and data volumes, the images they were created from, and the resources they name (the zone,
cluster, hosts, primary storage, instance offerings, disk offering, L2 and L3 networks and their
IP ranges), so that every uuid of the data set names something and a create that names them
finds them (issue 27, item 5; docs/protocol.md, "Resources that exist").

Uuids are derived from names, so they are the same on every run. Root volumes have grown past
their image (size resized, actualSize written to), so a reimage visibly resets them. The
resources are kept by the collections :mod:`..contract.resources` names (``instance-offerings``,
``l3-networks/ip-ranges``, ...); their inventories hold the fields the 5.3.0 query of each documents.
"""

from __future__ import annotations

import ipaddress
import uuid as _uuid
from datetime import datetime, timedelta

_NS = _uuid.UUID("5d1c1b7e-6a53-4f8f-9a43-3e2b0c6f1a2d")

GiB = 1024**3


def uid(name: str) -> str:
    """A stable 32-hex uuid for a seed object's name."""
    return _uuid.uuid5(_NS, name).hex


ZONE = uid("zone/zone-1")
CLUSTER = uid("cluster/cluster-1")
HOSTS = [uid("host/kvm-1"), uid("host/kvm-2")]
PRIMARY_STORAGE = uid("ps/local-1")
ACCOUNT = uid("account/admin")
INSTANCE_OFFERINGS = {"small": uid("io/small"), "medium": uid("io/medium"), "large": uid("io/large")}
DISK_OFFERING = uid("do/data-100g")
L3 = {
    "public": (uid("l3/public"), uid("ipr/public"), "10.0.2.", "255.255.255.0", "10.0.2.1"),
    "private": (uid("l3/private"), uid("ipr/private"), "192.168.10.", "255.255.255.0", "192.168.10.1"),
}

L2 = uid("l2/l2-1")
INSTANCE_OFFERING_SIZES = {"small": (1, 2 * GiB), "medium": (4, 8 * GiB), "large": (8, 16 * GiB)}  # cpuNum, memorySize
_BUILT = datetime(2023, 1, 5, 10, 0, 0)  # when the resources below were made

IMAGES = [
    {"uuid": uid("image/centos-7"), "name": "centos-7-x86_64", "size": 40 * GiB, "actualSize": 1396703232, "guestOsType": "Centos 7"},
    {"uuid": uid("image/ubuntu-22.04"), "name": "ubuntu-22.04-server", "size": 20 * GiB, "actualSize": 676331520,
     "guestOsType": "Ubuntu 22.04"},
]
_IMAGE_OS = {img["uuid"]: img["guestOsType"] for img in IMAGES}


def _image(img: dict) -> dict:
    return {**img, "state": "Enabled", "status": "Ready", "mediaType": "RootVolumeTemplate", "format": "qcow2", "platform": "Linux",
            "architecture": "x86_64", "type": "zstack", "system": False, "virtio": True, "md5Sum": "not calculated",
            "url": f"http://images.example/{img['name']}.qcow2", "createDate": _BUILT, "lastOpDate": _BUILT}


def _dated(**fields) -> dict:
    return {**fields, "createDate": _BUILT, "lastOpDate": _BUILT}


def _ip_range(l3: str) -> dict:
    l3_uuid, range_uuid, prefix, netmask, gateway = L3[l3]
    return _dated(uuid=range_uuid, l3NetworkUuid=l3_uuid, name=f"{l3}-range", startIp=f"{prefix}10", endIp=f"{prefix}200",
                  netmask=netmask, gateway=gateway, networkCidr=f"{prefix}0/24", ipVersion=4, ipRangeType="Normal")


def resources() -> dict[str, list[dict]]:
    """The resources the VMs name, by collection (the names :mod:`..contract.resources` gives)."""
    hosts = [_dated(uuid=h, name=f"kvm-{n}", zoneUuid=ZONE, clusterUuid=CLUSTER, managementIp=f"172.20.0.{10 + n}",
                    hypervisorType="KVM", state="Enabled", status="Connected", totalCpuCapacity=64, availableCpuCapacity=40,
                    cpuSockets=2, totalMemoryCapacity=128 * GiB, availableMemoryCapacity=96 * GiB, cpuNum=32, architecture="x86_64")
             for n, h in enumerate(HOSTS, start=1)]
    return {
        "zones": [_dated(uuid=ZONE, name="zone-1", state="Enabled", type="zstack")],
        "clusters": [_dated(uuid=CLUSTER, name="cluster-1", zoneUuid=ZONE, state="Enabled", hypervisorType="KVM", type="zstack")],
        "hosts": hosts,
        "primary-storage": [_dated(uuid=PRIMARY_STORAGE, name="local-1", zoneUuid=ZONE, url="/zstack_ps", mountPath="/zstack_ps",
                                   type="LocalStorage", state="Enabled", status="Connected", totalCapacity=4096 * GiB,
                                   availableCapacity=3000 * GiB, totalPhysicalCapacity=4096 * GiB,
                                   availablePhysicalCapacity=3000 * GiB, systemUsedCapacity=0, attachedClusterUuids=[CLUSTER])],
        "instance-offerings": [_dated(uuid=INSTANCE_OFFERINGS[name], name=name, cpuNum=cpus, cpuSpeed=0, memorySize=memory,
                                      type="UserVm", allocatorStrategy="LastHostPreferredAllocatorStrategy", sortKey=0,
                                      state="Enabled")
                               for name, (cpus, memory) in INSTANCE_OFFERING_SIZES.items()],
        "disk-offerings": [_dated(uuid=DISK_OFFERING, name="data-100g", diskSize=100 * GiB, sortKey=0, state="Enabled",
                                  type="DefaultDiskOfferingType", allocatorStrategy="DefaultPrimaryStorageAllocationStrategy")],
        "l2-networks": [_dated(uuid=L2, name="l2-1", zoneUuid=ZONE, physicalInterface="eth0", type="L2NoVlanNetwork",
                               attachedClusterUuids=[CLUSTER])],
        "l3-networks": [_dated(uuid=L3[name][0], name=name, type="L3BasicNetwork", zoneUuid=ZONE, l2NetworkUuid=L2, state="Enabled",
                               system=False, category="Public" if name == "public" else "Private", ipVersion=4, enableIPAM=True,
                               isolated=False, dns=[], ipRanges=[_ip_range(name)], networkServices=[], hostRoute=[],
                               reservedIpRanges=[])
                        for name in L3],
        "l3-networks/ip-ranges": [_ip_range(name) for name in L3],
    }


def _nic(vm_uuid: str, vm_name: str, internal_id: int, device: int, l3: str, host_octet: int, when: datetime) -> dict:
    l3_uuid, range_uuid, prefix, netmask, gateway = L3[l3]
    nic_uuid = uid(f"nic/{vm_name}/{device}")
    ip_uuid = uid(f"ip/{vm_name}/{device}")
    ip = f"{prefix}{host_octet}"
    used_ip = {
        "uuid": ip_uuid,
        "ipRangeUuid": range_uuid,
        "l3NetworkUuid": l3_uuid,
        "ipVersion": 4,
        "ip": ip,
        "netmask": netmask,
        "gateway": gateway,
        "usedFor": "Vm",
        "ipInLong": int(ipaddress.IPv4Address(ip)),
        "vmNicUuid": nic_uuid,
        "createDate": when,
        "lastOpDate": when,
    }
    mac = "fa:%02x:%02x:%02x:%02x:%02x" % tuple(bytes.fromhex(nic_uuid)[:5])
    return {
        "uuid": nic_uuid,
        "vmInstanceUuid": vm_uuid,
        "usedIpUuid": ip_uuid,
        "l3NetworkUuid": l3_uuid,
        "ip": ip,
        "mac": mac,
        "hypervisorType": "KVM",
        "netmask": netmask,
        "gateway": gateway,
        "metaData": None,
        "ipVersion": 4,
        "driverType": "virtio",
        "internalName": f"vnic{internal_id}.{device}",
        "deviceId": device,
        "type": "VNIC",
        "state": "enable",
        "usedIps": [used_ip],
        "createDate": when,
        "lastOpDate": when,
    }


def _volume(vm_uuid: str, vm_name: str, kind: str, device: int, image: dict | None, size: int, actual: int,
            when: datetime, **extra) -> dict:
    vol_uuid = uid(f"volume/{vm_name}/{device}")
    vol = {
        "uuid": vol_uuid,
        "name": f"ROOT-for-{vm_name}" if kind == "Root" else f"DATA-{device}-for-{vm_name}",
        "description": None,
        "primaryStorageUuid": PRIMARY_STORAGE,
        "vmInstanceUuid": vm_uuid,
        "diskOfferingUuid": None if kind == "Root" else DISK_OFFERING,
        "rootImageUuid": image["uuid"] if image else None,
        "installPath": f"/zstack_ps/{kind.lower()}Volumes/acct-{ACCOUNT}/vol-{vol_uuid}/{vol_uuid}.qcow2",
        "type": kind,
        "format": "qcow2",
        "size": size,
        "actualSize": actual,
        "deviceId": device,
        "state": "Enabled",
        "status": "Ready",
        "createDate": when,
        "lastOpDate": when + timedelta(minutes=3),
        "isShareable": False,
        "volumeQos": "",
        "lastDetachDate": None,
        "lastVmInstanceUuid": None,
        "lastAttachDate": when,
        "protocol": None,
    }
    vol.update(extra)
    return vol


def _vm(name: str, description: str | None, state: str, image: dict, offering: str, memory: int, cpus: int,
        internal_id: int, nics: list[tuple[str, int]], data_disks: list[dict], created: datetime,
        cdrom: bool = False) -> dict:
    vm_uuid = uid(f"vm/{name}")
    host = HOSTS[internal_id % 2]
    root = _volume(vm_uuid, name, "Root", 0, image, 100 * GiB, 23 * GiB + internal_id * 1048576, created)
    volumes = [root]
    for i, disk in enumerate(data_disks, start=1):
        volumes.append(_volume(vm_uuid, name, "Data", i, None, disk.pop("size"), disk.pop("actualSize"), created, **disk))
    running = state in ("Running", "Paused")
    return {
        "uuid": vm_uuid,
        "name": name,
        "description": description,
        "zoneUuid": ZONE,
        "clusterUuid": CLUSTER,
        "imageUuid": image["uuid"],
        "hostUuid": host if running else None,
        "lastHostUuid": host,
        "instanceOfferingUuid": INSTANCE_OFFERINGS[offering],
        "rootVolumeUuid": root["uuid"],
        "platform": "Linux",
        "architecture": "x86_64",
        "guestOsType": _IMAGE_OS[image["uuid"]],
        "defaultL3NetworkUuid": L3[nics[0][0]][0],
        "type": "UserVm",
        "hypervisorType": "KVM",
        "memorySize": memory,
        "reservedMemorySize": 0,
        "cpuNum": cpus,
        "cpuSpeed": 0,
        "allocatorStrategy": "LastHostPreferredAllocatorStrategy",
        "createDate": created,
        "lastOpDate": created + timedelta(days=2, hours=5, seconds=17),
        "state": state,
        "internalId": internal_id,
        "vmNics": [_nic(vm_uuid, name, internal_id, dev, l3, octet, created) for dev, (l3, octet) in enumerate(nics)],
        "allVolumes": volumes,
        "vmCdRoms": [
            {
                "uuid": uid(f"cdrom/{name}/0"),
                "vmInstanceUuid": vm_uuid,
                "deviceId": 0,
                "isoUuid": None,
                "name": f"vm-{name}-cdRom",
                "createDate": created,
                "lastOpDate": created,
            }
        ] if cdrom else [],
    }


def seed() -> dict:
    """The default data set, in the simulator's internal form (dates are datetimes)."""
    centos, ubuntu = ({**img} for img in IMAGES)
    db_volume_extra = {
        "lastVmInstanceUuid": uid("vm/db-old"),
        "lastDetachDate": datetime(2023, 5, 30, 16, 2, 41),
        "lastAttachDate": datetime(2023, 6, 1, 8, 44, 10),
        "protocol": "VHost",
    }
    vms = [
        _vm("web-1", "web server <nginx> & 'static' site, tier=front", "Stopped", centos, "medium", 8 * GiB, 4, 12,
            [("public", 21), ("private", 21)], [{"size": 100 * GiB, "actualSize": 7 * GiB}],
            datetime(2023, 3, 2, 9, 15, 4), cdrom=True),
        _vm("db-1", "primary database", "Stopped", ubuntu, "large", 16 * GiB, 8, 13,
            [("private", 31)], [{"size": 500 * GiB, "actualSize": 212 * GiB, **db_volume_extra}],
            datetime(2023, 4, 18, 14, 40, 55)),
        _vm("app-1", None, "Running", centos, "medium", 4 * GiB, 2, 14,
            [("private", 41)], [], datetime(2023, 7, 9, 23, 5, 31)),
        _vm("batch-1", "nightly batch runner", "Paused", ubuntu, "small", 2 * GiB, 1, 15,
            [("private", 51)], [], datetime(2024, 1, 11, 0, 30, 0)),
    ]
    return {"vms": vms, "images": [_image(centos), _image(ubuntu)], "resources": resources(),
            "accounts": [{"name": "admin", "password": "password"}]}
