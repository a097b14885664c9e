"""The derived-schema format: what ``zstack-contract derive`` writes and the contract reads.

Schemas are standard JSON Schema (draft 2020-12). What validation needs beyond the standard
keywords is carried by annotations both sides name here, never recovered from other text:

- ``x-source``: ``page:line name Type``, the page line a rule came from (shown with findings);
- ``x-since``: the version the page says a field appeared in;
- ``x-overlay``: the overlay rules a field received;
- ``x-page-type``: the type name the page gives a field (``String``, ``VmInstanceInventory``);
- ``x-int-width``: ``8``, ``32`` or ``64`` on integers, the width of the page's ``byte``/``Integer``/``Long`` (not
  ``format``, which some validators assert and refuse unknown values of);
- ``x-zstack`` (at the root): the API, its kind (action, create, delete, get, query), the
  variant, its action key, its endpoints, and (responses) the envelope: which fields a success
  carries and which an error; ``missingResource`` (``success`` or ``error``) where the overlay
  says what the API does for a resource uuid that names nothing, ``emptyResult`` where its result
  class has no fields (a success is ``{}``), ``emptyWhenUnset`` where a success may be ``{}`` (its
  fields null: nothing set), ``unchecked``: the uuid parameters the node does not
  look up, ``names``: {uuid parameter: the resource type it names} where its name cannot say, ``change``: what its work does to the resource its path names where its kind's rule
  is not it (``setsState``, ``moves``: {field: the field its value moves to}, ``removes``,
  ``needsState``: the states the node's check before the work allows, ``worksIn``: the states
  the work itself succeeds in, where no check comes before it) (the entries under ``x-overlay``).

The root's ``x-source`` names the page (``page:line``), so that the pages of one API in two
languages derive the same schemas but for their ``x-source``.
"""

import json

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SUFFIXES = {"request": ".request.json", "response": ".response.json", "strict": ".response.strict.json"}

SOURCE = "x-source"
SINCE = "x-since"
OVERLAY = "x-overlay"
PAGE_TYPE = "x-page-type"
META = "x-zstack"
INT_WIDTH = "x-int-width"
INT_RANGE = {8: (-(2**7), 2**7 - 1), 32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}


def page_of(schema: dict) -> str:
    """The page a derived schema came from: its root ``x-source`` without the line."""
    source = schema.get(SOURCE) or schema.get(META, {}).get("page", "")
    return source.rsplit(":", 1)[0] if ":" in source else source


def render(schema: dict) -> bytes:
    """The one serialisation of a schema file: stable key order, ASCII only, newline at the end."""
    return (json.dumps(schema, indent=2, ensure_ascii=True) + "\n").encode("ascii")
