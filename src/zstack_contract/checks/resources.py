"""Checks of what a success body says about its resources: ``uuid-matches-url``, ``owner-uuid``,
``root-volume`` and ``date-order``. They look at the resource objects of success bodies (the
``inventory`` and the objects inside it), as the documented places of the contract find them."""

from __future__ import annotations

from typing import Iterator

from ..contract.compiled import Contract
from ..contract.format import PAGE_TYPE
from ..contract.resources import named_by_param, same_resource
from ..facts import jvm_dates
from ..facts.ids import is_uuid_param
from ..facts.pointers import escape_pointer
from ..facts.urls import api_path
from .finding import Finding, show
from .registry import check
from .view import View


@check("uuid-matches-url", "the inventory's uuid is the resource uuid in the request URL", needs_http=True)
def uuid_matches_url(view: View) -> Iterator[Finding]:
    call = view.exchange.call.request
    found = _route_variables(view.contract, call.method, call.url)
    if found is None:
        return
    template, params = found
    uuids = [(k, v) for k, v in params.items() if is_uuid_param(k) and not k.endswith("Uuids")]
    if not uuids:
        return
    for i, entry in view.resources():
        obj = entry.value
        if not (entry.place.top and entry.index is None and "uuid" in obj):
            continue
        wanted = _url_uuid_of(view.contract, entry.key, template, uuids)
        if wanted is not None and obj["uuid"] != wanted:
            yield view.finding(i, pointer=entry.pointer() + "/uuid", expected=f"{wanted!r} (the uuid in the request URL)",
                               found=show(obj["uuid"]))


def _route_variables(contract: Contract, method: str, url: str) -> tuple[str, dict[str, str]] | None:
    """(the route's template, the path's variables) of the API's route the request took."""
    try:
        path = api_path(url)
    except ValueError:
        return None
    for route in contract.routes:
        got = route.match(method, path)
        if got is not None:
            return route.template, got
    return None


def _url_uuid_of(contract: Contract, field: str | None, template: str, uuids: list[tuple[str, str]]) -> str | None:
    """The uuid of the URL that names the resource a success field holds: the variable naming the
    field's inventory type (``AddIpRange``'s ``/l3-networks/{l3NetworkUuid}/ip-ranges`` answers an
    IpRange: no variable names it; ``/volumes/{volumeUuid}/vm-instances/{vmInstanceUuid}`` answers
    the volume). With no type documented, the variable the path ends with (or ends with before
    ``/actions``), the resource acted on."""
    page_type = contract.response.get("properties", {}).get(field or "", {}).get(PAGE_TYPE) if contract.response else None
    if isinstance(page_type, str) and page_type.endswith("Inventory") and len(page_type) > len("Inventory"):
        resource = page_type[: -len("Inventory")]
        return next((v for k, v in uuids if (named := named_by_param(k, template)) and same_resource(named, resource)), None)
    tail = template.removesuffix("/actions")
    return next((v for k, v in uuids if tail.endswith("{" + k + "}")), None)


@check("owner-uuid", "nested items point back at their owner (vmNics[].vmInstanceUuid is the VM's uuid, usedIps[].vmNicUuid the NIC's)")
def owner_uuid(view: View) -> Iterator[Finding]:
    for i, entry in view.resources():
        field = entry.place.owner_field
        if field is None:
            continue
        item, owner = entry.value, entry.parent.value
        if field in item and "uuid" in owner and item[field] != owner["uuid"]:
            where = entry.parent.pointer()
            yield view.finding(i, pointer=entry.pointer() + escape_pointer([field]),
                               expected=f"{owner['uuid']!r} (the uuid of {where.lstrip('/') or 'its owner'})", found=show(item[field]),
                               rule=entry.place.owner_rule)


@check("root-volume", "rootVolumeUuid names a volume of type Root among allVolumes")
def root_volume(view: View) -> Iterator[Finding]:
    for i, entry in view.resources():
        obj = entry.value
        if not entry.place.top:
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
            yield view.finding(i, pointer=entry.pointer() + "/rootVolumeUuid", expected="the uuid of a volume in allVolumes",
                               found=f"{root!r}, not among {len(volumes)} volume(s)")
        elif match.get("type") != "Root":
            n = volumes.index(match)
            yield view.finding(i, pointer=f"{entry.pointer()}/allVolumes/{n}/type", expected="'Root' for the root volume",
                               found=show(match.get("type")))


@check("date-order", "createDate is not after lastOpDate")
def date_order(view: View) -> Iterator[Finding]:
    instant = jvm_dates.instant
    for i, entry in view.resources():
        obj = entry.value
        created_text, last_text = obj.get("createDate"), obj.get("lastOpDate")
        if created_text == last_text or not (isinstance(created_text, str) and isinstance(last_text, str)):
            continue  # the same rendering is in order, and what is not text is no date
        created, last = instant(created_text), instant(last_text)
        if created and last and created > last:
            yield view.finding(i, pointer=entry.pointer() + "/lastOpDate", expected=f"not before createDate {created_text!r}",
                               found=show(last_text))
