"""Never leak, never hang, never crash: whatever ``validate``, ``derive`` and ``openapi`` are given
(a malformed URL, a file name that is not UTF-8 or holds a newline, a FIFO, a number of 5 000
digits, a secret of the wrong type, an output path that is a file), each problem is one line, the
exit code is 0, 1 or 2, the other files are still checked, and the reports are written whole, as
one set (a killed run: ``test_parallel``).

Most runs are in this process (``cli.main``) with stdout and stderr that refuse what a terminal's
UTF-8 would (so a lone surrogate is a failure, not silently kept); a few run as the real command."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from test_har import har, stopped_entries
from test_validate import RECORDINGS, exe
from zstack_contract.cli import main
from zstack_contract.facts.secrets import FAKE_UUID
from zstack_contract.facts.oneline import one_line
from zstack_contract.contract import load_contracts
from zstack_contract.findings.parallel import check_files
from zstack_contract.findings.validation import Validation
from zstack_contract.inputs.recordings import iter_files
from zstack_contract.reporting import write_reports
from zstack_contract.reporting.folder import report_lock

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes, FIFOs and /proc: Linux's")

SECRET = "5f2b1c0e9d8a4b7c8e6f1a2b3c4d5e6f"
RECORD = json.loads((RECORDINGS / "ReimageVmInstance.stopped-vm.exchange.json").read_text())
RECORD["steps"][0]["request"]["headers"]["Authorization"] = f"OAuth {SECRET}"
SAMPLE = json.loads((RECORDINGS / "ReimageVmInstance.page-sample.json").read_text())
CAPTURE = har(*stopped_entries())
for _entry in CAPTURE["log"]["entries"]:
    _entry["request"]["headers"] = [{"name": "Authorization", "value": f"OAuth {SECRET}"}]
REPORT_SCHEMA = json.loads((ROOT / "src" / "zstack_contract" / "data" / "report.schema.json").read_text())
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # all but the newline ending a line
BIG_NUMBER = "9" * 5000
LINE = "zstack-contract: error: "
_AUTH = ("steps", 0, "request", "headers", "Authorization")


def cli(*args) -> tuple[int, str, str]:
    """``zstack-contract ARGS`` in this process: exit code, stdout, stderr. Both streams encode
    strictly as UTF-8, as a terminal's would, so an unescaped surrogate fails the run."""
    streams = [io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n") for _ in range(2)]
    with contextlib.redirect_stdout(streams[0]), contextlib.redirect_stderr(streams[1]):
        rc = main([os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args])
    texts = []
    for s in streams:
        s.flush()
        texts.append(s.buffer.getvalue().decode("utf-8"))
    return rc, texts[0], texts[1]


def assert_well_behaved(rc: int, out: str, err: str, reports: Path | None = None) -> dict | None:
    """What every run promises: a known exit code, no traceback, one clean line per problem,
    no secret; the reports (when asked for) both there, readable and of one run."""
    assert rc in (0, 1, 2), (rc, err)
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert all(line.startswith(LINE) for line in err.splitlines()), err
    assert not RAW_CONTROL.search(out + err), (out + err)[:2000]
    assert SECRET not in out + err
    if reports is None:
        return None
    doc = report_pair(reports)
    assert doc["summary"]["exitCode"] == rc
    assert len(err.splitlines()) == doc["summary"]["inputErrors"], err
    return doc


def report_pair(folder: Path) -> dict:
    """The JSON report, after checking it follows its schema and the Markdown beside it is of the
    same run, on clean lines."""
    raw = (folder / "zstack-contract.json").read_bytes()
    md = (folder / "zstack-contract.md").read_bytes().decode("utf-8")
    assert SECRET.encode() not in raw and SECRET not in md
    doc = json.loads(raw.decode("utf-8"))
    assert list(jsonschema.Draft202012Validator(REPORT_SCHEMA).iter_errors(doc)) == []
    assert not RAW_CONTROL.search(md), md[:2000]
    s = doc["summary"]
    assert md.startswith(f"# zstack-contract: {s['verdict'].upper()}\n")
    assert f" {s['inputErrors']} unusable input(s); {s['files']} file(s), " in md
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    return doc


def write_bytes(folder: Path, name: bytes | str, data: bytes | str) -> None:
    path = os.path.join(os.fsencode(folder), os.fsencode(name))
    with open(path, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def with_at(doc, path: tuple, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


# --- each problem of the issue, in one real run of the command ----------------------------------
def test_every_quoted_problem_is_one_line_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    url = ("steps", 0, "request", "url")
    write_bytes(folder, "ipv6.exchange.json", json.dumps(with_at(RECORD, url, "http://[::1/zstack/v1/vm-instances/x/actions")))
    capture = copy.deepcopy(CAPTURE)
    capture["log"]["entries"][0]["request"]["url"] = "http://[::1/zstack/v1/vm-instances/x/actions"
    write_bytes(folder, "ipv6.har", json.dumps(capture))
    violating = json.dumps(with_at(SAMPLE, ("inventory", "cpuNum"), 1.5))
    write_bytes(folder, b"ReimageVmInstance.bad-\xff.json", violating)
    write_bytes(folder, "new\nline.json", "{")
    write_bytes(folder, "esc\x1b[31mred.json", "[]")
    write_bytes(folder, "digits.json", '{"inventory": {"cpuNum": ' + BIG_NUMBER + "}}")
    write_bytes(folder, "auth.exchange.json", json.dumps(with_at(RECORD, _AUTH, [f"OAuth {SECRET}"])))
    write_bytes(folder, "huge.exchange.json", json.dumps(with_at(RECORD, ("steps", 0, "request", "method"), ["x" * 15_000_000])))
    os.mkfifo(folder / "fifo.json")
    write_bytes(folder, "ReimageVmInstance.violating.json", violating)
    r = subprocess.run([exe("zstack-contract"), "validate", str(folder), "--report", str(tmp_path / "rep"), "--jobs", "1"],
                       capture_output=True, cwd=ROOT, timeout=120)
    out, err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")
    doc = assert_well_behaved(r.returncode, out, err, tmp_path / "rep")
    assert r.returncode == 1  # new violations: the worst outcome, before the unusable inputs
    lines = err.splitlines()
    assert len(lines) == 8 and max(map(len, lines)) < 300, lines
    expected = {
        "ipv6.exchange.json: exchange record: steps[0].request.url: not a usable URL: a '[' or ']' of an IPv6 host without its pair",
        "ipv6.har: entries[0].request.url: not a usable URL: a '[' or ']' of an IPv6 host without its pair",
        "new\\nline.json: invalid JSON at line 1 column 2",
        "esc\\x1b[31mred.json: a response body must be a JSON object, found an array",
        "digits.json: a number at line 1 column 26 has more than 4300 digits",
        "auth.exchange.json: exchange record: steps[0].request.headers.Authorization: expected string, found an array",
        "huge.exchange.json: exchange record: steps[0].request.method: expected string, found an array",
        "fifo.json: not a regular file (a FIFO)",
    }
    for words in expected:
        assert any(words in line for line in lines), (words, lines)
    assert "set_int_max_str_digits" not in err
    # the other files are still checked, and a name that is not UTF-8 is shown by its bytes
    assert f"{folder.as_posix()}/ReimageVmInstance.bad-\\xff.json: /inventory/cpuNum: expected integer" in out
    assert "ReimageVmInstance.violating.json: /inventory/cpuNum: expected integer" in out
    assert doc["summary"]["files"] == 9 and doc["summary"]["violations"] == 2


def test_unreadable_folders_are_named_as_such(tmp_path):
    inside = tmp_path / "rec" / "locked"
    inside.mkdir(parents=True)
    write_bytes(inside, "ReimageVmInstance.a.json", json.dumps(SAMPLE))
    write_bytes(tmp_path / "rec", "ReimageVmInstance.b.json", json.dumps(SAMPLE))
    prefix = []
    if os.geteuid() == 0:  # root reads any folder, unless it gives up the capabilities that let it
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", "--"]
        try:
            usable = subprocess.run(prefix + ["true"], capture_output=True).returncode == 0
        except OSError:
            usable = False
        if not usable:
            pytest.skip("running as root, and cannot give up the capabilities that read any folder")
    inside.chmod(0)
    try:
        r = subprocess.run(prefix + [exe("zstack-contract"), "validate", str(tmp_path / "rec"), str(inside), "--jobs", "1",
                                     "--report", str(tmp_path / "rep")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        inside.chmod(stat.S_IRWXU)
    assert_well_behaved(r.returncode, r.stdout, r.stderr, tmp_path / "rep")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [f"{LINE}{inside.as_posix()}: cannot read folder: Permission denied"] * 2
    assert "1 file(s)" in r.stdout  # the readable one


BROKEN_CHECK = '''
from zstack_contract import check


@check("broken-check", "fails on files named boom: a fault of a check")
def broken_check(view):
    if "boom" in view.exchange.source:
        raise ZeroDivisionError("a value of the file:\\n" + view.exchange.call.request.headers["Authorization"])
    yield from ()
'''


def test_a_check_that_raises_on_a_file_is_one_line_and_the_run_goes_on(tmp_path):
    """One finding of the check, its message on one line with the exchange's secrets masked; the
    exchange is counted, the others checked."""
    (tmp_path / "broken_check.py").write_text(BROKEN_CHECK)
    folder = tmp_path / "in"
    folder.mkdir()
    write_bytes(folder, "boom.exchange.json", json.dumps(RECORD))
    write_bytes(folder, "ReimageVmInstance.violating.json", json.dumps(with_at(SAMPLE, ("inventory", "cpuNum"), 1.5)))
    r = subprocess.run([exe("zstack-contract"), "validate", str(folder), "--plugin", str(tmp_path / "broken_check.py"), "--jobs", "1",
                        "--report", str(tmp_path / "rep")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    doc = assert_well_behaved(r.returncode, r.stdout, r.stderr, tmp_path / "rep")
    assert r.returncode == 1 and r.stderr == ""
    assert (f"violation: {folder.as_posix()}/boom.exchange.json: /: expected the check to run to its end, found ZeroDivisionError: "
            f"a value of the file:\\nOAuth {FAKE_UUID}, raised at broken_check.py:8 (a fault of the check, not of the exchange) [broken-check]") in r.stdout
    assert "ReimageVmInstance.violating.json: /inventory/cpuNum" in r.stdout
    assert doc["summary"]["exchanges"] == 2 and doc["summary"]["inputErrors"] == 0


def test_a_reader_that_fails_on_a_file_is_one_line_and_the_run_goes_on(tmp_path, monkeypatch):
    """Whatever escapes the reader (a fault of ours) costs its file, not the run."""
    from zstack_contract.findings import parallel

    folder = tmp_path / "in"
    folder.mkdir()
    write_bytes(folder, "ReimageVmInstance.boom.json", json.dumps(SAMPLE))
    write_bytes(folder, "ReimageVmInstance.violating.json", json.dumps(with_at(SAMPLE, ("inventory", "cpuNum"), 1.5)))
    real = parallel.read_file

    def read_file(name):
        if "boom" in name:
            raise RecursionError(f"a value of the file: {SECRET}")
        return real(name)

    monkeypatch.setattr(parallel, "read_file", read_file)
    v = Validation(load_contracts("schemas"))
    check_files(v, iter_files([str(folder)], []))
    [error] = v.input_errors
    assert re.fullmatch(re.escape(f"{folder.as_posix()}/ReimageVmInstance.boom.json: could not be read: RecursionError at ")
                        + r"test_hostile_inputs\.py:\d+ \(a fault of the reader; please report it\)", str(error)), str(error)
    assert [f.pointer for f in v.findings] == ["/inventory/cpuNum"]  # the other file is checked


# --- outputs ------------------------------------------------------------------------------------
def test_outputs_that_cannot_be_written_are_one_line_and_exit_2(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    afolder = tmp_path / "afolder"
    afolder.mkdir()
    page = "docs/api/ReimageVmInstance.txt"
    cases = [
        (["validate", RECORDINGS, "--report", afile], f"--report {afile}: not a folder"),
        (["validate", RECORDINGS, "--report", afile / "sub"], f"--report {afile / 'sub'}: cannot use as the report folder: a part of the path is a file"),
        (["derive", page, "--out", afile], f"--out {afile}: not a folder"),
        (["derive", page, "--out", afile / "sub"], f"--out {afile / 'sub'}: cannot create the folder: a part of the path is a file"),
        (["openapi", page, "--out", afolder], f"--out {afolder}: a folder"),
        (["openapi", page, "--schemas", "schemas", "--out", afile / "doc.json"], f"--out {afile / 'doc.json'}: cannot write: a part of the path is a file"),
    ]
    for args, words in cases:
        rc, out, err = cli(*args)
        assert_well_behaved(rc, out, err)
        assert rc == 2 and err.count("\n") == 1 and words in err, (args, err)
    assert afile.read_text() == "not a folder"


def test_a_page_or_overlay_that_is_a_fifo_is_named_not_waited_for(tmp_path):
    os.mkfifo(tmp_path / "page.txt")
    (tmp_path / "schemas").mkdir()
    os.mkfifo(tmp_path / "schemas" / "X.response.json")
    for args, words in [(["derive", tmp_path, "--out", tmp_path / "out"], "page.txt: not a regular file (a FIFO)"),
                        (["derive", "docs/api", "--overlay", tmp_path / "page.txt", "--out", tmp_path / "out"], "--overlay"),
                        (["validate", RECORDINGS, "--baseline", tmp_path / "page.txt", "--report", tmp_path / "rep"], "baseline: not a regular file"),
                        (["validate", RECORDINGS, "--schemas", tmp_path / "schemas", "--report", tmp_path / "rep"],
                         "X.response.json: not a regular file")]:
        rc, out, err = cli(*args)
        assert_well_behaved(rc, out, err)
        assert rc == 2 and words in err, err


# --- the report folder --------------------------------------------------------------------------
def test_writers_of_one_folder_take_turns(tmp_path):
    """Two runs writing one report folder: whenever its lock is free, it holds one run's set."""
    contracts = load_contracts(None)
    runs = []
    for paths in ([str(RECORDINGS)], [str(tmp_path / "nothing-here")]):
        v = Validation(contracts)
        errors: list = []
        check_files(v, iter_files(paths, errors))
        v.input_errors[:0] = errors
        runs.append(v)
    folder = tmp_path / "rep"
    seen, done = set(), threading.Event()

    def write(v):
        for _ in range(40):
            write_reports(v, folder)

    def read():
        while not done.is_set():
            with report_lock(folder):
                if (folder / "zstack-contract.md").exists():
                    seen.add(report_pair(folder)["summary"]["verdict"])

    folder.mkdir()
    with ThreadPoolExecutor(3) as pool:  # result() raises what failed in a thread
        reader = pool.submit(read)
        for writer in [pool.submit(write, v) for v in runs]:
            writer.result()
        done.set()
        reader.result()
    report_pair(folder)
    assert seen <= {"pass", "unusable input"} and seen


# --- whatever the input, the promises hold ------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=())), limit=st.integers(40, 300))
def test_one_line_is_one_printable_line_and_showing_it_again_changes_nothing(text, limit):
    shown = one_line(text, limit)
    assert len(shown) <= limit and not RAW_CONTROL.search(shown) and "\n" not in shown
    shown.encode("utf-8")
    assert one_line(shown, limit) == shown and one_line(one_line(text)) == one_line(text)
    if len(text) <= limit and text.isprintable():
        assert shown == text


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)
HOSTILE_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["http://[::1/zstack/v1/vm-instances/x/actions", "http://a\uff03b/zstack/v1/x", "", "GET\n", "\x1b[2J",
                     "\udcff", "\ud800", "x" * 300_000, "BIG_NUMBER"]),
)
# The secret stands only where a secret goes (a header's value), as a string or mistyped.
BASES = [RECORD, with_at(RECORD, _AUTH, [f"OAuth {SECRET}"]), SAMPLE, CAPTURE,
         with_at(CAPTURE, ("log", "entries", 0, "request", "headers", 0, "value"), [f"OAuth {SECRET}"])]


def _places(doc, path=()):
    """Every (path, container) of a JSON document that can be dropped or replaced."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        yield path + (key,)
        yield from _places(value, path + (key,))


@st.composite
def mutated(draw, base):
    """``base`` with a few of its fields dropped or replaced by hostile values."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        places = list(_places(doc))
        if not places:
            break
        path = draw(st.sampled_from(places))
        target = doc
        for key in path[:-1]:
            target = target[key]
        if draw(st.booleans()):
            del target[path[-1]]
        else:
            target[path[-1]] = draw(HOSTILE_VALUES)
    return doc


def _dumps(doc, ascii_only: bool) -> bytes:
    """The document as a file holds it; a lone surrogate escaped (``\\ud800``), or as the bytes
    some writers put out, which are not UTF-8."""
    text = json.dumps(doc, ensure_ascii=ascii_only).replace('"BIG_NUMBER"', BIG_NUMBER)
    return text.encode("utf-8", "surrogatepass")


def _files_of(docs):
    return st.tuples(docs, st.booleans()).map(lambda t: _dumps(*t))


CONTENTS = st.one_of(st.binary(max_size=40), _files_of(JSON_VALUES), *(_files_of(mutated(base)) for base in BASES))
_NAME_BYTES = st.one_of(
    st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=10).map(os.fsencode),
    st.binary(min_size=1, max_size=10).filter(lambda b: b"/" not in b and b"\x00" not in b),
)
FILES = st.lists(st.tuples(_NAME_BYTES, st.sampled_from([b".json", b".har", b".JSON", b".txt"]), CONTENTS), min_size=1, max_size=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(files=FILES, strict=st.booleans())
def test_whatever_the_files_validate_keeps_its_promises(tmp_path, files, strict):
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    folder = work / "in"
    folder.mkdir()
    for n, (stem, suffix, data) in enumerate(files):
        write_bytes(folder, b"%d%s%s" % (n, stem, suffix), data)
    rc, out, err = cli("validate", folder, "--report", work / "rep", "--jobs", "1", *(["--strict"] if strict else []))
    assert_well_behaved(rc, out, err, work / "rep")
