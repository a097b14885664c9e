"""Issue 27, item 3: every error the simulator answers with has the node's texts.

A node builds each ErrorCode in ``ErrorFacadeImpl`` (core/src/main/java/org/zstack/core/errorcode/
ErrorFacadeImpl.java): the ``description`` is the code's line in the error-code tables
(conf/errorCodes/*.xml, ``createErrorCode``), the ``details`` are the caller's words, cut to 4093
characters and ``...`` past 4096 (``doInstantiateErrorCode``). Paths below are relative to the
ZStack tree."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess

import pytest
import requests

from conftest import ROOT
from test_simulator import auth, finish, vm_in
from zstack_contract.facts import error_codes
from zstack_contract.simulator import Simulator
from zstack_contract.simulator.render import error_code

PASSWORD_HASH = hashlib.sha512(b"password").hexdigest()
NO_SUCH_VM = "0123456789abcdef0123456789abcdef"

# code, the description the node's table gives it, the table (ErrorFacadeImpl.createErrorCode reads it)
TABLE = [
    ("SYS.1000", "An internal error happened in system", "conf/errorCodes/sys.xml"),
    ("SYS.1001", "A message or a operation timeout", "conf/errorCodes/sys.xml"),
    ("SYS.1003", "A resource can not be found", "conf/errorCodes/sys.xml"),
    ("SYS.1006", "An operation failed", "conf/errorCodes/sys.xml"),
    ("SYS.1007", "One or more API argument is invalid", "conf/errorCodes/sys.xml"),
    ("ID.1000", "Unable to authenticate a user", "conf/errorCodes/identity.xml"),
    ("ID.1001", "The session is invalid, either wrong session id or the session has been expired", "conf/errorCodes/identity.xml"),
    ("ID.1002", "The user doesn't have permission to perform the operation", "conf/errorCodes/identity.xml"),
    ("VM.1014", "VM is not in Stopped state, cannot do re-image operation.", "conf/errorCodes/vm.xml"),
    ("VM.1015", "Original image media type of VM is ISO, cannot do re-image operation.", "conf/errorCodes/vm.xml"),
    ("VM.1016", "Cannot find image cache, cannot do re-image operation.", "conf/errorCodes/vm.xml"),
]


@pytest.mark.parametrize("code, description, table", TABLE, ids=[row[0] for row in TABLE])
def test_the_table_holds_the_nodes_description(code, description, table):
    assert (error_codes.DESCRIPTIONS[code], error_codes.SOURCES[code]) == (description, table)
    assert error_code(code, "x")["description"] == description


def test_every_code_the_simulator_answers_with_is_in_the_table():
    """A code the table lacks would make the simulator fail where a node answers (ErrorFacadeImpl
    throws ``cannot find error code`` for it too)."""
    used = set()
    for path in (ROOT / "src" / "zstack_contract" / "simulator").glob("*.py"):
        used |= set(re.findall(r"""["']([A-Z][A-Z0-9]*\.\d{4})["']""", path.read_text(encoding="utf-8")))
    assert {"SYS.1003", "SYS.1007", "ID.1000", "ID.1001", "VM.1014"} <= used
    assert used <= set(error_codes.DESCRIPTIONS) and set(error_codes.DESCRIPTIONS) == {row[0] for row in TABLE}


@pytest.mark.parametrize("length, details", [
    (4096, "d" * 4096),  # ErrorFacadeImpl.doInstantiateErrorCode: kept as it is up to 4096
    (4097, "d" * 4093 + "..."),  # past it: the first 4093 and "..."
    (9000, "d" * 4093 + "..."),
])
def test_details_are_cut_as_the_node_cuts_them(length, details):
    assert error_code("SYS.1007", "d" * length)["details"] == details


# -- the simulator's answers, over loopback ---------------------------------------------------------------
def _login(sim, password: str = PASSWORD_HASH) -> requests.Response:
    return requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password}})


def _action(sim, session: str, vm: str, body: dict) -> requests.Response:
    return finish(sim, requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json=body, headers=auth(session)), session)


def _wrong_password(sim, session):
    return _login(sim, hashlib.sha512(b"wrong").hexdigest())


def _unknown_session(sim, session):
    return _action(sim, "f" * 32, vm_in(sim, "Stopped"), {"stopVmInstance": {}})


def _missing_vm(sim, session):
    return _action(sim, session, NO_SUCH_VM, {"reimageVmInstance": {}})


def _missing_mandatory(sim, session):
    return _action(sim, session, vm_in(sim, "Running"), {"setVmRDP": {}})


def _reimage_running(sim, session):
    return _action(sim, session, vm_in(sim, "Running"), {"reimageVmInstance": {}})


def _stop_starting(sim, session):
    vm = vm_in(sim, "Running")
    sim.state.vms[vm]["state"] = "Starting"  # a state stop refuses
    return _action(sim, session, vm, {"stopVmInstance": {}})


# what is sent, the codes of the error and its causes, the server's code that answers so
ANSWERS = [
    (_wrong_password, ["ID.1000"], "identity/src/main/java/org/zstack/identity/AccountLoginBackend.java: err(IdentityErrors.AUTHENTICATION_ERROR, ...)"),
    (_unknown_session, ["ID.1001"], "identity/src/main/java/org/zstack/identity/AccountManagerImpl.java sessionCheck: err(IdentityErrors.INVALID_SESSION, ...)"),
    (_missing_vm, ["SYS.1003"], "portal/src/main/java/org/zstack/portal/apimediator/PortApiValidator.java: err(SysErrors.RESOURCE_NOT_FOUND, ...)"),
    (_missing_mandatory, ["SYS.1007"], ("portal/src/main/java/org/zstack/portal/apimediator/ApiParamValidator.java: "
                                        "InvalidApiMessageException of ApiMessageParamValidator.validate, as SysErrors.INVALID_ARGUMENT_ERROR")),
    (_reimage_running, ["SYS.1000", "VM.1014"], ("compute/src/main/java/org/zstack/compute/vm/VmInstanceBase.java handle(ReimageVmInstanceMsg): "
                                                 "err(VmErrors.RE_IMAGE_VM_NOT_IN_STOPPED_STATE, ...)")),
    (_stop_starting, ["SYS.1006"], ("compute/src/main/java/org/zstack/compute/vm/AbstractVmInstance.java validateOperationByState: "
                                    "SysErrors.OPERATION_ERROR")),
]


@pytest.mark.parametrize("send, codes, source", ANSWERS, ids=[row[0].__name__.strip("_") for row in ANSWERS])
def test_the_simulator_answers_with_the_tables_texts(api_schemas, send, codes, source):
    with Simulator(schemas=api_schemas, job_delay=0.01) as sim:
        session = _login(sim).json()["inventory"]["uuid"]
        answer = send(sim, session)
        assert answer.status_code == 503, answer.text
        err, chain = answer.json()["error"], []
        while err is not None:  # its causes, and the error its details are (CloudBusImpl2 wraps an interceptor's so)
            chain.append((err["code"], err["description"]))
            assert err["details"], err
            err = err.get("cause") or _error_in(err["details"])
        assert chain == [(code, error_codes.DESCRIPTIONS[code]) for code in codes]


def _error_in(details: str) -> dict | None:
    try:
        inner = json.loads(details)
    except ValueError:
        return None
    return inner if isinstance(inner, dict) and "code" in inner else None


# -- the maintainers' script -------------------------------------------------------------------------------
def _module(name: str, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script():
    return _module("regenerate_error_codes", ROOT / "scripts" / "regenerate_error_codes.py")


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True, capture_output=True)


def _tree(tmp_path, files: dict[str, str]):
    repo = tmp_path / "zstack"
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    _git(repo.parent, "init", "-q", "-b", "master", str(repo))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "tables")
    return str(repo / ".git")


SYS_XML = "<error><prefix>SYS</prefix><code><id>01003</id><description> A resource can not be found</description></code></error>"


def test_the_script_reads_the_tables_as_error_facade_impl_does(tmp_path):
    """ErrorFacadeImpl.createErrorCode: ``<prefix>.<id>`` (an xsd:int), the description as written;
    files not ending in .xml are skipped (init)."""
    script = _script()
    git_dir = _tree(tmp_path, {"conf/errorCodes/sys.xml": SYS_XML, "conf/errorCodes/notes.txt": "not a table"})
    table = script.read_tables(git_dir, "master")
    assert table == {"SYS.1003": (" A resource can not be found", "conf/errorCodes/sys.xml")}
    text = script.render(table, {"SYS.1003"}, "c0ffee")
    (tmp_path / "written.py").write_text(text, encoding="utf-8")
    written = _module("written", tmp_path / "written.py")
    assert written.DESCRIPTIONS == {"SYS.1003": " A resource can not be found"} and "commit c0ffee" in written.__doc__


def test_the_script_refuses_a_code_no_table_defines_and_a_code_defined_twice(tmp_path):
    script = _script()
    with pytest.raises(SystemExit, match="no table in conf/errorCodes/ defines SYS.1007"):
        script.render({}, {"SYS.1007"}, "c0ffee")
    git_dir = _tree(tmp_path, {"conf/errorCodes/a.xml": SYS_XML, "conf/errorCodes/b.xml": SYS_XML})
    with pytest.raises(SystemExit, match=r"conf/errorCodes/b.xml: SYS.1003 is defined in conf/errorCodes/a.xml too"):
        script.read_tables(git_dir, "master")


def test_the_shipped_table_is_what_the_script_writes_for_the_simulators_codes():
    """The module is generated for exactly the codes the simulator uses and the ALSO list."""
    script = _script()
    assert set(error_codes.DESCRIPTIONS) == script.codes_used() | set(script.ALSO)
    table = {code: (error_codes.DESCRIPTIONS[code], error_codes.SOURCES[code]) for code in error_codes.DESCRIPTIONS}
    commit = re.search(r"commit ([0-9a-f]{40})", error_codes.__doc__).group(1)
    assert (ROOT / "src" / "zstack_contract" / "facts" / "error_codes.py").read_text(encoding="utf-8") == (
        script.render(table, set(table), commit))
