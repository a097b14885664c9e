"""``validate --jobs N``: the files are spread over processes, and the findings, the output and
the reports are those of ``--jobs 1``, byte for byte; files are found lazily, in pathlib's order;
the workers die with the run, however it ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT
from mutations import MUTATIONS, server_shaped
from test_hostile_inputs import SAMPLE, cli, report_pair, write_bytes
from test_validate import RECORDINGS, exe, validate, write
from zstack_contract.findings import parallel
from zstack_contract.contract import load_contracts
from zstack_contract.inputs.recordings import iter_files
from zstack_contract.reporting import markdown, write_reports
from zstack_contract.reporting.report import build_report
from zstack_contract.findings.validation import Validation


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, reimage_page):
    """600 files in nested folders: good, broken, unusable, skipped and exchange records."""
    folder = tmp_path_factory.mktemp("corpus")
    sample = reimage_page.response_sample.value
    shaped = server_shaped(sample)
    for n in range(560):
        doc = MUTATIONS[n % len(MUTATIONS)].body(sample) if n % 7 == 0 else shaped
        if n % 5 == 0:
            doc = dict(doc, **{f"extra{n % 3}": n})  # drift: some files carry an undocumented field
        write(folder / f"{n % 4}" / f"ReimageVmInstance.{n:04d}.json", doc)
    for f in RECORDINGS.iterdir():
        (folder / "rec" / f.name).parent.mkdir(exist_ok=True)
        (folder / "rec" / f.name).write_bytes(f.read_bytes())
    bad = {"empty.json": b"", "dupes.json": b'{"inventory": {"uuid": "a", "uuid": "b"}}', "array.json": b"[1]", "nan.json": b'{"a": NaN}'}
    for name, data in bad.items():
        (folder / "2" / name).write_bytes(data)
    login = {"format": "zstack-contract.exchange/1", "steps": [{"request": {"method": "PUT", "url": "http://mn/zstack/v1/accounts/login"}, "response": {"status": 200, "body": {}}}]}
    write(folder / "3" / "login.exchange.json", login)
    return folder


def report_json(v) -> dict:
    """The report's outline with its findings made into entries, as the JSON report holds it."""
    report = build_report(v)
    report["findings"] = list(report["findings"])
    return report


def test_jobs_give_the_same_output_and_reports_byte_for_byte(corpus, tmp_path):
    runs = {}
    for jobs in (1, 2, 3):
        r = validate(corpus, tmp_path / "missing", "--jobs", jobs, "--report", tmp_path / f"rep{jobs}")
        runs[jobs] = r
        assert "Traceback" not in r.stderr
    for jobs in (2, 3):
        assert (runs[jobs].returncode, runs[jobs].stdout.replace(f"rep{jobs}", "rep1"), runs[jobs].stderr) == (runs[1].returncode, runs[1].stdout, runs[1].stderr)
        for name in ("zstack-contract.json", "zstack-contract.md"):
            assert (tmp_path / f"rep{jobs}" / name).read_bytes() == (tmp_path / "rep1" / name).read_bytes()
    report = json.loads((tmp_path / "rep1" / "zstack-contract.json").read_text())
    assert report["summary"]["files"] == 560 + 4 + 4 + 1 and report["summary"]["skipped"] == 1
    assert report["summary"]["inputErrors"] == 4 + 1 and report["summary"]["violations"] > 0 and report["drift"]
    assert runs[1].returncode == 1 and runs[1].stderr.splitlines()[0].endswith("missing: no such file or folder")  # violations first


def test_files_are_spread_over_worker_processes(corpus, reimage_page):
    contracts = load_contracts(ROOT / "schemas")
    serial, spread = Validation(contracts), Validation(contracts)
    assert parallel.validate_files(serial, iter_files([str(corpus)], []), jobs=1) == {os.getpid()}
    pids = parallel.validate_files(spread, iter_files([str(corpus)], []), jobs=2, chunk=16)
    assert pids and os.getpid() not in pids
    assert spread.to_wire() == serial.to_wire()
    assert json.dumps(report_json(spread)) == json.dumps(report_json(serial))


def test_reports_written_piece_by_piece_are_the_whole_report(corpus, tmp_path):
    v = Validation(load_contracts(ROOT / "schemas"))
    parallel.validate_files(v, iter_files([str(corpus)], []), jobs=1)
    json_path, md_path, _html = write_reports(v, tmp_path)
    report = report_json(v)
    text = json_path.read_text(encoding="utf-8")
    assert json.loads(text) == report and text.endswith("}\n")
    lines = text.splitlines()
    start = lines.index('  "findings": [')
    assert [json.loads(line.strip().rstrip(",")) for line in lines[start + 1 : start + 1 + len(report["findings"])]] == report["findings"]
    assert lines[start + 1 + len(report["findings"])] == "  ],"  # one finding a line, the rest indented
    assert md_path.read_text(encoding="utf-8") == "\n".join(markdown.lines(build_report(v)))
    assert len(report["findings"]) > 50 and "## Violations by page line" in "\n".join(markdown.lines(build_report(v)))
    empty = Validation(load_contracts(ROOT / "schemas"))
    json_path, *_ = write_reports(empty, tmp_path / "empty")
    assert json_path.read_text(encoding="utf-8") == json.dumps(report_json(empty), indent=2, ensure_ascii=False) + "\n"  # the outline is json's own


def test_names_are_pulled_a_few_chunks_ahead(monkeypatch, corpus):
    """Streaming: the parent never holds more than a window of chunks, however many files."""
    contracts = load_contracts(ROOT / "schemas")
    pulled, ahead = [0], []
    merge = parallel._merge

    def names():
        for name in iter_files([str(corpus)], []):
            pulled[0] += 1
            yield name

    def counting_merge(v, result):
        ahead.append(pulled[0] - v.files)
        return merge(v, result)

    monkeypatch.setattr(parallel, "_merge", counting_merge)
    v = Validation(contracts)
    parallel.validate_files(v, names(), jobs=2, chunk=10)
    assert v.files == pulled[0] and len(ahead) > 20
    assert max(ahead) <= (2 * 2 + 1) * 10 + 10 + 2 * 10  # chunks in flight, the one just handed over, the tail held back


def test_chunks_are_large_but_the_last_ones_small():
    """Workers run out of work together: the names held back at the end go in small chunks."""
    for n in (0, 7, 64, 65, 1000, 1001):
        cut = list(parallel._chunks(iter(range(n)), 64, tail=128))
        assert [x for c in cut for x in c] == list(range(n))  # every name once, in order
        sizes = [len(c) for c in cut]
        big = next((k for k, size in enumerate(sizes) if size < 64), len(sizes))
        assert max(sizes[big:], default=8) <= 8
        assert 128 <= sum(sizes[big:]) < 64 + 128 or sum(sizes[big:]) == n < 64 + 128  # the tail: only the last names


def test_iter_files_sorts_as_pathlib_and_is_lazy(tmp_path):
    for rel in ("b.json", "a-b.json", "a/z.json", "a/B.JSON", "a/c/d.har", "a/c/notes.txt", "A.json", "x/.json", "x/y.json.bak"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "filelink.json").symlink_to(tmp_path / "b.json")
    old = [f.as_posix() for f in sorted(f for f in tmp_path.rglob("*") if f.is_file() and f.suffix.lower() in (".json", ".har"))]
    errors: list = []
    assert list(iter_files([str(tmp_path)], errors)) == old and errors == []
    assert "link/z.json" not in " ".join(old)  # a link to a folder is not followed
    lazy = iter_files([str(tmp_path / "a"), str(tmp_path / "nowhere")], errors)
    assert next(lazy).endswith("a/B.JSON") and errors == []  # nothing looked at beyond the first file yet
    rest = list(lazy)
    assert len(rest) == 2 and [str(e) for e in errors] == [f"{tmp_path / 'nowhere'}: no such file or folder"]


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_jobs_must_be_a_positive_count(value, tmp_path):
    r = validate(RECORDINGS, "--jobs", value, "--report", tmp_path)
    assert r.returncode == 2 and "--jobs" in r.stderr and "Traceback" not in r.stderr


def test_relative_and_dotted_paths_are_shown_as_before(tmp_path, reimage_page):
    write(tmp_path / "in" / "sub" / "ReimageVmInstance.a.json", {"inventory": {"cpuNum": 1.5}})
    for arg, shown in ((".", "sub/ReimageVmInstance.a.json"), ("./sub/", "sub/ReimageVmInstance.a.json"), (str(tmp_path / "in"), f"{(tmp_path / 'in').as_posix()}/sub/")):
        r = validate(arg, "--report", tmp_path / "rep", cwd=tmp_path / "in")
        assert shown in r.stdout, (arg, r.stdout)
    assert Path(tmp_path / "rep" / "zstack-contract.json").exists()


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``, with their start times (a pid may be reused)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found[int(entry)] = fields[19]
    return found


def _alive(pid: int, started: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and fields[19] == started


SLOW_CHECK = '''
import time

from zstack_contract import check


@check("slow-check", "takes 2 ms a file: a run long enough to be killed in its middle")
def slow_check(view):
    time.sleep(0.002)
    yield from ()
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_run_leaves_no_worker_no_stale_report_and_the_next_run_cleans_up(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = json.dumps(SAMPLE)
    for n in range(2100):  # more than one chunk: two worker processes
        write_bytes(corpus, f"ReimageVmInstance.{n:04d}.json", body)
    (tmp_path / "slow_check.py").write_text(SLOW_CHECK)
    rep = tmp_path / "rep"
    rc, out, err = cli("validate", RECORDINGS, "--report", rep, "--jobs", "1")
    assert rc == 0 and report_pair(rep)["summary"]["verdict"] == "pass"

    run = subprocess.Popen([exe("zstack-contract"), "validate", str(corpus), "--jobs", "2", "--report", str(rep),
                            "--plugin", str(tmp_path / "slow_check.py")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while len(workers := _children(run.pid)) < 2 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(workers) >= 2, ("no workers started", run.poll(), run.stderr.read() if run.poll() is not None else "")
    run.send_signal(signal.SIGKILL)
    run.wait()
    run.stderr.close()
    deadline = time.monotonic() + 20
    while any(_alive(p, s) for p, s in workers.items()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not [p for p, s in workers.items() if _alive(p, s)], "workers outlived their parent"
    assert not (rep / "zstack-contract.json").exists() and not (rep / "zstack-contract.md").exists()  # no stale PASS

    # what a run killed while writing leaves: its temporary folder, a half-written report in it
    left = Path(tempfile.mkdtemp(prefix=".zstack-contract.", suffix=".tmp", dir=rep))
    (left / "zstack-contract.json").write_text('{"format": "zstack-contract.report/1", "summ')
    (rep / ".zstack-contract.json.4242.tmp").write_text("{")
    (rep / "junit.xml").write_text("<testsuites/>")  # not a report of ours: left alone
    rc, out, err = cli("validate", RECORDINGS, "--report", rep, "--jobs", "1")
    assert rc == 0
    assert sorted(p.name for p in rep.iterdir()) == ["junit.xml", "zstack-contract.html", "zstack-contract.json", "zstack-contract.md"]
    report_pair(rep)
