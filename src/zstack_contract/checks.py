"""The named checks. Each takes a :class:`View` of an :class:`~zstack_contract.exchange.Exchange`
and its contract and yields findings; recorded files, replays and live runs all go through
:func:`run_checks`.

A bare response body (no request, no status) is an exchange of one step with status 0: the
checks that need a status or a URL skip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from .contracts import Contract, is_resource_param
from .exchange import Exchange, Step
from .explain import python_errors
from .findings import Finding, escape_pointer, show
from .objects import INDEX, PARENT, TABLE, VALUE, Found, pointer, tables, walk

UNKNOWN_STATUS = 0
_ENVELOPE_STATUSES = (200, 503, UNKNOWN_STATUS)


@dataclass(frozen=True)
class Check:
    name: str
    summary: str
    run: Callable[["View"], Iterable[Finding]]
    needs_http: bool = False  # looks only at statuses or the request: a bare body gives it nothing to check


CHECKS: dict[str, Check] = {}


def check(name: str, summary: str, needs_http: bool = False):
    def register(fn):
        CHECKS[name] = Check(name, summary, fn, needs_http)
        return fn

    return register


class View:
    """An exchange as the checks see it, with what several of them need worked out once: the
    steps that answer with the documented envelope, and the documented objects in each."""

    __slots__ = ("_objects", "_resources", "contract", "envelopes", "exchange")

    def __init__(self, exchange: Exchange, contract: Contract):
        self.exchange = exchange
        self.contract = contract
        self.envelopes: list[tuple[int, Any]] = [(i, step.response.body) for i, step in envelope_steps(exchange)]
        self._objects: list[list[Found]] | None = None
        self._resources: list[tuple[int, Found]] | None = None

    def objects(self) -> list[list[Found]]:
        """For each envelope, its documented objects (:func:`zstack_contract.objects.walk`)."""
        if self._objects is None:
            root = tables(self.contract)
            self._objects = [walk(root, body) for _i, body in self.envelopes]
        return self._objects

    def resources(self) -> list[tuple[int, Found]]:
        """(step, object) for each resource object of a success body (``inventory`` and the tables in it)."""
        if self._resources is None:
            errors = self.contract.error_fields
            self._resources = [
                (i, entry)
                for (i, body), found in zip(self.envelopes, self.objects())
                if found and body.keys().isdisjoint(errors)  # found: the body is an object
                for entry in found
                if entry[TABLE].resource
            ]
        return self._resources

    def finding(self, i: int, check_name: str, **kw) -> Finding:
        return Finding(check=check_name, file=self.exchange.source, api=self.contract.api, step=_step(self.exchange, i), **kw)


def run_checks(exchange: Exchange, contract: Contract, names: Iterable[str] | None = None) -> list[Finding]:
    return check_view(View(exchange, contract), names)


def check_view(view: View, names: Iterable[str] | None = None) -> list[Finding]:
    bare = is_bare(view.exchange)
    out: list[Finding] = []
    for name in names or CHECKS:
        c = CHECKS[name]
        if not (bare and c.needs_http):
            out.extend(c.run(view))
    return out


def is_bare(exchange: Exchange) -> bool:
    """A recorded body alone: one step, no status, no URL."""
    return len(exchange.steps) == 1 and exchange.call.response.status == UNKNOWN_STATUS and not exchange.call.request.url


def is_async(exchange: Exchange) -> bool:
    return exchange.call.response.status == 202


def envelope_steps(exchange: Exchange) -> Iterator[tuple[int, Step]]:
    """Steps whose answer is the API's documented envelope (inventory or error)."""
    for i, step in enumerate(exchange.steps):
        if step.response.status in _ENVELOPE_STATUSES and step.response.has_json:
            yield i, step


def _step(exchange: Exchange, i: int) -> int | None:
    return None if exchange.call.response.status == UNKNOWN_STATUS else i


# --- schema ------------------------------------------------------------------------------------
def schema_findings(view: View, i: int, body: Any) -> list[Finding]:
    """Every schema error in one body, as findings that cite the page line of the broken rule.

    The native validator decides; python-jsonschema explains only the bodies it rejects, from the
    places the native validator flagged (:mod:`zstack_contract.explain`)."""
    contract = view.contract
    if contract.accepts(body):
        return []
    out = []
    reported_missing: set[tuple[str, str]] = set()
    for path, err in python_errors(contract, body):
        schema = err.schema if isinstance(err.schema, dict) else {}
        pointer = escape_pointer(path)
        rule_schema = schema
        kw = err.validator
        if kw == "required":
            for name in err.validator_value:
                if isinstance(err.instance, dict) and name not in err.instance and (pointer, name) not in reported_missing:
                    reported_missing.add((pointer, name))
                    prop = schema.get("properties", {}).get(name, {})
                    out.append(_schema_finding(view, i, pointer + escape_pointer([name]), "present (always sent)", "absent", prop))
            continue
        expected = _expected(kw, err.validator_value, schema, contract)
        if kw == "oneOf" and pointer == "":
            found = _envelope_found(err.instance, contract)
        else:
            found = show(err.instance)
        out.append(_schema_finding(view, i, pointer, expected, found, rule_schema))
    return out


def _schema_finding(view, i, pointer, expected, found, schema) -> Finding:
    return view.finding(
        i, "response-schema",
        pointer=pointer, expected=expected, found=found,
        rule=schema.get("x-source"), overlay=tuple(schema.get("x-overlay", ())),
    )


def _expected(kw: str, value: Any, schema: dict, contract: Contract) -> str:
    if kw == "type":
        bounds = ""
        if value == "integer" and "maximum" in schema:
            bounds = " (signed 64-bit)" if schema["maximum"] > 2**31 else " (signed 32-bit)"
        return f"{value}{bounds}"
    if kw == "pattern":
        examples = schema.get("examples")
        return f"a string like {examples[0]!r}" if examples else f"a string matching {value}"
    if kw == "enum":
        return "one of " + ", ".join(map(str, value))
    if kw == "maximum":
        return f"at most {value}"
    if kw == "minimum":
        return f"at least {value}"
    if kw == "oneOf":
        return f"exactly one of {' / '.join(contract.success_fields)} (success) or {' / '.join(contract.error_fields)} (failure)"
    if kw == "additionalProperties":
        return "only documented fields"
    return f"{kw} {value!r}"


def _envelope_found(instance: Any, contract: Contract) -> str:
    if not isinstance(instance, dict):
        return show(instance)
    present = [k for k in (*contract.success_fields, *contract.error_fields) if k in instance]
    return "both " + " and ".join(present) if len(present) > 1 else "neither"


@check("response-schema", "the response body matches the schema derived from the page")
def check_response_schema(view: View) -> Iterator[Finding]:
    for i, body in view.envelopes:
        yield from schema_findings(view, i, body)


# --- status and body ---------------------------------------------------------------------------
@check("status-body", "the status code agrees with the body: 200 + success, 503 + error, 202 + location", needs_http=True)
def check_status_body(view: View) -> Iterator[Finding]:
    contract = view.contract
    for i, step in enumerate(view.exchange.steps):
        status, resp = step.response.status, step.response
        if status not in (200, 503, 202):  # no body expectation (a bare body's 0, a 4xx text)
            continue
        fail = lambda expected, found, pointer="": view.finding(i, "status-body", pointer=pointer, expected=expected, found=found)  # noqa: E731
        body = resp.body if resp.has_json else None
        if status == 200:
            if not resp.has_json:
                yield fail(f"a JSON body with {' / '.join(contract.success_fields) or 'the result'}", _text_found(resp))
            elif isinstance(body, dict) and any(k in body for k in contract.error_fields):
                yield fail("no error in a 200 answer (a failure is answered 503)", f"status 200 with {show(body.get('error'))}", "/error")
        elif status == 503:
            if not resp.has_json:
                yield fail("a JSON body {\"error\": {...}}", _text_found(resp))
            elif not (isinstance(body, dict) and any(k in body for k in contract.error_fields)):
                yield fail("an error in a 503 answer", show(body))
        elif status == 202 and i == 0:
            if not isinstance(body, dict) or not isinstance(body.get("location"), str):
                found = show(body.get("location")) if isinstance(body, dict) and "location" in body else "no location"
                yield fail("a job location (string) in the 202 answer", found, "/location")
        elif status == 202 and not (resp.is_empty or body == {}):
            yield fail("{} (or an empty body) while the job runs", _text_found(resp) if not resp.has_json else show(body))


def _text_found(resp) -> str:
    if resp.is_empty:
        return "an empty body"
    text = " ".join((resp.text or "").split())
    return f"text {text[:60]!r}" + ("..." if len(text) > 60 else "")


@check("job-polling", "an asynchronous call ends: its polls answer 202 until a final 200 or 503", needs_http=True)
def check_job_polling(view: View) -> Iterator[Finding]:
    exchange = view.exchange
    if not is_async(exchange):
        return
    for i, step in enumerate(exchange.steps[1:], start=1):
        if step.response.status not in (200, 202, 503):
            yield view.finding(i, "job-polling", pointer="", expected="202, 200 or 503 from the job",
                               found=f"status {step.response.status} {_text_found(step.response)}")
            return
    if exchange.final.response.status == 202:
        yield view.finding(len(exchange.steps) - 1, "job-polling", pointer="",
                           expected="the job to finish (200 or 503)", found=f"still running after {len(exchange.steps) - 1} poll(s)")


# --- semantic invariants: over the resource objects of success bodies ----------------------------
@check("uuid-matches-url", "the inventory's uuid is the resource uuid in the request URL", needs_http=True)
def check_uuid_matches_url(view: View) -> Iterator[Finding]:
    call = view.exchange.call.request
    if not call.url:  # a bare body
        return
    params = view.contract.path_params(call.method, call.url)
    wanted = next((v for k, v in (params or {}).items() if is_resource_param(k)), None)
    if wanted is None:
        return
    for i, entry in view.resources():
        obj = entry[VALUE]
        if entry[TABLE].top and entry[INDEX] is None and "uuid" in obj and obj["uuid"] != wanted:
            yield view.finding(i, "uuid-matches-url", pointer=pointer(entry) + "/uuid",
                               expected=f"{wanted!r} (the uuid in the request URL)", found=show(obj["uuid"]))


@check("owner-uuid", "nested items point back at their owner (vmNics[].vmInstanceUuid is the VM's uuid, usedIps[].vmNicUuid the NIC's)")
def check_owner_uuid(view: View) -> Iterator[Finding]:
    for i, entry in view.resources():
        field = entry[TABLE].owner_field
        if field is None:
            continue
        item, owner = entry[VALUE], entry[PARENT][VALUE]
        if field in item and "uuid" in owner and item[field] != owner["uuid"]:
            where = pointer(entry[PARENT])
            yield view.finding(i, "owner-uuid", pointer=pointer(entry) + escape_pointer([field]),
                               expected=f"{owner['uuid']!r} (the uuid of {where.lstrip('/') or 'its owner'})", found=show(item[field]),
                               rule=entry[TABLE].owner_rule)


@check("root-volume", "rootVolumeUuid names a volume of type Root among allVolumes")
def check_root_volume(view: View) -> Iterator[Finding]:
    for i, entry in view.resources():
        obj = entry[VALUE]
        if not entry[TABLE].top:
            continue
        root, volumes = obj.get("rootVolumeUuid"), obj.get("allVolumes")
        if not isinstance(root, str) or not isinstance(volumes, list):
            continue
        for match in volumes:
            if isinstance(match, dict) and match.get("uuid") == root:
                break
        else:
            match = None
        if match is None:
            yield view.finding(i, "root-volume", pointer=pointer(entry) + "/rootVolumeUuid",
                               expected="the uuid of a volume in allVolumes", found=f"{root!r}, not among {len(volumes)} volume(s)")
        elif match.get("type") != "Root":
            n = volumes.index(match)
            yield view.finding(i, "root-volume", pointer=f"{pointer(entry)}/allVolumes/{n}/type",
                               expected="'Root' for the root volume", found=show(match.get("type")))


_JVM_FORMATS = ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p")
# Exactly the renderings nodes produce (either JVM format): read without strptime, which is slow.
# Newer JVMs put a narrow no-break space (U+202F) before AM/PM.
_RENDERED = re.compile(r"([A-Z][a-z]{2}) ([1-9]|[12][0-9]|3[01]), ([0-9]{4}),? ([1-9]|1[0-2]):([0-5][0-9]:[0-5][0-9])[ \u202f]([AP])M")
# The rendering's parts as ISO 8601 wants them, looked up rather than converted by int(), which is slow.
_MONTH = {m: f"{n:02d}" for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_DAY = {str(d): f"{d:02d}" for d in range(1, 32)}
_MONTH_END = {mm: str(days) for mm, days in zip(_MONTH.values(), (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31))}  # Feb 29: leap years only
_HOUR = {f"{h}{half}": f"{h % 12 + (12 if half == 'P' else 0):02d}" for h in range(1, 13) for half in "AP"}  # "12A" -> "00"


def jvm_instant(text: Any) -> str | None:
    """The instant a JVM date rendering (``Nov 14, 2017, 10:20:57 PM``) names, as ISO 8601 text
    (``2017-11-14 22:20:57``, which sorts as time does); None for anything else."""
    return _jvm_instant(text) if isinstance(text, str) else None


@lru_cache(maxsize=4096)
def _jvm_instant(text: str) -> str | None:
    """Memoized; the usual renderings of real days are read by a pattern, and strptime decides
    everything else (a day the month lacks, year 0000, another wording)."""
    m = _RENDERED.fullmatch(text)
    if m:
        month, day, year, hour, clock, half = m.groups()
        mm, dd = _MONTH.get(month), _DAY[day]
        if mm and year != "0000" and (dd <= "28" or dd <= _MONTH_END[mm] and (mm != "02" or _leap(int(year)))):
            return f"{year}-{mm}-{dd} {_HOUR[hour + half]}:{clock}"
    text = text.replace("\u202f", " ")
    for fmt in _JVM_FORMATS if text.count(",") < 2 else _JVM_FORMATS[::-1]:  # the likely one first
        try:
            return datetime.strptime(text, fmt).isoformat(" ")
        except ValueError:
            continue
    return None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@check("date-order", "createDate is not after lastOpDate")
def check_date_order(view: View) -> Iterator[Finding]:
    for i, entry in view.resources():
        obj = entry[VALUE]
        created_text, last_text = obj.get("createDate"), obj.get("lastOpDate")
        if created_text == last_text or not (isinstance(created_text, str) and isinstance(last_text, str)):
            continue  # the same rendering is in order, and what is not text is no date
        # jvm_instant's reader, called directly: its wrapper's frame cost 4.4k instructions a document
        created, last = _jvm_instant(created_text), _jvm_instant(last_text)
        if created and last and created > last:
            yield view.finding(i, "date-order", pointer=pointer(entry) + "/lastOpDate",
                               expected=f"not before createDate {created_text!r}", found=show(last_text))
