"""``since-after-release``: a field whose starting version (``since`` in the doc sources, the
起始版本 / Since column of a page, ``x-since`` in the schemas) is newer than the release the
inputs are of (``derive --release-of``). The release cannot document a field that came after it:
the version is a typo, or the doc sources are of another release than said. A warning, like a
``doc-defect``; the field is derived as written.

Versions compare by :func:`~zstack_contract.contract.releases.newer_than` (a starting version of
another numbering, ``zsv 4.1.6``, is never newer).
"""

from __future__ import annotations

from ..contract.releases import newer_than
from .page import Defect, Page

CHECK = "since-after-release"


def after_release(page: Page, release: str) -> list[Defect]:
    """A warning for each field of ``page`` (its request, its response and the tables they refer
    to) whose starting version is newer than ``release``; a field written once and shown in two
    tables is one warning."""
    found: dict[str, Defect] = {}
    tables = [t for t in (page.request, page.response) if t is not None] + list(page.sections.values())
    for table in tables:
        for f in table.fields:
            if not f.since or not newer_than(f.since, release):
                continue
            where = page.field_source(f)
            found.setdefault(where, Defect(where, f"field {f.name!r} ({table.name}) is since {f.since}, "
                                                  f"newer than the release {release}", CHECK))
    return list(found.values())
