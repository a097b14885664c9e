"""What the simulated node remembers: accounts, sessions, API jobs, and its resources by collection
(``vm-instances``, ``images``, ...), each an inventory by uuid in the simulator's internal form
(dates are datetimes; rendering is the answer's business).

A VM's parts (its volumes, NICs and CD-ROMs) are kept in the VM, as a node's inventory nests
them, and are also the resources of their own collections (:data:`PARTS`): a query of volumes
finds the VMs' volumes, with no second copy to fall out of step; what is made in such a
collection apart from a VM (a data volume) is kept there.

One lock guards everything; handlers hold it for the few microseconds a change takes. An
asynchronous API takes effect when it is submitted; its job only *reports* the outcome once
``job_delay`` has passed, so no timer threads exist.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..facts.ids import new_uuid, password_hash
from .seed import uid

JOB_RETENTION = 3 * 3600.0  # finished jobs are kept for three hours
# ... in the node's database; in the simulator's memory, only the newest of them, so that a long
# run does not grow without end. A poll of a job let go answers as one expired.
JOBS_KEPT = 5000
DEFAULT_API_TIMEOUT_MS = 1_800_000


# The collections of a VM's parts (named as contract.resources names them), and the VM's fields
# holding them (a used IP is in a NIC's usedIps).
PARTS = {"volumes": ("allVolumes",), "vm-instances/nics": ("vmNics",), "vm-instances/cdroms": ("vmCdRoms",),
         "used-ips": ("vmNics", "usedIps")}


def _parts(holder: dict, fields: tuple[str, ...]) -> list[tuple[dict, str, dict]]:
    """(the object holding it, its field, the part) of each part at ``fields`` below ``holder``."""
    found = []
    for p in holder.get(fields[0]) or ():
        if isinstance(p, dict):
            found += [(holder, fields[0], p)] if len(fields) == 1 else _parts(p, fields[1:])
    return found


def now() -> datetime:
    """Local wall-clock time to the second (the node renders no fractions)."""
    return datetime.now().replace(microsecond=0)


@dataclass
class Session:
    uuid: str
    account_uuid: str
    user_uuid: str
    create_date: datetime
    expired_date: datetime
    deadline: float  # time.monotonic() after which the session is invalid

    def inventory(self) -> dict:
        return {
            "uuid": self.uuid,
            "accountUuid": self.account_uuid,
            "userUuid": self.user_uuid,
            "expiredDate": self.expired_date,
            "createDate": self.create_date,
        }


@dataclass
class Job:
    """An API job. ``status``/``body`` are the final answer; ``ready_at`` None means never."""

    uuid: str
    api: str
    status: int
    body: dict
    ready_at: float | None
    api_timeout_ms: int
    extra: dict = field(default_factory=dict)

    def finished(self, clock: float) -> bool:
        return self.ready_at is not None and clock >= self.ready_at


class State:
    def __init__(self, dataset: dict, session_timeout: float):
        self.lock = threading.RLock()
        self.session_timeout = float(session_timeout)
        self.store: dict[str, dict[str, dict]] = {
            "vm-instances": {vm["uuid"]: copy.deepcopy(vm) for vm in dataset["vms"]},
            "images": {img["uuid"]: copy.deepcopy(img) for img in dataset["images"]},
        }
        for name, items in dataset.get("resources", {}).items():
            self.store.setdefault(name, {}).update({r["uuid"]: copy.deepcopy(r) for r in items})
        self.accounts = {
            a["name"]: {"uuid": uid(f"account/{a['name']}"), "password": password_hash(a["password"])}
            for a in dataset["accounts"]
        }
        self.sessions: dict[str, Session] = {}
        self.jobs: dict[str, Job] = {}
        # The system tags APIs set on a resource, by its uuid: {"bootOrder": "HardDisk,CdRom"} for
        # bootOrder::HardDisk,CdRom (a node's PatternedSystemTag of one token).
        self.tags: dict[str, dict[str, str]] = {}

    # -- resources -----------------------------------------------------------------------------

    @property
    def vms(self) -> dict[str, dict]:
        return self.store["vm-instances"]

    def collection(self, name: str) -> dict[str, dict]:
        """The resources of a collection (an empty one is made when first asked for)."""
        return self.store.setdefault(name, {})

    def _items(self, collection: str) -> dict[str, dict]:
        """The resources of a collection, the live objects: a part collection's own and the VMs' parts."""
        own = self.store.get(collection, {})
        fields = PARTS.get(collection)
        if fields is None:
            return own
        parts = {p["uuid"]: p for vm in self.vms.values() for _, _, p in _parts(vm, fields) if "uuid" in p}
        return {**own, **parts}

    def exists(self, collection: str, uuid: str) -> bool:
        with self.lock:
            return uuid in self._items(collection)

    def get(self, collection: str, uuid: str) -> dict | None:
        """A copy of a resource, or None."""
        with self.lock:
            found = self._items(collection).get(uuid)
            return copy.deepcopy(found) if found is not None else None

    def find(self, collection: str, uuid: str) -> dict | None:
        """The resource itself (to change it, holding the lock), or None."""
        return self._items(collection).get(uuid)

    def all(self, collection: str) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(r) for r in self._items(collection).values()]

    def put(self, collection: str, resource: dict) -> None:
        with self.lock:
            self.collection(collection)[resource["uuid"]] = copy.deepcopy(resource)

    def remove(self, collection: str, uuid: str) -> None:
        """The resource goes (a VM's part: from its VM too)."""
        with self.lock:
            self.store.get(collection, {}).pop(uuid, None)
            fields = PARTS.get(collection)
            for vm in self.vms.values() if fields else ():
                for holder, key, part in _parts(vm, fields):
                    if part.get("uuid") == uuid:
                        holder[key] = [p for p in holder[key] if p is not part]

    def all_vms(self) -> list[dict]:
        return self.all("vm-instances")

    # -- system tags ---------------------------------------------------------------------------

    def tag(self, uuid: str, key: str) -> str | None:
        """The token of the resource's system tag ``key::<token>``, or None when it has none."""
        with self.lock:
            return self.tags.get(uuid, {}).get(key)

    def set_tag(self, uuid: str, key: str, token: str | None) -> None:
        """Create (recreate) the resource's tag ``key::token``; ``token`` None deletes it."""
        with self.lock:
            if token is None:
                self.tags.get(uuid, {}).pop(key, None)
            else:
                self.tags.setdefault(uuid, {})[key] = token

    # -- sessions ------------------------------------------------------------------------------

    def login(self, name: str, password_hash_: str) -> Session | None:
        account = self.accounts.get(name)
        if account is None or account["password"] != password_hash_:
            return None
        created = now()
        with self.lock:
            s = Session(
                uuid=new_uuid(),
                account_uuid=account["uuid"],
                user_uuid=account["uuid"],
                create_date=created,
                expired_date=created + timedelta(seconds=self.session_timeout),
                deadline=time.monotonic() + self.session_timeout,
            )
            self.sessions[s.uuid] = s
        return s

    def logout(self, session_uuid: str) -> None:
        with self.lock:
            self.sessions.pop(session_uuid, None)

    def session_valid(self, session_uuid: str | None) -> bool:
        if session_uuid is None:
            return False
        with self.lock:
            s = self.sessions.get(session_uuid)
            if s is None:
                return False
            if time.monotonic() >= s.deadline:
                del self.sessions[session_uuid]  # the node logs an expired session out
                return False
            return True

    def expire_session(self, session_uuid: str) -> None:
        with self.lock:
            s = self.sessions.get(session_uuid)
            if s is not None:
                s.deadline = float("-inf")
                s.expired_date = now() - timedelta(seconds=1)

    # -- jobs ----------------------------------------------------------------------------------

    def add_job(self, job: Job) -> bool:
        """Store a new job, letting the oldest go beyond :data:`JOBS_KEPT`; False if its uuid is taken."""
        with self.lock:
            if job.uuid in self.jobs:
                return False
            self.jobs[job.uuid] = job
            while len(self.jobs) > JOBS_KEPT:
                del self.jobs[next(iter(self.jobs))]  # a dict keeps the order they came in
            return True

    def job_exists(self, job_uuid: str) -> bool:
        with self.lock:
            return job_uuid in self.jobs

    def get_job(self, job_uuid: str) -> Job | None:
        """The job, or None if unknown or finished more than three hours ago."""
        clock = time.monotonic()
        with self.lock:
            job = self.jobs.get(job_uuid)
            if job is not None and job.ready_at is not None and clock >= job.ready_at + JOB_RETENTION:
                del self.jobs[job_uuid]
                return None
            return job


def stamp(resource: dict[str, Any]) -> None:
    """A change to a resource: its ``lastOpDate`` is now."""
    resource["lastOpDate"] = now()
