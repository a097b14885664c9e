"""The ZStack Python SDK, as the ZStack tree ships it, against the simulator for every API of the test
pages (issue 27): a developer check, not a test. The SDK is read from a ZStack clone into a
temporary folder and never enters the project.

    .venv/bin/python benchmarks/sdk_run.py [--git-dir DIR] [--rev REV] [--python2 PATH] [--json FILE] [--release RELEASE]

1. Reads ``testlib/src/main/resources/zssdk.py`` at ``--rev`` of ``--git-dir`` and appends one action
   class per API of our derived contract of ``tests/pages``, as the tree's generator
   (``testlib/.../testlib/PythonSdkGenerator.groovy``, ``generate``) writes them from the API message
   classes: the route and method (``@RestRequest``), whether the API needs a session (not
   ``@SuppressCredentialCheck``) and whether it polls (not an ``APISyncCallMessage``), the parameter
   name (the action key for an action, else ``parameterName``: ``params`` for a create, ``""`` for
   a GET or DELETE) and each field's ``ParamAnnotation`` (required, valid values, maximum length).
2. Starts the simulator (``Simulator(schemas=...)``) on loopback and runs a Python 2 driver that
   configures the SDK to it, logs in with ``LogInByAccountAction`` (the SHA-512 hex of the password,
   as SDK users send it) and makes the calls of :data:`CALLS`, each outcome a JSON line.
3. Compares each outcome with what the node's code says (:data:`CALLS`: the call, the outcome and
   the server file and method it follows), prints a table and a summary; then makes the same calls
   through the validation proxy (``zstack-contract proxy``) in front of a fresh simulator.

With ``--release RELEASE`` (issue 25), instead: the whole shipped contract of that release
(``Simulator(schemas=load_contracts(None, RELEASE))``, what ``pytest contract_tests`` runs against by
default), an action class for each of its APIs, and one call per API as a user makes it
(:func:`release_calls`: the admin login first, then reads, changes, creates, removals, by name; the
mandatory fields and path variables filled by :func:`example_value`), made on a fresh simulator
directly and on a fresh one through the proxy (``--release``). Each call's outcome is compared
(:func:`outcome_of`); the counts, the outcomes by kind, every difference and the proxy's summary
and findings are printed. Exit 0 when every call is alike, the proxy's summary shows nothing
unchecked and no session uuid shows in its output; 1 otherwise; 2 for unusable input.

Python 2.7 needs ``urllib3<2``: when ``--python2`` cannot import it, it is installed with pip into
the temporary folder. Exit 0 when every call ends as the node says, directly and through the proxy,
and the proxy saw no violation; 1 otherwise; 2 when the SDK, Python 2 or the pages cannot be had.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, machine

sys.path.insert(0, str(ROOT / "src"))

from zstack_contract.contract.compiled import Contract, ContractSet
from zstack_contract.facts.ids import is_uuid_param

SDK_PATH = "testlib/src/main/resources/zssdk.py"
GENERATOR = "testlib/src/main/java/org/zstack/testlib/PythonSdkGenerator.groovy"
DEFAULT_GIT_DIR = "/work/.mirror/zstackio+zstack/repo"
BARE = {"bare": True}  # written ParamAnnotation(required=False)
UNKNOWN = "3f2b6a0c9d8e4f1a8b7c6d5e4f3a2b1c"  # a random UUID's shape (version 4, variant 8) that names nothing

# The fields every query message has (header/.../query/APIQueryMessage.java): a query action's
# parameters are these, not the query string's names (QueryAction in zssdk.py turns conditions
# into q=, sortBy and sortDirection into sort=). Only conditions and sortDirection carry @APIParam.
QUERY_FIELDS: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("conditions", {"required": True}),
    ("limit", None), ("start", None), ("count", None), ("groupBy", None), ("replyWithCount", None),
    ("filterName", None), ("sortBy", None),
    ("sortDirection", {"required": False, "valid_values": ["asc", "desc"]}),
    ("fields", None),
)


# -- 1. the SDK: zssdk.py and the action classes --------------------------------------------------

def read_sdk(git_dir: str, rev: str) -> tuple[str, str]:
    """zssdk.py at ``rev`` and the commit it is; ValueError with git's words when it cannot be read."""
    def git(*args: str) -> str:
        r = subprocess.run(["git", "--git-dir", git_dir, *args], check=False, capture_output=True, text=True)
        if r.returncode != 0:
            raise ValueError(f"{git_dir}: git {' '.join(args)}: {r.stderr.strip() or 'failed'}")
        return r.stdout

    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    return git("show", f"{commit}:{SDK_PATH}"), commit


def _annotation(options: dict[str, Any] | None) -> str:
    """``ParamAnnotation(...)`` as the generator writes it: no arguments for a field without
    @APIParam, else required and the checks it has, then the four flags every @APIParam writes."""
    if options is None:
        return "ParamAnnotation()"
    if options.get("bare"):  # the credentials and requestIp
        return "ParamAnnotation(required=False)"
    args = [f"required={options.get('required', True)!r}"]
    for key in ("valid_values", "max_length", "min_length", "number_range"):
        if options.get(key) is not None:
            args.append(f"{key}={options[key]!r}")
    args += [f"non_empty={bool(options.get('non_empty'))!r}", "null_elements=False", "empty_string=True", "no_trim=False"]
    return f"ParamAnnotation({','.join(args)})"


def _options(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """The @APIParam a documented parameter stands for: the contract's required, valid values,
    length and range (the page documents the message's fields, so each is taken as annotated)."""
    opts: dict[str, Any] = {"required": required}
    if schema.get("enum"):
        opts["valid_values"] = [str(v) for v in schema["enum"]]
    if "maxLength" in schema:
        opts["max_length"] = schema["maxLength"]
    if schema.get("minLength", 0) > 0:
        opts["min_length"] = schema["minLength"]
    if "minimum" in schema and "maximum" in schema:
        opts["number_range"] = [schema["minimum"], schema["maximum"]]
    opts["non_empty"] = schema.get("minItems", 0) > 0
    return opts


@dataclass(frozen=True)
class ActionClass:
    """What the generator writes for one API message class."""

    name: str  # CreateVmInstanceAction
    superclass: str  # QueryAction or AbstractAction
    method: str
    path: str  # the route without /v1, as @RestRequest's path
    need_session: bool
    need_poll: bool
    param_name: str
    params: tuple[tuple[str, dict[str, Any] | None], ...]  # field, its @APIParam (None: none)

    def source(self) -> str:
        lines = [f"class {self.name}({self.superclass}):",
                 f"    HTTP_METHOD = {self.method!r}",
                 f"    PATH = {self.path!r}",
                 f"    NEED_SESSION = {self.need_session!r}",
                 f"    NEED_POLL = {self.need_poll!r}",
                 f"    PARAM_NAME = {self.param_name!r}",
                 "",
                 "    PARAMS = {",
                 ",\n".join(f"        {name!r}: {_annotation(opts)}" for name, opts in self.params),
                 "    }",
                 "",
                 "    def __init__(self):",
                 f"        super({self.name}, self).__init__()",
                 *(f"        self.{name} = None" for name, _ in self.params)]
        return "\n".join(lines) + "\n"


def action_class(contract: Contract) -> ActionClass:
    """The action class of one API of the contract (PythonSdkGenerator.generate, generateFields)."""
    route = contract.routes[0]  # the page's first URL: @RestRequest's path (the others are optionalPaths)
    query = contract.kind == "query"
    if query:
        params = list(QUERY_FIELDS)
    else:
        params = [(p.name, _options(p.schema, p.required)) for p in contract.parameters]
    if contract.authorized:  # not @SuppressCredentialCheck: the credentials are fields of the action
        params += [(name, BARE) for name in ("sessionId", "accessKeyId", "accessKeySecret")]
    params.append(("requestIp", BARE))
    structure = contract.parameters.structure
    param_name = structure or (contract.action_key if route.method == "PUT" else "")
    return ActionClass(
        name=f"{contract.api}Action",
        superclass="QueryAction" if query else "AbstractAction",
        method=route.method,
        path=route.template[len("/v1"):] if route.template.startswith("/v1/") else route.template,
        need_session=contract.authorized,
        need_poll=not contract.answers_at_once,
        param_name=param_name,
        params=tuple(params),
    )


def sdk_module(base: str, contracts: ContractSet) -> str:
    """zssdk.py as the generator writes it: the tree's file, then every action class, by name."""
    classes = sorted((action_class(c) for c in contracts), key=lambda a: a.name)
    return base + "\n\n" + "\n".join("\n" + a.source() for a in classes)



# -- 2. the calls, and what the node's code says of each ------------------------------------------

@dataclass(frozen=True)
class Call:
    """One call a user makes with the SDK, and how it ends on a node.

    ``params``: the action's fields; a string starting with ``@`` is a path into what the driver has
    learnt (``@vms.Running.uuid``: the uuid of the first Running VM of the saved query, by name;
    ``@unknown``: a uuid that names nothing). ``expect``: ``success`` or the error code the node
    answers (inside the SDK's ``sdk.1000`` for a synchronous ``503``). ``fields``: the fields of the
    success, as ``RestServer.writeResponse`` writes the result class. ``values``: dotted paths into
    the success and the value each has. ``source``: the server file and method (ZStack tree)."""

    api: str
    call: str
    params: dict[str, Any]
    expect: str
    source: str
    fields: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    save: str | None = None  # keep the success under this name (a query's inventories by state)
    gives_session: bool = False

    def plan(self) -> dict[str, Any]:
        return {"api": self.api, "call": self.call, "params": self.params, "save": self.save,
                "gives_session": self.gives_session, "values": sorted(self.values)}


VM = "compute/src/main/java/org/zstack/compute/vm/VmInstanceBase.java"
VM_MANAGER = "compute/src/main/java/org/zstack/compute/vm/VmInstanceManagerImpl.java"
LOOKUP = "portal/src/main/java/org/zstack/portal/apimediator/PortApiValidator.java (validate): @APIParam(resourceType = VmInstanceVO.class)"
NOT_OPEN = "the handler is not in the open tree; the result class sdk/src/main/java/org/zstack/sdk/{0}Result.java has no fields"

CALLS: tuple[Call, ...] = (
    Call("LogInByAccount", "admin with a wrong password", {"accountName": "admin", "password": "@wrong_password"}, "ID.1000",
         "identity/src/main/java/org/zstack/identity/AccountLoginBackend.java (wrong account name or password)"),
    Call("LogInByAccount", "admin with the SHA-512 of its password", {"accountName": "admin", "password": "@password"}, "success",
         "identity/src/main/java/org/zstack/identity/AccountManagerImpl.java handle(APILogInByAccountMsg); "
         "header/.../identity/APILogInReply.java @RestResponse(allTo = \"inventory\")",
         fields=("inventory",), gives_session=True),
    Call("QueryVmInstance", "every VM", {"conditions": []}, "success",
         "rest/src/main/java/org/zstack/rest/RestServer.java handleQueryApi, writeResponse (schema on every query reply)",
         fields=("inventories", "schema"), save="vms"),
    Call("QueryVmInstance", "uuid= a uuid that names nothing", {"conditions": ["uuid=@unknown"]}, "success",
         "search/src/main/java/org/zstack/query/QueryFacadeImpl.java handle(APIQueryMessage): no row, an empty list",
         fields=("inventories", "schema"), values={"inventories": []}),
    Call("GetVmBootOrder", "a Running VM", {"uuid": "@vms.Running.uuid"}, "success",
         f"{VM} handle(APIGetVmBootOrderMsg): no bootOrder tag and no ISO: HardDisk, Network",
         fields=("orders",), values={"orders": ["HardDisk", "Network"]}),
    Call("GetVmBootOrder", "a uuid that names nothing", {"uuid": "@unknown"}, "SYS.1003", LOOKUP),
    Call("GetVmConsolePassword", "a Running VM with no console password", {"uuid": "@vms.Running.uuid"}, "success",
         f"{VM} handle(APIGetVmConsolePasswordMsg): no consolePassword tag, a null password left out: {{}}"),
    Call("GetVmConsolePassword", "a uuid that names nothing", {"uuid": "@unknown"}, "SYS.1003", LOOKUP),
    Call("GetVmsCapabilities", "a Running VM", {"vmUuids": "@vms.Running.uuid"}, "success",
         f"{VM_MANAGER} handle(APIGetVmsCapabilitiesMsg): one entry per uuid asked for", fields=("vmsCaps",)),
    Call("GetVmsCapabilities", "a uuid that names nothing", {"vmUuids": "@unknown"}, "SYS.1000",
         f"{VM_MANAGER} handle(APIGetVmsCapabilitiesMsg): vmUuids has no resourceType, VmCapabilitiesJudger.judge "
         "dereferences a null VM; core/.../cloudbus/CloudBusImpl3.java answers SYS.1000"),
    Call("SetVmQga", "enable on a Running VM", {"uuid": "@vms.Running.uuid", "enable": True}, "success", NOT_OPEN.format("SetVmQga")),
    Call("SetVmQga", "a uuid that names nothing", {"uuid": "@unknown", "enable": True}, "SYS.1003", LOOKUP),
    Call("SetVmRDP", "enable on a Running VM", {"uuid": "@vms.Running.uuid", "enable": True}, "success", NOT_OPEN.format("SetVmRDP")),
    Call("SetVmRDP", "a uuid that names nothing", {"uuid": "@unknown", "enable": True}, "SYS.1003", LOOKUP),
    Call("DeleteVmHostname", "a Stopped VM with no hostname", {"uuid": "@vms.Stopped.uuid"}, "success",
         f"{VM} handle(APIDeleteVmHostnameMsg): no hostname tag, the event at once (APIDeleteVmHostnameEvent has no fields)"),
    Call("QueryVmInstance", "the Stopped VM, after DeleteVmHostname", {"conditions": ["uuid=@vms.Stopped.uuid"]}, "success",
         f"{VM} handle(APIDeleteVmHostnameMsg): deletes the VM's hostname tag only (VmSystemTags.HOSTNAME.delete)",
         fields=("inventories", "schema"), values={"inventories.0.state": "Stopped"}),
    Call("DeleteVmHostname", "a uuid that names nothing", {"uuid": "@unknown"}, "SYS.1003", LOOKUP),
    Call("StopVmInstance", "a Running VM", {"uuid": "@vms.Running.uuid"}, "success",
         f"{VM} handle(APIStopVmInstanceMsg): the VM's inventory, Stopped",
         fields=("inventory",), values={"inventory.state": "Stopped"}),
    Call("StopVmInstance", "a uuid that names nothing", {"uuid": "@unknown"}, "SYS.1003", LOOKUP),
    Call("CreateAccount", "a new account", {"name": "sdk-user", "password": "@password"}, "success",
         "identity/src/main/java/org/zstack/identity/AccountManagerImpl.java handle(APICreateAccountMsg)",
         fields=("inventory",), values={"inventory.name": "sdk-user"}),
    Call("CreateVmInstance", "the offering, image and L3 network of a VM that exists",
         {"name": "sdk-vm", "instanceOfferingUuid": "@vms.Stopped.instanceOfferingUuid", "imageUuid": "@vms.Stopped.imageUuid",
          "l3NetworkUuids": ["@vms.Stopped.vmNics.0.l3NetworkUuid"]}, "success",
         f"{VM_MANAGER} handle(APICreateVmInstanceMsg): the new VM's inventory",
         fields=("inventory",), values={"inventory.name": "sdk-vm"}),
    Call("CreateVmInstance", "an instance offering uuid that names nothing",
         {"name": "sdk-vm-2", "instanceOfferingUuid": "@unknown", "imageUuid": "@vms.Stopped.imageUuid",
          "l3NetworkUuids": ["@vms.Stopped.vmNics.0.l3NetworkUuid"]}, "SYS.1003",
         "portal/.../PortApiValidator.java (validate): @APIParam(resourceType = InstanceOfferingVO.class) of "
         "header/.../vm/APICreateVmInstanceMsg.java"),
    Call("DestroyVmInstance", "a Paused VM", {"uuid": "@vms.Paused.uuid"}, "success",
         f"{VM} handle(APIDestroyVmInstanceMsg): APIDestroyVmInstanceEvent has no fields"),
    Call("QueryVmInstance", "the Paused VM, after DestroyVmInstance", {"conditions": ["uuid=@vms.Paused.uuid"]}, "success",
         f"{VM} handle(APIDestroyVmInstanceMsg) with conf/globalConfig/vm.xml's deletionPolicy (default Delay): "
         "the VM stays, Destroyed, until expunged",
         fields=("inventories", "schema"), values={"inventories.0.state": "Destroyed"}),
    Call("DestroyVmInstance", "a uuid that names nothing", {"uuid": "@unknown"}, "success",
         "header/.../vm/APIDestroyVmInstanceMsg.java: @APIParam(successIfResourceNotExisting = true); "
         "PortApiValidator: a random UUID that names nothing is a success, with no fields"),
)

# The Python 2 driver: configures the SDK to the target, makes each call of the plan with the
# generated action class, and writes one JSON line per outcome to a file (the SDK prints every
# request and answer, sessions and password hashes included: that goes to /dev/null).
DRIVER = r'''
import json, os, sys
folder, plan_file, out_file, host, port, context = sys.argv[1:7]
sys.path.insert(0, folder)
import zssdk

zssdk.configure(hostname=host, port=int(port), context_path=context, polling_interval=0.05, read_timeout=60)
plan = json.load(open(plan_file))
known = plan["known"]
out = open(out_file, "w")
sys.stdout = open(os.devnull, "w")


def plain(o):
    if isinstance(o, (zssdk.Obj, zssdk.ErrorCode)):
        return dict((k, plain(v)) for k, v in vars(o).items())
    if isinstance(o, list):
        return [plain(x) for x in o]
    return o


def at(value, path):
    for part in path.split("."):
        if isinstance(value, list):
            value = value[int(part)] if part.isdigit() and int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def resolve(value):
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, basestring) and "@" in value:
        head, _, path = value.partition("@")
        found = at(known, path)
        if found is None:
            raise LookupError(path)
        return head + found
    return value


session = None
for step in plan["calls"]:
    row = {"api": step["api"], "call": step["call"]}
    try:
        action = getattr(zssdk, step["api"] + "Action")()
        for k, v in step["params"].items():
            setattr(action, k, resolve(v))
    except LookupError as e:
        row.update(outcome="not made", detail="nothing known at @%s" % e.args[0])
        out.write(json.dumps(row) + "\n")
        continue
    if action.NEED_SESSION:
        action.sessionId = session
    try:
        result = action.call()
    except Exception as e:
        row.update(outcome="exception", detail="%s: %s" % (type(e).__name__, e))
        out.write(json.dumps(row) + "\n")
        continue
    error = plain(result.error)
    if error:
        row.update(outcome="error", code=error.get("code"), detail=error.get("details"))
        if error.get("code") == "sdk.1000":  # a status other than 2xx: the node's body is in details
            row["http"] = error.get("description")
            try:
                inner = json.loads(error.get("details"))["error"]
                row.update(code=inner.get("code"), detail=inner.get("details"))
            except Exception:
                pass
        row["detail"] = (row["detail"] or "")[:160]
    else:
        value = plain(result.value) or {}
        row.update(outcome="success", fields=sorted(value), values=dict((p, at(value, p)) for p in step["values"]))
        if step["gives_session"]:
            session = value["inventory"]["uuid"]
        if step["save"]:
            found = value.get("inventories", value)
            if isinstance(found, list):
                found = dict((inv.get("state"), inv) for inv in sorted(found, key=lambda i: i.get("name"), reverse=True))
            known[step["save"]] = found
    out.write(json.dumps(row) + "\n")
out.close()
'''


# -- 2b. every API of a shipped release: one call each, as a user makes it ------------------------

# Reads first, then what changes a resource, removals last: a removal does not take away a
# resource a later call names. Within a kind, by API name. The login that gives the session first.
KIND_ORDER = ("query", "get", "action", "update", "create", "delete")
LOGIN = Call("LogInByAccount", "admin with the SHA-512 of its password", {"accountName": "admin", "password": "@password"}, "",
             "the session every other call uses", gives_session=True)


def _type(schema: dict[str, Any]) -> str | None:
    """The JSON type a value of ``schema`` takes (the first one that is not null)."""
    t = schema.get("type")
    return next((x for x in t if x != "null"), None) if isinstance(t, list) else t


def _fixed_uuid(seed: str) -> str:
    """A random-looking uuid (version 4) that names nothing, the same on every run."""
    import hashlib
    import uuid

    return str(uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4).hex)


def example_value(name: str, schema: dict[str, Any], uuid_of: Any) -> Any:
    """A value a user would pass for a parameter: a valid value when the schema lists them, a
    uuid from ``uuid_of(name)`` for a uuid parameter, else a string, number, boolean or list of
    the schema's type, within its bounds."""
    if schema.get("enum"):
        return schema["enum"][0]
    t = _type(schema)
    if t == "array":
        return [example_value(name, schema.get("items") or {"type": "string"}, uuid_of)]
    if t == "boolean":
        return True
    if t in ("integer", "number"):
        low, high = schema.get("minimum", 1), schema.get("maximum", 1)
        return max(low, min(1, high))
    if t == "object":
        return {}
    if is_uuid_param(name):
        return uuid_of(name)
    text = f"sdk-{name}"[: schema.get("maxLength", 255)]
    return text.ljust(schema.get("minLength", 0), "x")


def release_calls(contracts: ContractSet, state: Any) -> tuple[Call, ...]:
    """One call per API of ``contracts``, in :data:`KIND_ORDER` (the admin login first): its
    mandatory fields filled by :func:`example_value`; a uuid names the first resource (by uuid) of
    its collection in ``state`` (a fresh simulator's, whose seed uuids are the same on every run),
    else a fixed random uuid. A query is called with no conditions."""
    first: dict[str, str | None] = {}

    def uuid_for(api: str, template: str) -> Any:
        def uuid_of(name: str) -> str:
            collection = contracts.resources.of_param(name, template)
            if collection is not None and collection.name not in first:
                first[collection.name] = min((r["uuid"] for r in state.all(collection.name) if isinstance(r.get("uuid"), str)), default=None)
            return (first[collection.name] if collection is not None else None) or _fixed_uuid(f"{api}.{name}")
        return uuid_of

    calls = [LOGIN]
    rank = {kind: n for n, kind in enumerate(KIND_ORDER)}
    for contract in sorted(contracts, key=lambda c: (rank.get(c.kind, len(rank)), c.api)):
        if contract.api == LOGIN.api:
            continue
        route = contract.routes[0]
        if contract.kind == "query":
            params: dict[str, Any] = {"conditions": []}
        else:
            uuid_of = uuid_for(contract.api, route.template)
            # a path variable too: the SDK cannot build the URL without it (string.Template.substitute)
            params = {p.name: example_value(p.name, p.schema, uuid_of) for p in contract.parameters if p.required or p.where == "path"}
        calls.append(Call(contract.api, f"{route.method} {route.template}", params, "", contract.kind))
    return tuple(calls)


def outcome_of(got: dict[str, Any], base_url: str) -> tuple:
    """What is compared of an outcome: a success's top-level fields, an error's code (and the
    status the SDK saw), or an SDK-side error's type and words (the target's address left out)."""
    kind = got.get("outcome")
    if kind == "success":
        return ("success", tuple(got.get("fields", ())))
    if kind == "error":
        return ("error", got.get("code"), got.get("http"))
    return (kind, (got.get("detail") or "").replace(base_url, "<target>"))


def said(key: tuple) -> str:
    if key[0] == "success":
        return "success: " + (", ".join(key[1]) or "{}")
    if key[0] == "error":
        return f"error {key[1]}" + (f" ({key[2]})" if key[2] else "")
    return f"{key[0]}: {key[1]}"


# -- 3. running the calls, directly and through the proxy ------------------------------------------

def python2_with_urllib3(python2: str, folder: Path) -> None:
    """Make ``urllib3<2`` importable by ``python2`` from ``folder`` (pip into it when it is not)."""
    probe = [python2, "-c", f"import sys; sys.path.insert(0, {str(folder)!r}); import urllib3"]
    if subprocess.run(probe, check=False, capture_output=True).returncode == 0:
        return
    r = subprocess.run([python2, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target", str(folder), "urllib3<2"],
                       check=False, capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or subprocess.run(probe, check=False, capture_output=True).returncode != 0:
        raise ValueError(f"{python2}: cannot install urllib3<2: {(r.stderr.strip().splitlines() or ['failed'])[-1]}")


def drive(python2: str, folder: Path, base_url: str, known: dict[str, Any], timeout: float = 600,
          calls: tuple[Call, ...] = CALLS) -> tuple[list[dict], float]:
    """Run every call of ``calls`` with the SDK in ``folder`` against ``base_url``; the outcomes and the seconds taken."""
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    plan, out = folder / "plan.json", folder / "outcomes.jsonl"
    plan.write_text(json.dumps({"known": known, "calls": [c.plan() for c in calls]}))
    (folder / "driver.py").write_text(DRIVER)
    started = time.perf_counter()
    r = subprocess.run([python2, str(folder / "driver.py"), str(folder), str(plan), str(out), url.hostname, str(url.port), url.path],
                       check=False, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    if r.returncode != 0:
        raise RuntimeError(f"the Python 2 driver failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    return [json.loads(line) for line in out.read_text().splitlines()], seconds


def judge(call: Call, got: dict[str, Any]) -> bool:
    """Whether an outcome is what the node's code says."""
    if call.expect != "success":
        return got.get("outcome") == "error" and got.get("code") == call.expect
    return (got.get("outcome") == "success" and got.get("fields") == sorted(call.fields)
            and all(got.get("values", {}).get(p) == v for p, v in call.values.items()))


def described(call: Call) -> str:
    if call.expect != "success":
        return call.expect
    shown = ", ".join(call.fields) or "{}"
    return "success: " + shown + "".join(f"; {p}={json.dumps(v)}" for p, v in call.values.items())


def told(got: dict[str, Any]) -> str:
    if got.get("outcome") == "success":
        return "success: " + (", ".join(got["fields"]) or "{}") + "".join(f"; {p}={json.dumps(v)}" for p, v in got.get("values", {}).items())
    if got.get("outcome") == "error":
        return (got.get("code") or "?") + (f" ({got['detail']})" if got.get("detail") else "")
    return f"{got.get('outcome')}: {got.get('detail')}"


@dataclass
class Run:
    name: str
    outcomes: list[dict]
    seconds: float
    proxy_summary: str | None = None
    proxy_exit: int | None = None
    secrets_seen: list[str] = field(default_factory=list)
    report_files: int = 0
    base_url: str = ""  # the address the SDK was configured to
    log: str = ""  # what the proxy wrote to stderr (its findings, its summary)

    @property
    def rows(self) -> list[tuple[Call, dict]]:
        by_call = {(o["api"], o["call"]): o for o in self.outcomes}
        return [(c, by_call.get((c.api, c.call), {"outcome": "missing"})) for c in CALLS]

    @property
    def as_node(self) -> int:
        return sum(judge(c, o) for c, o in self.rows)


def run_direct(schemas: Path | ContractSet, python2: str, folder: Path, known: dict, calls: tuple[Call, ...] = CALLS) -> Run:
    from zstack_contract.simulator.server import Simulator

    sim = Simulator(schemas=schemas).start()
    try:
        outcomes, seconds = drive(python2, folder, sim.base_url, known, calls=calls)
    finally:
        sim.stop()
    return Run("direct", outcomes, seconds, base_url=sim.base_url)


def run_proxied(schemas: Path | ContractSet, python2: str, folder: Path, known: dict, env: dict, calls: tuple[Call, ...] = CALLS) -> Run:
    """The same calls through ``zstack-contract proxy`` before a fresh simulator; its summary line
    and exit code, and whether a session uuid of the run shows in its output, reports or records
    (the SDK sends the session in the query string of every GET and DELETE too). ``schemas``: a
    folder, or a shipped release's contract (the proxy is then given ``--release``)."""
    from zstack_contract.simulator.server import Simulator

    reports, records = folder / "proxy-reports", folder / "proxy-records"
    contract = ["--release", schemas.release] if isinstance(schemas, ContractSet) else ["--schemas", str(schemas)]
    sim = Simulator(schemas=schemas).start()
    proxy = subprocess.Popen([sys.executable, "-m", "zstack_contract.cli", "proxy", "--target", sim.base_url, "--listen", "127.0.0.1:0",
                              *contract, "--report", str(reports), "--record", str(records)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proxy.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the proxy did not start: {proxy.stderr.read()[-2000:]}")
        outcomes, seconds = drive(python2, folder, url, known, calls=calls)
    finally:
        proxy.send_signal(signal.SIGINT)
        out, err = proxy.communicate(timeout=120)
        sessions = list(sim.state.sessions)
        sim.stop()
    summary = next((ln for ln in reversed(err.splitlines()) if "exchange(s) checked" in ln), err.strip()[-500:])
    texts = [out, err] + [p.read_text(errors="replace") for d in (reports, records) for p in d.rglob("*") if p.is_file()]
    seen = [f"session {s[:4]}..." for s in sessions if any(s in t for t in texts)]
    return Run("through the proxy", outcomes, seconds, summary, proxy.returncode, seen, len(texts) - 2, url, err)


def table(run: Run) -> str:
    lines = [f"### {run.name}", "", "| API | call | the node says | the simulator answered | as the node | source |",
             "| --- | --- | --- | --- | --- | --- |"]
    for call, got in run.rows:
        ok = judge(call, got)
        lines.append(f"| {call.api} | {call.call} | {described(call)} | {told(got)} | {'yes' if ok else '**no**'} | {call.source} |")
    return "\n".join(lines)


def default_python2() -> str:
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions" / "2.7.18" / "bin" / "python2"
    return str(pyenv) if pyenv.exists() else (shutil.which("python2") or "python2")


def summary_unchecked(summary: str) -> bool:
    """Whether the proxy's summary line says some exchange went unchecked: of no known API,
    unusable, unanswered, a job not followed to its end, or not checked (or there is no summary)."""
    clean = re.search(r"exchange\(s\) checked, .*\b0 of no known API\b.*\b0 job\(s\) not followed to their end, 0 not checked;", summary)
    return clean is None or " unusable" in summary or "did not answer" in summary


def proxy_findings(report: Path) -> dict[str, set[str]]:
    """The APIs of each check's findings in the proxy's JSON report ({} when it has none or cannot be read)."""
    try:
        found = json.loads(report.read_text()).get("findings") or []
    except (OSError, ValueError):
        return {}
    by_check: dict[str, set[str]] = {}
    for f in found:
        by_check.setdefault(f.get("check") or "?", set()).add(f.get("api") or "?")
    return by_check


def run_release(args: argparse.Namespace, base: str, commit: str, folder: Path, env: dict) -> int:
    """``--release``: every API of the release's contract called once (:func:`release_calls`) on a
    fresh simulator directly and on a fresh one through the proxy; each call's outcome compared."""
    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.errors import InputError
    from zstack_contract.facts.ids import password_hash
    from zstack_contract.simulator.server import DEFAULT_PASSWORD, Simulator

    try:
        contracts = load_contracts(None, args.release)
    except (InputError, ValueError, LookupError) as exc:
        print(f"sdk_run: --release: {exc}", file=sys.stderr)
        return 2
    (folder / "zssdk.py").write_text(sdk_module(base, contracts))
    calls = release_calls(contracts, Simulator(schemas=contracts).state)
    known = {"password": password_hash(DEFAULT_PASSWORD)}
    try:
        runs = [run_direct(contracts, args.python2, folder, known, calls), run_proxied(contracts, args.python2, folder, known, env, calls)]
    except (RuntimeError, subprocess.SubprocessError) as exc:
        print(f"sdk_run: {exc}", file=sys.stderr)
        return 2
    proxied = runs[1]
    keyed = [{(o["api"], o["call"]): outcome_of(o, r.base_url) for o in r.outcomes} for r in runs]
    missing = ("missing", "")
    pairs = [(c, keyed[0].get((c.api, c.call), missing), keyed[1].get((c.api, c.call), missing)) for c in calls]
    different = [(c, a, b) for c, a, b in pairs if a != b or a == missing]  # no outcome at all is no likeness
    print(f"ZStack Python SDK {SDK_PATH} at {commit[:12]} ({args.rev}), every API of release {contracts.release}: "
          f"{len(contracts)} APIs, {len(calls)} calls each run (the login first)\n")
    for run, outcomes in zip(runs, keyed):
        kinds = Counter(k[0] for k in outcomes.values())
        codes = Counter(k[1] for k in outcomes.values() if k[0] == "error")
        print(f"{run.name}: {len(outcomes)} outcomes, {run.seconds:.1f} s; " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
              + (" (" + ", ".join(f"{n} {c}" for c, n in sorted(codes.items(), key=lambda x: (-x[1], str(x[0])))) + ")" if codes else ""))
    print(f"{len(calls)} calls, {len(calls) - len(different)} alike, {len(different)} different")
    for c, a, b in different:
        print(f"  {c.api} ({c.call}): directly {said(a)}; through the proxy {said(b)}")
    print(proxied.proxy_summary)
    findings = proxy_findings(folder / "proxy-reports" / "zstack-contract.json")
    if findings:
        print("the proxy's findings (the checks' verdicts on the simulator's answers; the same answers came directly): "
              + "; ".join(f"{len(apis)} {check} ({', '.join(sorted(apis))})" for check, apis in sorted(findings.items())))
    unchecked = summary_unchecked(proxied.proxy_summary or "")
    if proxied.proxy_exit != 0:
        print(f"the proxy exited {proxied.proxy_exit}")
    if proxied.secrets_seen:
        print(f"the proxy's output or reports show a session uuid ({', '.join(proxied.secrets_seen)})")
    else:
        print(f"no session uuid in the proxy's output or its {proxied.report_files} report and record files")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": machine(), "sdk": {"path": SDK_PATH, "rev": args.rev, "commit": commit}, "release": contracts.release,
            "calls": len(calls), "alike": len(calls) - len(different), "different": [[c.api, c.call, list(a), list(b)] for c, a, b in different],
            "runs": [{"name": r.name, "seconds": round(r.seconds, 2), "proxy_summary": r.proxy_summary, "proxy_exit": r.proxy_exit,
                      "proxy_log": r.log.splitlines() if r.log else None, "outcomes": r.outcomes} for r in runs],
        }, indent=2))
    return 0 if not different and not unchecked and not proxied.secrets_seen else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--git-dir", default=DEFAULT_GIT_DIR, help=f"a ZStack clone's git directory (default {DEFAULT_GIT_DIR})")
    p.add_argument("--rev", default="master", help="the revision whose zssdk.py is used (default master)")
    p.add_argument("--pages", default=str(ROOT / "tests" / "pages"), help="the pages whose APIs are called (default tests/pages)")
    p.add_argument("--python2", default=default_python2(), help="Python 2.7 (default: pyenv's 2.7.18, else python2 on PATH)")
    p.add_argument("--json", metavar="FILE", help="also write the figures and every outcome as JSON")
    p.add_argument("--release", metavar="RELEASE",
                   help="instead of the pages' calls: one call per API of this shipped release's contract (e.g. 5.3.0), "
                        "directly and through the proxy, compared")
    args = p.parse_args(argv)
    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.facts.ids import password_hash
    from zstack_contract.simulator.server import DEFAULT_PASSWORD

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory(prefix="zstack-sdk-run-") as tmp:
        folder = Path(tmp)
        try:
            base, commit = read_sdk(args.git_dir, args.rev)
            if not Path(args.python2).exists():
                raise ValueError(f"{args.python2}: no Python 2 there (--python2)")
            python2_with_urllib3(args.python2, folder)
        except (ValueError, OSError, subprocess.SubprocessError) as exc:
            print(f"sdk_run: {exc}", file=sys.stderr)
            return 2
        if args.release is not None:
            return run_release(args, base, commit, folder, env)
        schemas = folder / "schemas"
        r = subprocess.run([sys.executable, "-m", "zstack_contract.cli", "derive", "-q", args.pages, "--out", str(schemas)],
                           cwd=ROOT, env=env, check=False, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"sdk_run: derive {args.pages}: {r.stderr.strip()}", file=sys.stderr)
            return 2
        contracts = load_contracts(schemas)
        (folder / "zssdk.py").write_text(sdk_module(base, contracts))
        known = {"unknown": UNKNOWN, "password": password_hash(DEFAULT_PASSWORD), "wrong_password": password_hash("not-" + DEFAULT_PASSWORD)}
        uncalled = sorted(set(contracts.by_api) - {c.api for c in CALLS})
        try:
            runs = [run_direct(schemas, args.python2, folder, known), run_proxied(schemas, args.python2, folder, known, env)]
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"sdk_run: {exc}", file=sys.stderr)
            return 2

    print(f"ZStack Python SDK {SDK_PATH} at {commit[:12]} ({args.rev}), {len(contracts)} APIs of {args.pages}, "
          f"{len(CALLS)} calls each run\n")
    for run in runs:
        print(table(run) + "\n")
    clean = not uncalled
    for run in runs:
        not_as_node = len(CALLS) - run.as_node
        clean &= not_as_node == 0
        print(f"{run.name}: {len(CALLS)} calls, {run.as_node} as the node says, {not_as_node} not; {run.seconds:.1f} s")
    proxied = runs[1]
    print(proxied.proxy_summary)
    clean &= proxied.proxy_exit == 0 and not proxied.secrets_seen
    if proxied.proxy_exit != 0:
        print(f"the proxy exited {proxied.proxy_exit}")
    if proxied.secrets_seen:
        print(f"the proxy's output or reports show a session uuid ({', '.join(proxied.secrets_seen)})")
    else:
        print(f"no session uuid in the proxy's output or its {proxied.report_files} report and record files")
    if uncalled:
        print(f"APIs of the pages that no call makes: {', '.join(uncalled)}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": machine(), "sdk": {"path": SDK_PATH, "rev": args.rev, "commit": commit}, "apis": sorted(contracts.by_api),
            "uncalled": uncalled,
            "runs": [{"name": r.name, "calls": len(CALLS), "as_node": r.as_node, "seconds": round(r.seconds, 2),
                      "proxy_summary": r.proxy_summary, "proxy_exit": r.proxy_exit, "outcomes": r.outcomes} for r in runs],
        }, indent=2))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
