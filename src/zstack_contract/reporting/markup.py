"""Texts in HTML and XML (the HTML report, JUnit XML): on one line
(:func:`~zstack_contract.facts.oneline.one_line`: control characters escaped), then ``&``, ``<``,
``>`` and both quotes as references, so a text fits in an element or an attribute. The
noncharacters U+FFFE and U+FFFF, which one_line leaves and XML 1.0 does not allow (HTML calls
them errors), are escaped as one_line escapes the others (``\\ufffe``)."""

from __future__ import annotations

import html
from typing import Any

from ..facts.oneline import one_line

_NONCHARACTERS = str.maketrans({"\ufffe": "\\ufffe", "\uffff": "\\uffff"})


def escaped(value: Any) -> str:
    return html.escape(one_line(str(value)).translate(_NONCHARACTERS), quote=True)
