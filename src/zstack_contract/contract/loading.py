"""Loading a contract into a :class:`~.compiled.ContractSet`: a folder of schema files (a user's
own, as ``derive`` writes them), or a release the package ships (:mod:`.releases`), the newest
by default. A file that is not a usable derived schema is one clear line naming it: a file of a
folder is read by the JSON rule of every input (:mod:`~zstack_contract.inputs.json_reader`), must
be a valid JSON Schema, and is held to the bounds that keep validating with it finite
(:mod:`.schema_bounds`), and its tree of documented places to :data:`~.places.MAX_PLACES`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import jsonschema_rs

from ..errors import InputError
from ..inputs.json_reader import read_json
from ..inputs.recordings import read_bytes
from .bundle import Bundle
from .compiled import Contract, ContractSet
from .format import DRAFT, META, SUFFIXES, page_of
from .places import TooManyPlaces
from .releases import load_release
from .routes import Route
from .schema_bounds import schema_problem
from .since import for_node

_DRAFTS = (DRAFT, DRAFT + "#")
# Why a shipped release is the run's (the reports say it): named, or the default.
NAMED, NEWEST = "named", "the newest shipped, the default"


def load_contracts(directory: str | Path | None = None, release: str | None = None,
                   unusable: list[InputError] | None = None) -> ContractSet:
    """Every API whose ``<API>.response.json`` is in ``directory``; without one, every API of the
    shipped ``release`` (None: the newest). A schema file that cannot be used raises its
    InputError; given ``unusable``, its API is left out and the error added there instead, and
    the folder's other APIs load (none usable: the first error is raised)."""
    if directory is None:
        contracts = contracts_of(load_release(release))
        contracts.why = NAMED if release else NEWEST
        return contracts
    d = Path(directory)
    if not d.is_dir():
        raise InputError(str(d), "schemas folder does not exist (derive it with `zstack-contract derive PAGE --out DIR`)")
    contracts = []
    errors: list[InputError] = []
    for resp_file in sorted(d.glob("*" + SUFFIXES["response"])):
        try:
            contracts.append(_load_api(d, resp_file))
        except InputError as exc:
            if unusable is None:
                raise
            errors.append(exc)
    if not contracts:
        if errors:
            raise errors[0]
        raise InputError(str(d), "no *.response.json schemas in this folder")
    if unusable is not None:
        unusable.extend(errors)
    return ContractSet(contracts)


def _load_api(d: Path, resp_file: Path) -> Contract:
    """One API of a schemas folder, from its response file and, when there, its strict and request files."""
    api = resp_file.name[: -len(SUFFIXES["response"])]
    strict_file = d / (api + SUFFIXES["strict"])
    req_file = d / (api + SUFFIXES["request"])
    response = _load_schema(resp_file)
    strict = _load_schema(strict_file) if strict_file.exists() else response
    contract = _contract(api, response, strict, _load_schema(req_file) if req_file.exists() else None)
    try:
        contract.places  # noqa: B018  (compiled now: one that cannot be is one line naming the file)
    except TooManyPlaces as exc:
        raise InputError(str(resp_file), f"unusable schema: {exc}") from None
    return contract


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
    return contracts_from(bundle.apis, release=bundle.release)


def contracts_from(apis: dict[str, dict[str, dict]], release: str | None = None) -> ContractSet:
    """The APIs of schemas made by this package (a bundle's, or derived in memory): api ->
    request/response/strict -> schema."""
    return ContractSet([_contract(api, s["response"], s.get("strict", s["response"]), s.get("request"))
                        for api, s in apis.items()], release=release)


def held_to_node(contracts: ContractSet, version: str, why: str) -> ContractSet:
    """The same contracts held to a node of ``version`` (``why``: how the release was chosen): a
    field newer than the node is not required of it (:mod:`.since`), nor counted as unseen."""
    return ContractSet([replace(c, response=for_node(c.response, version), strict=for_node(c.strict, version)) for c in contracts],
                       release=contracts.release, why=why, node_version=version)


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
    shown = str(path)
    schema = read_json(read_bytes(path, shown), shown)
    problem = schema_problem(schema)  # first: no other walk of it is bounded before
    if problem:
        raise InputError(shown, f"unusable schema: {problem}")
    try:
        if not (isinstance(schema, dict) and schema.get("$schema", DRAFT) in _DRAFTS and jsonschema_rs.meta.is_valid(schema)):
            jsonschema.Draft202012Validator.check_schema(schema)  # slow, but says what is wrong
    except jsonschema.SchemaError as exc:
        raise InputError(shown, f"not a valid JSON Schema: {exc.message}") from None
    return schema
