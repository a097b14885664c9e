"""The fast path agrees with the slow one: jiter with the strict reader, jsonschema-rs with
python-jsonschema, memoized shapes with walked ones, over the bundled recordings, every mutation
and Hypothesis-generated documents and texts."""

from __future__ import annotations

import copy
import json
import os
import threading
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from mutations import MUTATIONS, server_shaped
from zstack_contract.checks import run_checks
from zstack_contract.checks.view import envelope_steps
from zstack_contract.contract import Contract, load_contracts
from zstack_contract.contract.explain import Explainer
from zstack_contract.contract.places import Shape, descend, walk
from zstack_contract.facts.jvm_dates import instant as jvm_instant
from zstack_contract.findings import validation
from zstack_contract.inputs import json_reader, records, recordings
from zstack_contract.errors import InputError
from zstack_contract.facts.pointers import escape_pointer
from zstack_contract.inputs.json_reader import SLOW, loads_exact, native_depth_holds
from zstack_contract.inputs.exchange import bare_body_exchange
from zstack_contract.inputs.json_reader import MAX_DEPTH, read_json
from zstack_contract.inputs.recordings import discover, read_exchanges
from zstack_contract.findings.validation import Validation

RECORDINGS = ROOT / "contract_tests" / "recordings"
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def contracts():
    return load_contracts(ROOT / "schemas")


@pytest.fixture(scope="module")
def contract(contracts):
    return contracts.get("ReimageVmInstance")


@pytest.fixture(scope="module")
def sample(reimage_page):
    return reimage_page.response_sample.value


def recorded_bodies():
    sources, _ = discover([str(RECORDINGS)])
    for s in sources:
        for ex in read_exchanges(s):
            for _i, step in envelope_steps(ex):
                yield step.response.body


def fixed_documents(sample):
    docs = list(recorded_bodies()) + [sample, server_shaped(sample)]
    docs += [m.body(sample) for m in MUTATIONS] + [m.body(server_shaped(sample)) for m in MUTATIONS]
    return docs


# --- parsing ---------------------------------------------------------------------------------------
def strict(raw: bytes):
    """The reference: the strict standard-library reader, or its one-line error."""
    try:
        return ("ok", json.dumps(json_reader._read_with_stdlib(raw, "f.json")))
    except InputError as exc:
        return ("error", str(exc))


def fast(raw: bytes):
    try:
        return ("ok", json.dumps(read_json(raw, "f.json")))  # dumps tells 1, 1.0 and true apart
    except InputError as exc:
        return ("error", str(exc))


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1])
    | st.text(alphabet=st.sampled_from('ab:"\\/\u00e9\u202f\n{}[],u0123'), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet=st.sampled_from('ab:"\\ x'), max_size=4), inner, max_size=4),
    max_leaves=25,
)


@SETTINGS
@given(value=json_values, ensure_ascii=st.booleans(), indent=st.sampled_from([None, 0, 2]), bom=st.booleans())
def test_native_reader_gives_what_the_strict_reader_gives(value, ensure_ascii, indent, bom):
    raw = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent).encode()
    raw = (b"\xef\xbb\xbf" if bom else b"") + raw
    assert fast(raw) == strict(raw)


@SETTINGS
@given(data=st.data(), value=st.dictionaries(st.text(alphabet="ab:", min_size=1, max_size=3), json_values, min_size=1, max_size=4))
def test_duplicate_keys_are_caught_whatever_the_strings_hold(data, value):
    """A duplicate key in any object, its dropped value holding colons, escaped or not."""
    key = data.draw(st.sampled_from(sorted(value)))
    dropped = data.draw(st.sampled_from(['"x:y"', '"\\u003a\\u003A"', "{}", '{"k:": ":"}', "1"]))
    escaped_key = data.draw(st.booleans())
    body = json.dumps(value)[1:-1]
    key_text = json.dumps(key, ensure_ascii=False)
    if escaped_key:
        key_text = key_text.replace(":", "\\u003a")
    nested = data.draw(st.booleans())
    raw = ("{" + f"{key_text}: {dropped}, " + body + "}").encode()
    if nested:
        raw = b'{"outer": ' + raw + b', "z": "a:b"}'
    assert strict(raw)[0] == "error" and "duplicate key" in strict(raw)[1]
    assert fast(raw) == strict(raw)


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "a": 1}', b'{"a":1,"a":2,"b":"\\u003a"}', b'{"a" : 1, "b": {"c": 2, "c" : 3}}', b'{"a\\u003a": 1, "a:": 2}', b'{"\\u003a": 1, ":": 2}',
    b'[' * MAX_DEPTH + b']' * MAX_DEPTH, b'[' * (MAX_DEPTH + 1) + b']' * (MAX_DEPTH + 1), b'[' * 5000 + b']' * 5000,
    b'[' * (MAX_DEPTH - 1) + b'0' + b']' * (MAX_DEPTH - 1), b'[' * MAX_DEPTH + b'0' + b']' * MAX_DEPTH, b'{"a":' * MAX_DEPTH + b'0' + b'}' * MAX_DEPTH,
    b'{"x": [' + b'{}, ' * 300 + b'{}]}', b'18446744073709551616', b'-9223372036854775809', b'1E400', b'"\\ud800"',
    b'\xef\xbb\xbf{"a": 1}', b'{"a": NaN}', b'{"a": -Infinity}', b'', b'  \n', b'{"a": 1,}', b'{"a": "caf\xe9"}', b'\x00',
    b'{"s": "1234567890123456789"}', b'{"n": 1000000000000000000}',
    b'1' * 4300, b'-' + b'1' * 4301, b'{"n": 0.' + b'1' * 5000 + b'}',  # Python's limit on the digits of an int
])
def test_edge_inputs_take_the_same_way(raw):
    assert fast(raw) == strict(raw)


def test_fast_path_is_taken_for_ordinary_bodies(sample):
    for doc in fixed_documents(sample):
        assert loads_exact(json.dumps(doc).encode(), MAX_DEPTH) is not SLOW
    assert loads_exact(b'{"d": "tier\\u003dfront"}', MAX_DEPTH) == {"d": "tier=front"}  # Gson's HTML-safe escapes
    assert loads_exact(b"\xef\xbb\xbf" + b'{"n": 18446744073709551616}', MAX_DEPTH) == {"n": 2**64}


def test_depth_is_left_to_the_native_reader_only_where_it_holds():
    assert native_depth_holds(MAX_DEPTH)  # the limit the recordings use: nothing to count
    shallow = 5
    assert not native_depth_holds(shallow)
    for n in range(2, 8):  # under a shallower limit, deep documents are found by a walk
        for raw in (b"[" * n + b"]" * n, b"[" * (n - 1) + b"0" + b"]" * (n - 1), b'{"a":' * (n - 1) + b'"x"' + b"}" * (n - 1)):
            assert (loads_exact(raw, shallow) is SLOW) == (n > shallow), raw


# --- schema verdicts and findings ------------------------------------------------------------------
NASTY = st.one_of(
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), 1.0, 1.5, -0.0, 8.589934592e9, 1e300,
                     True, False, None, "", "x", "Stopped", "Sleeping", "efb855424e2b38d3bc320f105a13bc0b",
                     "efb855424e2b38d3bc320f105a13bc0b\n", "EFB855424E2B38D3BC320F105A13BC0B", "efb85542-4e2b-38d3-bc32-0f105a13bc0b",
                     "Nov 14, 2017 10:20:57 PM", "Nov 14, 2017, 10:20:57\u202fPM", "Nov 14, 2017 10:20:57 PM\n", "2017-11-14T22:20:57Z",
                     {}, [], [{}], {"code": "SYS.1000"}, {"code": 1}]),
    st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)


def paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths(v, prefix + (i,))


@st.composite
def documents(draw, base):
    """A body near a good one: a few values replaced by nasty ones, keys dropped or added."""
    doc = copy.deepcopy(draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.sampled_from(list(paths(doc))))
        if not where:
            continue
        *parent_path, last = where
        parent = doc
        for p in parent_path:
            parent = parent[p]
        action = draw(st.sampled_from(["set", "set", "drop", "add"]))
        if action == "set":
            parent[last] = draw(NASTY)
        elif action == "drop" and isinstance(parent, dict):
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "uuid", "error", "cause", "usedIps"]))] = draw(NASTY)
    return doc


def undocumented(ex, contract):
    return run_checks(ex, contract, ["undocumented-field"], strict=True)


def body_shape(contract, body):
    return contract.shapes.of(walk(contract.places, body))


def walk_shape(contract, body) -> Shape:
    """The shape of one body, by walking every key of it: the reference the memoized shapes are held to."""
    seen: set[str] = set()
    undocumented: set[str] = set()

    def visit(schema: dict, value, prefix: str, stack: tuple[str, ...]) -> None:
        if not isinstance(value, dict):
            return
        props = schema.get("properties", {})
        for key, sub in value.items():
            path = f"{prefix}{key}"
            prop = props.get(key)
            if prop is None:
                undocumented.add(path)
                continue
            seen.add(path)
            target, ref, is_list = descend(prop)
            if target is None or ref in stack:
                continue
            resolved = contract.resolve(target)
            nested = stack + ((ref,) if ref else ())
            if is_list:
                if isinstance(sub, list):
                    for item in sub:
                        visit(resolved, item, path + "[].", nested)
            else:
                visit(resolved, sub, path + ".", nested)

    visit(contract.response, body, "", ())
    return Shape(frozenset(seen), frozenset(undocumented))


def without_native(m: pytest.MonkeyPatch) -> None:
    """The slow path: python-jsonschema judges every body, walking all of it."""
    m.setattr(Contract, "accepts", lambda self, body, strict=False: False)
    m.setattr(Explainer, "_targets", lambda self, body: None)


def slow_findings(fn):
    """What ``fn`` gives on the slow path."""
    with pytest.MonkeyPatch.context() as m:
        without_native(m)
        return fn()


def test_validators_agree_on_recordings_and_mutations(contract, sample):
    for doc in fixed_documents(sample):
        assert contract.accepts(doc) == contract.validator.is_valid(doc), doc
        assert contract.accepts(doc, strict=True) == contract.strict_validator.is_valid(doc), doc
        ex = bare_body_exchange(doc, "ReimageVmInstance.x.json")
        assert run_checks(ex, contract) == slow_findings(lambda: run_checks(ex, contract))
        assert undocumented(ex, contract) == slow_findings(lambda: undocumented(ex, contract))


def test_mutations_are_rejected_natively_and_explained_from_the_flagged_place(contract, sample):
    assert contract.accepts(sample) and contract.accepts(server_shaped(sample))
    assert not contract.accepts(server_shaped(sample), strict=True)
    for m in MUTATIONS:
        doc = m.body(sample)
        assert not contract.accepts(doc), m.name
        targets, _flagged = contract.explainer._targets(doc)
        if m.keyword == "oneOf":
            assert [place for _rank, place, _schema in targets] == [()]  # an envelope break: from the root, pruned
        elif m.keyword != "required":
            assert [escape_pointer(place) for _rank, place, _schema in targets] == [m.pointer], m.name
    two = server_shaped(sample)
    two["inventory"]["cpuNum"], two["inventory"]["vmNics"][0]["deviceId"], two["inventory"]["allVolumes"][0]["size"] = 1.5, "0", -(2**64)
    targets, _flagged = contract.explainer._targets(two)
    walked = [escape_pointer(e.absolute_path) for e in contract.validator.iter_errors(two)]  # in the walk's order
    assert [escape_pointer(place) for _r, place, _s in targets] == walked and len(walked) == 3


def test_explained_from_a_pruned_schema_with_the_errors_of_a_whole_walk(contract, sample):
    doc = server_shaped(sample)
    inv = doc["inventory"]
    inv["vmNics"] = [inv["vmNics"][0], copy.deepcopy(inv["vmNics"][0]), copy.deepcopy(inv["vmNics"][0])]
    inv["vmNics"][2]["deviceId"] = "0"  # in the last of three items
    inv["allVolumes"][0]["size"] = -1.5
    del inv["uuid"]  # required, at the inventory itself
    doc["error"] = {"code": "SYS.1000"}  # and the envelope: both inventory and error
    (targets, flagged) = contract.explainer._targets(doc)
    assert [place for _rank, place, _schema in targets] == [()]
    pruned = contract.explainer._pruned(contract.response, doc, (), flagged)
    assert pruned["properties"]["error"] is True and pruned["$defs"] is contract.response["$defs"]
    (inventory,) = pruned["properties"]["inventory"]["allOf"]
    assert inventory["properties"]["cpuNum"] is True and inventory["properties"]["zoneUuid"] is True
    documented = contract.resolve(contract.response["properties"]["inventory"])["properties"]
    assert inventory["properties"]["uuid"] is documented["uuid"]  # absent: kept, the finding cites its line
    nics = inventory["properties"]["vmNics"]["prefixItems"]
    assert nics[:2] == [True, True] and nics[2] is not True and "items" not in inventory["properties"]["vmNics"]
    fast = [(path, e.message, e.schema.get("x-source") if isinstance(e.schema, dict) else e.schema) for path, e in contract.explainer.errors(doc)]
    walked = [(list(e.absolute_path), e.message, e.schema.get("x-source") if isinstance(e.schema, dict) else e.schema) for e in contract.validator.iter_errors(doc)]
    assert fast == walked and len(walked) == 4, walked


@SETTINGS
@given(data=st.data())
def test_validators_agree_on_generated_documents(data, contract, sample):
    doc = data.draw(documents([sample, server_shaped(sample), {"error": {"code": "SYS.1003", "cause": {"code": "X"}}}]))
    assert contract.accepts(doc) == contract.validator.is_valid(doc)
    assert contract.accepts(doc, strict=True) == contract.strict_validator.is_valid(doc)
    ex = bare_body_exchange(doc, "ReimageVmInstance.x.json")
    assert run_checks(ex, contract) == slow_findings(lambda: run_checks(ex, contract))
    assert undocumented(ex, contract) == slow_findings(lambda: undocumented(ex, contract))


# --- shapes ------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_memoized_shapes_are_the_walked_shapes(data, contract, sample):
    """The memo is shared across examples: a key that did not determine the shape would show."""
    doc = data.draw(documents([sample, server_shaped(sample), {"error": {"code": "A", "cause": {"code": "B", "x": 1}}}]))
    assert body_shape(contract, doc) == walk_shape(contract, doc)


def test_shape_memo_ignores_values_but_not_keys(sample):
    contract = load_contracts(ROOT / "schemas").get("ReimageVmInstance")  # a memo of its own
    memo = lambda: contract.shapes  # noqa: E731
    a, b = server_shaped(sample), server_shaped(sample)
    b["inventory"]["name"] = "other"
    b["inventory"]["vmNics"] = b["inventory"]["vmNics"] * 3
    assert body_shape(contract, a) is body_shape(contract, b) and len(memo()) == 1
    b["inventory"]["vmNics"][1] = {**b["inventory"]["vmNics"][1], "newField": 1}
    assert "inventory.vmNics[].newField" in body_shape(contract, b).undocumented and len(memo()) == 2
    assert "inventory.vmNics[].newField" not in body_shape(contract, a).undocumented


# --- exchange records and whole runs -------------------------------------------------------------
def test_exchange_records_judged_alike(monkeypatch):
    good = json.loads((RECORDINGS / "ReimageVmInstance.stopped-vm.exchange.json").read_text())
    variants = [good]
    for change in ({"method": "GET\n"}, {"method": 1}, {"url": ""}, {"text": "x"}):
        v = copy.deepcopy(good)
        v["steps"][1]["request"].update(change)
        variants.append(v)
    v = copy.deepcopy(good)
    v["steps"][2]["response"]["status"] = 600
    variants.append(v)

    def build(doc):
        try:
            return records.record_of(records.exchange_from_record(doc, "f"))
        except ValueError as exc:
            return str(exc)

    fast_results = [build(d) for d in variants]
    with monkeypatch.context() as m:
        m.setattr(records, "_native_validator", lambda: type("No", (), {"is_valid": staticmethod(lambda doc: False)})())
        assert [build(d) for d in variants] == fast_results
    assert isinstance(fast_results[1], dict) and isinstance(fast_results[2], str)  # python-jsonschema has the last word


def test_a_whole_run_is_the_same_without_the_fast_path(contracts, sample, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in RECORDINGS.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    for n, doc in enumerate(fixed_documents(sample)):
        (folder / f"ReimageVmInstance.{n:03d}.json").write_text(json.dumps(doc, indent=n % 3 or None))
    (folder / "ReimageVmInstance.dupe.json").write_bytes(b'{"inventory": {"uuid": "a", "uuid": "b"}}')
    sources, _ = discover([str(folder)])

    def run(strict):
        v = Validation(contracts, strict=strict)
        for s in sources:
            try:
                v.check_file(read_exchanges(s))
            except InputError as exc:
                if exc not in v.input_errors:
                    v.add_error(exc)
        return v.to_wire()

    fast_runs = [run(False), run(True)]
    with monkeypatch.context() as m:
        without_native(m)
        m.setattr(json_reader, "loads_exact", lambda raw, depth: SLOW)
        reimage = contracts.get("ReimageVmInstance")
        m.setattr(type(reimage.shapes), "of", lambda self, found: walk_shape(reimage, found[0].value) if found else Shape())
        assert [run(False), run(True)] == fast_runs
    assert fast_runs[0]["findings"] and fast_runs[0]["inputErrors"]


def strptime_only(text: str):
    text = text.replace("\u202f", " ")
    for fmt in ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


def iso(when: datetime | None) -> str | None:
    return when.isoformat(" ") if when else None


date_texts = st.builds(
    lambda mon, day, year, comma, hour, minute, second, space, half, junk: f"{mon} {day}, {year}{comma} {hour}:{minute}:{second}{space}{half}{junk}",
    st.sampled_from(["Jan", "Feb", "Nov", "Dec", "nov", "NOV", "Foo", "Sept"]),
    st.sampled_from(["1", "01", "9", "14", "29", "30", "31", "32", "0", " 1"]),
    st.sampled_from(["2017", "2024", "1900", "0000", "99999", "17"]),
    st.sampled_from(["", ",", " ,"]),
    st.sampled_from(["1", "01", "9", "10", "12", "13", "0", "00"]),
    st.sampled_from(["00", "05", "59", "60", "5"]),
    st.sampled_from(["00", "57", "59", "60", "61", "7"]),
    st.sampled_from([" ", "\u202f", "  ", "", "\t"]),
    st.sampled_from(["AM", "PM", "am", "pm", "XM", "A"]),
    st.sampled_from(["", "\n", " ", "x"]),
)


@SETTINGS
@given(text=date_texts | st.text(max_size=30))
def test_dates_read_as_strptime_reads_them(text):
    assert jvm_instant(text) == iso(strptime_only(text))


def test_every_rendering_reads_as_strptime_reads_it():
    for mon in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"):
        for day in (1, 29, 30, 31):
            for year, comma, sep in (("2017", "", " "), ("2024", ",", "\u202f"), ("2023", ",", " "), ("1999", "", "\u202f"), ("2000", ",", " "), ("1900", "", " ")):
                for hour in range(1, 13):
                    for minute, second, half in (("00", "07", "AM"), ("59", "59", "PM")):
                        text = f"{mon} {day}, {year}{comma} {hour}:{minute}:{second}{sep}{half}"
                        assert jvm_instant(text) == iso(strptime_only(text)), text


def test_dates_parse_both_jvm_renderings():
    assert jvm_instant("Nov 14, 2017, 10:20:57\u202fPM") == jvm_instant("Nov 14, 2017 10:20:57 PM") == "2017-11-14 22:20:57"
    assert jvm_instant("Nov 14, 2017 12:30:00 AM") == "2017-11-14 00:30:00"
    assert jvm_instant("Dec 31, 2017 12:00:00 PM") < jvm_instant("Jan 1, 2018 1:00:00 AM")
    assert jvm_instant("Feb 29, 2023 1:00:00 AM") is None and jvm_instant("Feb 29, 2024 1:00:00 AM") == "2024-02-29 01:00:00"
    assert jvm_instant("Feb 29, 1900 1:00:00 AM") is None and jvm_instant("Feb 29, 2000 1:00:00 AM") == "2000-02-29 01:00:00"
    assert jvm_instant("Apr 31, 2024 1:00:00 AM") is None and jvm_instant("Jan 31, 2024, 11:59:59 PM") == "2024-01-31 23:59:59"
    assert jvm_instant("2017-11-14T22:20:57Z") is None


# --- reading files -----------------------------------------------------------------------------------
def test_a_file_is_read_whole_in_one_read_or_more(tmp_path, monkeypatch):
    f = tmp_path / "a.json"
    f.write_bytes(b'{"a": "' + b"x" * 200_000 + b'"}')
    assert recordings.read_bytes(f, "a.json") == f.read_bytes()
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    assert recordings.read_bytes(f, "a.json") == f.read_bytes()  # grew since fstat: read on to the end


def test_a_fifo_is_read_to_its_end(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    body = b'{"a": "' + b"y" * 100_000 + b'"}'

    def write():
        with open(fifo, "wb") as fh:
            fh.write(body)

    writer = threading.Thread(target=write)
    writer.start()
    assert recordings.read_bytes(fifo, "pipe.json") == body
    writer.join()


@SETTINGS
@given(name=st.lists(st.sampled_from(["ReimageVmInstance", "Reimage", "a", "Z", "0", ".", "_", "-", "/", "\u00e9", "json", "HAR"]), max_size=8).map("".join))
def test_file_names_read_as_the_plain_way_reads_them(name, contracts):
    base = name.rpartition("/")[2]
    assert recordings._suffix(base) == os.path.splitext(base)[1].lower()
    m = validation._API_PREFIX.match(base)  # the API a bare body's file name gives, read the plain way
    assert validation._api_from_name(name, contracts) == (m.group(1) if m and contracts.get(m.group(1)) else None)
