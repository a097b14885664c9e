"""What the simulated node remembers: accounts, sessions, VMs, images and API jobs.

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

from ..facts.ids import new_uuid, password_hash
from .render import error_code, not_found_details
from .seed import uid

JOB_RETENTION = 3 * 3600.0  # finished jobs are kept for three hours
DEFAULT_API_TIMEOUT_MS = 1_800_000


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
        self.vms: dict[str, dict] = {vm["uuid"]: copy.deepcopy(vm) for vm in dataset["vms"]}
        self.images: dict[str, dict] = {img["uuid"]: dict(img) for img in dataset["images"]}
        self.accounts = {
            a["name"]: {"uuid": uid(f"account/{a['name']}"), "password": password_hash(a["password"])}
            for a in dataset["accounts"]
        }
        self.sessions: dict[str, Session] = {}
        self.jobs: dict[str, Job] = {}
        # sizes to reset a root volume to when its VM's image is not in the data set
        self._loaded_root_sizes = {}
        for vm in self.vms.values():
            root = self.root_volume(vm)
            if root is not None:
                self._loaded_root_sizes[vm["uuid"]] = (root.get("size"), root.get("actualSize"))

    # -- sessions ------------------------------------------------------------------------------

    def login(self, name: str, password_hash: str) -> Session | None:
        account = self.accounts.get(name)
        if account is None or account["password"] != password_hash:
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

    def session_valid(self, session_uuid: str) -> bool:
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
        """Store a new job; False if its uuid is taken."""
        with self.lock:
            if job.uuid in self.jobs:
                return False
            self.jobs[job.uuid] = job
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

    # -- VMs -----------------------------------------------------------------------------------

    @staticmethod
    def root_volume(vm: dict) -> dict | None:
        for vol in vm.get("allVolumes") or ():
            if vol.get("uuid") == vm.get("rootVolumeUuid"):
                return vol
        return None

    def snapshot(self, vm_uuid: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.vms[vm_uuid])

    def all_vms(self) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(vm) for vm in self.vms.values()]

    def run_action(self, api: str, vm_uuid: str, session_uuid: str) -> tuple[int, dict]:
        """Carry out an asynchronous VM action; (status, body) of its job's final answer."""
        if not self.session_valid(session_uuid):
            return 503, {"error": error_code("ID.1001", "Session expired")}
        with self.lock:
            vm = self.vms.get(vm_uuid)
            if vm is None:
                return 503, {"error": error_code("SYS.1003", not_found_details(vm_uuid))}
            handler = {"reimageVmInstance": self._reimage, "stopVmInstance": self._stop, "startVmInstance": self._start}[api]
            err = handler(vm)
            if err is not None:
                return 503, {"error": err}
            return 200, {"inventory": copy.deepcopy(vm)}

    def _reimage(self, vm: dict) -> dict | None:
        if vm["state"] != "Stopped":
            inner = error_code(
                "VM.1014",
                f"unable to reimage the vm[uuid:{vm['uuid']}], the vm is in state[{vm['state']}]; "
                "only a Stopped vm can be reimaged",
            )
            return error_code("SYS.1000", inner["details"], cause=inner)
        root = self.root_volume(vm)
        if root is None:
            return error_code("SYS.1000", f"the vm[uuid:{vm['uuid']}] has no root volume")
        image = self.images.get(vm.get("imageUuid"))
        if image is not None:
            size, actual = image["size"], image["actualSize"]
        else:
            size, actual = self._loaded_root_sizes.get(vm["uuid"], (root.get("size"), root.get("actualSize")))
        when = now()
        root["size"], root["actualSize"], root["lastOpDate"] = size, actual, when
        vm["lastOpDate"] = when
        return None

    def _stop(self, vm: dict) -> dict | None:
        if vm["state"] == "Stopped":
            return None
        if vm["state"] not in ("Running", "Paused", "Unknown", "Crashed", "Error"):
            return error_code("SYS.1006", f"unable to stop the vm[uuid:{vm['uuid']}] in state[{vm['state']}]")
        vm["lastHostUuid"] = vm.get("hostUuid") or vm.get("lastHostUuid")
        vm["hostUuid"] = None
        vm["state"] = "Stopped"
        vm["lastOpDate"] = now()
        return None

    def _start(self, vm: dict) -> dict | None:
        if vm["state"] == "Running":
            return None
        if vm["state"] != "Stopped":
            return error_code("SYS.1006", f"unable to start the vm[uuid:{vm['uuid']}] in state[{vm['state']}]")
        vm["hostUuid"] = vm.get("lastHostUuid") or uid("host/kvm-1")
        vm["state"] = "Running"
        vm["lastOpDate"] = now()
        return None
