"""The derived-schema format: what ``zstack-contract derive`` writes and the contract reads.

Schemas are standard JSON Schema (draft 2020-12). What validation needs beyond the standard
keywords is carried by annotations both sides name here, never recovered from other text:

- ``x-source``: ``page:line name Type``, the page line a rule came from (shown with findings);
- ``x-since``: the version the page says a field appeared in;
- ``x-overlay``: the overlay rules a field received;
- ``x-page-type``: the type name the page gives a field (``String``, ``VmInstanceInventory``);
- ``x-int-width``: ``32`` or ``64`` on integers, the width of the page's ``Integer``/``Long`` (not
  ``format``, which some validators assert and refuse unknown values of);
- ``x-zstack`` (at the root): the API, its page, the variant, its action key and its endpoints.
"""

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SUFFIXES = {"request": ".request.json", "response": ".response.json", "strict": ".response.strict.json"}

SOURCE = "x-source"
SINCE = "x-since"
OVERLAY = "x-overlay"
PAGE_TYPE = "x-page-type"
META = "x-zstack"
INT_WIDTH = "x-int-width"
INT_RANGE = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}
