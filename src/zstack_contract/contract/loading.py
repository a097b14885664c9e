"""Loading a contract into a :class:`~.compiled.ContractSet`: a folder of schema files (a user's
own, as ``derive`` writes them), or a release the package ships (:mod:`.releases`), the newest
by default. A file that is not a usable derived schema is one clear line naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import jsonschema_rs

from ..errors import InputError
from .bundle import Bundle
from .compiled import Contract, ContractSet
from .format import DRAFT, META, SUFFIXES, page_of
from .releases import load_release
from .routes import Route

_DRAFTS = (DRAFT, DRAFT + "#")


def load_contracts(directory: str | Path | None = None, release: str | None = None) -> ContractSet:
    """Every API whose ``<API>.response.json`` is in ``directory``; without one, every API of the
    shipped ``release`` (None: the newest)."""
    if directory is None:
        return contracts_of(load_release(release))
    d = Path(directory)
    if not d.is_dir():
        raise InputError(str(d), "schemas folder does not exist (derive it with `zstack-contract derive PAGE --out DIR`)")
    contracts = []
    for resp_file in sorted(d.glob("*" + SUFFIXES["response"])):
        api = resp_file.name[: -len(SUFFIXES["response"])]
        strict_file = d / (api + SUFFIXES["strict"])
        req_file = d / (api + SUFFIXES["request"])
        response = _load_schema(resp_file)
        contracts.append(_contract(api, response, _load_schema(strict_file) if strict_file.exists() else response,
                                   _load_schema(req_file) if req_file.exists() else None))
    if not contracts:
        raise InputError(str(d), "no *.response.json schemas in this folder")
    return ContractSet(contracts)


def choose(places: Iterable[tuple[str | None, str | None, str]], option: str = "--release") -> tuple[str | None, str | None]:
    """(schemas folder, release) as the first of ``places`` that names either gives them, each
    place (schemas, release, how to name the pair in an error): the command line before the
    environment, and so on, so that a release given on the command line is not refused for a
    schemas folder in the environment. Both from one place is an InputError naming ``option``;
    none: (None, None), the newest release."""
    for schemas, release, named in places:
        if schemas and release:
            raise InputError(option, f"give {named}, not both")
        if schemas or release:
            return schemas or None, release or None
    return None, None


def contracts_of(bundle: Bundle) -> ContractSet:
    """The APIs of a contract bundle (its schemas were checked when it was made)."""
    return ContractSet([_contract(api, s["response"], s.get("strict", s["response"]), s.get("request"))
                        for api, s in bundle.apis.items()], release=bundle.release)


def _contract(api: str, response: dict, strict: dict, request: dict | None) -> Contract:
    meta = response.get(META, {})
    return Contract(
        api=api,
        action_key=meta.get("actionKey", api[:1].lower() + api[1:]),
        page=page_of(response),
        routes=tuple(Route.from_template(e["method"], e["path"]) for e in meta.get("endpoints", [])),
        response=response,
        strict=strict,
        request=request,
    )


def _load_schema(path: Path) -> dict[str, Any]:
    if path.exists() and not path.is_file():  # a FIFO would be waited on for ever
        raise InputError(str(path), "not a regular file")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(schema, dict) and schema.get("$schema", DRAFT) in _DRAFTS and jsonschema_rs.meta.is_valid(schema)):
            jsonschema.Draft202012Validator.check_schema(schema)  # slow, but says what is wrong
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"unusable schema: {exc}") from None
    except jsonschema.SchemaError as exc:
        raise InputError(str(path), f"not a valid JSON Schema: {exc.message}") from None
    return schema
