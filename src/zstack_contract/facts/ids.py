"""Ids as ZStack writes them: resource uuids, uuid parameters, and the password hash a login sends."""

from __future__ import annotations

import uuid as _uuid


def new_uuid() -> str:
    """A fresh resource uuid: 32 lower-case hex characters, no dashes (a random, version 4 UUID)."""
    return _uuid.uuid4().hex


def is_uuid_param(name: str) -> bool:
    """A parameter that names resources by their uuids (``uuid``, ``vmInstanceUuid``; ``vmUuids``, a list)."""
    return name == "uuid" or name.endswith(("Uuid", "Uuids"))


def is_uuid_list_param(name: str) -> bool:
    """A parameter the node's message holds as a list of uuids (``vmUuids``): every ``<x>Uuids``
    field of the server's API messages is a ``List`` or ``Set`` of strings (all 59 in
    ``header/.../API*Msg.java``), whatever type a page prints for it; so the REST layer collects
    its repeated query values into the list (``RestServer.queryParameterToApiFieldValue``)."""
    return name.endswith("Uuids")


NEW_RESOURCE_UUID = "resourceUuid"  # a create's parameter: the uuid to give the resource it makes


def names_existing_resource(name: str) -> bool:
    """A uuid parameter that names a resource which must exist (``resourceUuid`` names the one a
    create is to make, and nothing that exists)."""
    return is_uuid_param(name) and name != NEW_RESOURCE_UUID


def password_hash(password: str) -> str:
    """What a login body carries instead of the password: its SHA-512, in hex."""
    import hashlib  # here, not at the top: it loads OpenSSL (some MiB), which checking files never needs

    return hashlib.sha512(password.encode("utf-8")).hexdigest()
