"""Contracts: the derived schemas of each API, compiled once, and matching exchanges to their API.

Each schema has two validators, both built once and reused: a native one (jsonschema-rs) that
decides accept/reject fast, and python-jsonschema's, which explains a rejection in detail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import jsonschema_rs

from .errors import InputError
from .schemafiles import SUFFIXES


def project_schemas_dir() -> Path:
    """``./schemas`` when it exists, else the project's own ``schemas/`` (source checkouts)."""
    local = Path("schemas")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "schemas"


def is_resource_param(name: str) -> bool:
    """A path parameter that names a resource by its uuid (``uuid``, ``vmInstanceUuid``, ...)."""
    return name == "uuid" or name.endswith("Uuid")


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # /v1/vm-instances/{vmInstanceUuid}/actions
    regex: re.Pattern
    params: tuple[str, ...]

    @classmethod
    def from_template(cls, method: str, template: str) -> "Endpoint":
        params = tuple(re.findall(r"{([^}]+)}", template))
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "([^/]+)", re.escape(template)) + "/?$"
        return cls(method.upper(), template, re.compile(pattern), params)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method.upper() != self.method:
            return None
        m = self.regex.match(path)
        return dict(zip(self.params, m.groups())) if m else None


@dataclass
class Contract:
    """One API's schemas with validators built once and reused."""

    api: str
    action_key: str
    page: str
    endpoints: tuple[Endpoint, ...]
    response: dict[str, Any]
    strict: dict[str, Any]
    request: dict[str, Any] | None
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def validator(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(self.response)

    @cached_property
    def strict_validator(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(self.strict)

    @cached_property
    def fast_validator(self) -> jsonschema_rs.Draft202012Validator:
        """The native validator of the response schema: the accept/reject decision."""
        return jsonschema_rs.Draft202012Validator(self.response)

    @cached_property
    def fast_strict_validator(self) -> jsonschema_rs.Draft202012Validator:
        return jsonschema_rs.Draft202012Validator(self.strict)

    def __getstate__(self) -> dict[str, Any]:
        """Only the schemas go to another process; it compiles its own validators."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"_cache": {}}

    def accepts(self, body: Any, strict: bool = False) -> bool:
        """The native verdict on a body. False also when the native validator cannot take the
        value at all; python-jsonschema then has the last word."""
        try:
            return (self.fast_strict_validator if strict else self.fast_validator).is_valid(body)
        except (ValueError, TypeError, OverflowError, RecursionError):
            return False

    @cached_property
    def request_validator(self) -> jsonschema.protocols.Validator | None:
        return jsonschema.Draft202012Validator(self.request) if self.request else None

    @cached_property
    def success_fields(self) -> tuple[str, ...]:
        return tuple(n for n in self.response.get("properties", {}) if n not in self.error_fields)

    @cached_property
    def error_fields(self) -> tuple[str, ...]:
        props = self.response.get("properties", {})
        return tuple(n for n, s in props.items() if s.get("$ref") == "#/$defs/error" or n == "error")

    def resolve(self, schema: dict[str, Any], root: dict[str, Any] | None = None) -> dict[str, Any]:
        """Follow a local ``$ref`` (``#/$defs/x``) to its schema."""
        root = root or self.response
        while "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
            schema = root["$defs"][schema["$ref"][len("#/$defs/"):]]
        return schema

    def path_params(self, method: str, url: str) -> dict[str, str] | None:
        path = api_path(url)
        for e in self.endpoints:
            got = e.match(method, path)
            if got is not None:
                return got
        return None


def api_path(url: str) -> str:
    """The API path of a URL, from ``/v1`` on: ``http://mn:8080/zstack/v1/x?q=1`` -> ``/v1/x``."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    i = path.find("/v1/")
    return path[i:] if i >= 0 else path


class ContractSet:
    """Every API whose schemas are in a folder."""

    def __init__(self, contracts: list[Contract]):
        self.by_api = {c.api: c for c in sorted(contracts, key=lambda c: c.api)}

    def __iter__(self):
        return iter(self.by_api.values())

    def __len__(self) -> int:
        return len(self.by_api)

    def get(self, api: str) -> Contract | None:
        return self.by_api.get(api)

    def match(self, method: str, url: str, body: Any = None) -> Contract | None:
        """The API a request was for: by method and URL template, then by action key on shared paths."""
        candidates = [c for c in self if c.path_params(method, url) is not None]
        if len(candidates) > 1 and isinstance(body, dict):
            keyed = [c for c in candidates if c.action_key in body]
            candidates = keyed or candidates
        return candidates[0] if len(candidates) == 1 else None

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "ContractSet":
        d = Path(directory) if directory else project_schemas_dir()
        if not d.is_dir():
            raise InputError(str(d), "schemas folder does not exist (derive it with `zstack-contract derive PAGE --out DIR`)")
        contracts = []
        for resp_file in sorted(d.glob("*" + SUFFIXES["response"])):
            api = resp_file.name[: -len(SUFFIXES["response"])]
            response = _load_schema(resp_file)
            strict_file = d / (api + SUFFIXES["strict"])
            req_file = d / (api + SUFFIXES["request"])
            meta = response.get("x-zstack", {})
            contracts.append(
                Contract(
                    api=api,
                    action_key=meta.get("actionKey", api[:1].lower() + api[1:]),
                    page=meta.get("page", ""),
                    endpoints=tuple(Endpoint.from_template(e["method"], e["path"]) for e in meta.get("endpoints", [])),
                    response=response,
                    strict=_load_schema(strict_file) if strict_file.exists() else response,
                    request=_load_schema(req_file) if req_file.exists() else None,
                )
            )
        if not contracts:
            raise InputError(str(d), "no *.response.json schemas in this folder")
        return cls(contracts)


_DRAFT_2020_12 = ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#")


def _load_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(schema, dict) and schema.get("$schema", _DRAFT_2020_12[0]) in _DRAFT_2020_12 and jsonschema_rs.meta.is_valid(schema)):
            jsonschema.Draft202012Validator.check_schema(schema)  # slow, but says what is wrong
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"unusable schema: {exc}") from None
    except jsonschema.SchemaError as exc:
        raise InputError(str(path), f"not a valid JSON Schema: {exc.message}") from None
    return schema
