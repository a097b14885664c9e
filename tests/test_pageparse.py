"""The page parser against the real page's defects and two more pages of the same format."""

from __future__ import annotations

import pytest

from conftest import PAGES
from zstack_contract.errors import PageError
from zstack_contract.derive.parser import parse_page, parse_page_text


def by_name(table):
    return {f.name: f for f in table.fields}


def test_title_url_and_glued_headings(reimage_page):
    p = reimage_page
    assert p.api == "ReimageVmInstance" and p.action_key == "reimageVmInstance"
    # 'PUT zstack/v1/vm-instances/{vmInstanceUuid}/actionsHeaders': the heading is unglued.
    assert [(e.method, e.path, e.line) for e in p.endpoints] == [("PUT", "/v1/vm-instances/{vmInstanceUuid}/actions", 4)]
    # 'Authorization: OAuth the-session-uuidBody'
    assert p.headers == (("Authorization", "OAuth the-session-uuid", 5),)
    assert p.request_sample.value == {"reimageVmInstance": {}, "systemTags": [], "userTags": []}
    assert p.request_sample.line == 9 and p.curl_sample == type(p.curl_sample)({"reimageVmInstance": {}}, 20)
    assert (p.language, p.kind, p.api_line) == ("en", "action", 1)


def test_response_sample_glued_to_table(reimage_page):
    # '}| Name | Type | ...': the sample ends where the top table starts on the same line.
    p = reimage_page
    assert p.response_sample.value["inventory"]["memorySize"] == 8.589934592e9
    assert p.response_sample.line == 30
    assert [f.name for f in p.response.fields] == ["error", "inventory"]
    assert p.response.line == 89


def test_all_sections_found(reimage_page):
    assert list(reimage_page.sections) == ["error", "inventory", "vmNics", "usedIps", "allVolumes"]
    assert reimage_page.sections["error"].line == 93  # '| 0.6 |' then '#error' on the next line


def test_shifted_cells_in_request_table(reimage_page):
    rows = by_name(reimage_page.request)
    # '| vmInstanceUuid | String | url | The VM instance UUID. | 0.6 | |'
    v = rows["vmInstanceUuid"]
    assert (v.location, v.description, v.valid_values, v.since, v.optional) == ("url", "The VM instance UUID.", (), "0.6", False)
    # '| userTags | List | body | Optional. The user tags. | 0.6 |' (one cell short)
    u = rows["userTags"]
    assert (u.since, u.valid_values, u.optional, u.location) == ("0.6", (), True, "body")


def test_shifted_cells_in_field_tables(reimage_page):
    inv = by_name(reimage_page.sections["inventory"])
    # '| lastHostUuid | String | 0.6 | |': the version sits in the description column
    assert (inv["lastHostUuid"].description, inv["lastHostUuid"].since) == ("", "0.6")
    assert inv["cpuNum"].line == 120 and inv["cpuNum"].type == "Integer"
    vols = by_name(reimage_page.sections["allVolumes"])
    # '| isShareable | Boolean | 0.6 |': three cells for four columns
    assert (vols["isShareable"].type, vols["isShareable"].since, vols["isShareable"].description) == ("Boolean", "0.6", "")
    nics = by_name(reimage_page.sections["vmNics"])
    assert nics["ipVersion"].since == "3.1.0"
    assert by_name(reimage_page.sections["usedIps"])["ipInLong"].type == "long"


def test_multi_line_cells_with_stray_bars():
    p = parse_page(PAGES / "StopVmInstance.txt")
    rows = by_name(p.request)
    t = rows["type"]
    assert t.container == "stopVmInstance" and t.location == "body" and t.optional
    assert t.description == (
        "Optional. The stop method: - grace: graceful shutdown; the guest OS is asked to power off. "
        "- cold: forced power-off, like pulling the plug."
    )
    assert (t.valid_values, t.since, t.line) == (("grace", "cold"), "0.6", 25)
    assert (rows["stopHA"].since, rows["stopHA"].type) == ("2.3.1", "boolean")
    assert rows["stopHA"].description.endswith("Default value: false.")
    assert rows["systemTags"].line == 35  # rows after a broken cell keep their own lines
    state = by_name(p.sections["inventory"])["state"]
    assert (state.description, state.since) == ("The VM state: - Running - Stopped", "0.6")
    assert by_name(p.sections["vmNics"])["deviceId"].type == "int"


def test_login_page_session_inventory_no_headers():
    p = parse_page(PAGES / "LogInByAccount.txt")
    assert [(e.method, e.path) for e in p.endpoints] == [("PUT", "/v1/accounts/login")]  # 'loginBody' unglued
    assert p.headers == ()
    rows = by_name(p.request)
    assert (rows["accountType"].since, rows["accountType"].valid_values) == ("3.2.0", ())
    assert (rows["clientInfo"].since, rows["clientInfo"].type) == ("3.5.0", "Map")
    assert rows["clientInfo"].description == "Optional. The client information, for example: - the IP address - the browser"
    assert [f.name for f in p.sections["inventory"].fields] == ["uuid", "accountUuid", "userUuid", "expiredDate", "createDate", "noSessionEvaluation"]


def test_prose_ending_in_a_heading_word_is_not_unglued():
    text = (PAGES / "LogInByAccount.txt").read_text().replace(
        "These two fields can be included in the body structure.Curl",
        "These two fields can be included in the request Body",
    )
    p = parse_page_text(text, "x.txt")
    assert p.request_sample.value["logInByAccount"]["accountName"] == "test"


MALFORMED = [
    # (what, edit to the StopVmInstance page, expected line, words in the message)
    ("section without header", ("#vmNics\n| Name | Type | Description | Starting Version |\n|---|---|---|---|\n", "#vmNics\n"), 86, "no table header"),
    ("no URL line", ("PUT zstack/v1/vm-instances/{uuid}/actionsHeaders", "Headers"), None, "no URL line"),
    ("bad sample JSON", ('"name": "Test-VM",', '"name": "Test-VM",,'), 43, "not valid JSON"),
    ("too many cells", ("| ip | String | 0.6 | |", "| ip | String | a | b | c | d |"), 91, "6 cells"),
    ("not a page", (None, "hello world\n"), 1, "not an API reference page"),
]


@pytest.mark.parametrize("what,edit,line,words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_pages_give_one_line_errors(what, edit, line, words):
    text = (PAGES / "StopVmInstance.txt").read_text()
    old, new = edit
    if old is None:
        text = new
    else:
        assert old in text
        text = text.replace(old, new, 1)
    with pytest.raises(PageError) as exc:
        parse_page_text(text, "pages/Broken.txt")
    msg = str(exc.value)
    assert "\n" not in msg and words in msg
    assert exc.value.line == line
    assert msg.startswith("pages/Broken.txt:" + (f"{line}:" if line else ""))


def test_unreadable_and_non_utf8_pages(tmp_path):
    with pytest.raises(PageError, match="cannot read page"):
        parse_page(tmp_path / "missing.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Reimage\xe9".encode("latin-1"))
    with pytest.raises(PageError, match="not UTF-8"):
        parse_page(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(PageError, match="empty"):
        parse_page(empty)
