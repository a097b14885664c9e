"""Hypothesis strategies for request bodies, derived from an API's request schema.

Nothing here names an API or a field: the action key, its documented parameters and the tag lists
(top-level arrays of strings) come from the schema, so every derived API gets its own strategies.
A :class:`Probe` is one request body with its kind; ``valid`` kinds validate against the request
schema, the others break it in one labelled way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..checks.probe_answers import INVALID_KINDS, VALID_KINDS
from ..contract.parameters import read_parameters


@dataclass(frozen=True)
class Probe:
    kind: str
    body: bytes  # exactly what is sent
    doc: Any = None  # the JSON value, when the body is JSON

    @property
    def valid(self) -> bool:
        return self.kind in VALID_KINDS

    def __repr__(self) -> str:
        shown = self.body.decode("utf-8", "replace")
        return f"Probe({self.kind}, {shown[:300]!r}{'...' if len(shown) > 300 else ''})"

    def _repr_pretty_(self, printer, cycle) -> None:  # what Hypothesis prints for a falsifying example
        printer.text(repr(self))


def encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# --- small pieces ------------------------------------------------------------------------------
# Text for tags: ASCII words, any Unicode (no surrogates, which JSON cannot carry in UTF-8), and
# now and then a long value.
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)
_unicode = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
# A long value repeats a word to a drawn length: drawn character by character, a few thousand
# characters cost Hypothesis as much as the rest of a body, for no more meaning.
_long = st.tuples(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), st.integers(2000, 4000)).map(
    lambda word_length: (word_length[0] * (word_length[1] // len(word_length[0]) + 1))[: word_length[1]])
tag_text = st.one_of(_word, _word, _unicode, _long)


@st.composite
def system_tag(draw) -> str:
    """``key::value`` tags, including ``ephemeral::`` ones and values with ``::`` inside."""
    key = draw(st.one_of(st.just("ephemeral"), _word))
    parts = draw(st.lists(tag_text, min_size=1, max_size=3))
    return "::".join([key, *parts])


tag = st.one_of(system_tag(), tag_text)
tag_list = st.one_of(st.just([]), st.lists(tag, max_size=5), st.lists(_word, min_size=20, max_size=60))


def value_for(schema: dict) -> st.SearchStrategy:
    """A value of a documented parameter's type."""
    kind = schema.get("type")
    if schema.get("enum"):
        return st.sampled_from(schema["enum"])
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        if "maxLength" in schema:
            return tag_text.filter(lambda t: len(t) <= schema["maxLength"]) if schema["maxLength"] >= 40 else _word.map(lambda t: t[: schema["maxLength"]])
        return tag_text
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", -(2**31)), max_value=schema.get("maximum", 2**31 - 1))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "array":
        items = schema.get("items", {})
        return st.lists(value_for(items) if items.get("type") else _word, min_size=schema.get("minItems", 0), max_size=max(4, schema.get("minItems", 0)))
    if kind == "object":
        return st.dictionaries(_word, _word, max_size=3)
    return st.none()


@st.composite
def object_for(draw, schema: dict) -> dict:
    """An object with every required property and some of the optional ones."""
    props = schema.get("properties", {})
    required = set(schema.get("required", ()))
    out = {}
    for name, sub in props.items():
        if name in required or draw(st.booleans()):
            out[name] = draw(value_for(sub))
    return out


# --- reading the request schema ------------------------------------------------------------------
@dataclass(frozen=True)
class RequestParts:
    action_key: str
    action_schema: dict
    tag_lists: tuple[str, ...]  # top-level arrays of strings (systemTags, userTags, ...)
    others: dict  # other top-level properties

    @classmethod
    def of(cls, request_schema: dict) -> "RequestParts":
        """The parts of a request body: the parameter structure is the schema's first (the page's
        structure: for an action, its action key)."""
        props = request_schema.get("properties", {})
        action_key = read_parameters(request_schema).structure or request_schema.get("x-zstack", {}).get("actionKey") or request_schema["required"][0]
        tags = tuple(n for n, s in props.items() if s.get("type") == "array" and s.get("items", {}).get("type") == "string")
        others = {n: s for n, s in props.items() if n != action_key and n not in tags}
        return cls(action_key, props.get(action_key, {"type": "object"}), tags, others)


# --- whole bodies ----------------------------------------------------------------------------------
@st.composite
def valid_doc(draw, parts: RequestParts) -> dict:
    doc = {parts.action_key: draw(object_for(parts.action_schema))}
    for name in parts.tag_lists:
        if draw(st.booleans()):
            doc[name] = draw(tag_list)
    return doc


def _not_a_list() -> st.SearchStrategy:
    return st.one_of(tag_text, st.integers(), st.booleans(), st.dictionaries(_word, _word, max_size=2))


def _not_a_string() -> st.SearchStrategy:
    return st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.none(), st.booleans(),
                     st.dictionaries(_word, _word, max_size=2), st.lists(_word, max_size=2))


@st.composite
def _invalid(draw, parts: RequestParts, kind: str) -> Probe:
    doc = draw(valid_doc(parts))
    if kind == "no-action-key":
        del doc[parts.action_key]
    elif kind == "action-not-object":
        doc[parts.action_key] = draw(st.one_of(st.lists(_word, max_size=2), tag_text, st.integers(), st.booleans()))
    elif kind == "tags-not-list":
        doc[draw(st.sampled_from(parts.tag_lists))] = draw(_not_a_list())
    elif kind == "tag-item-not-string":
        name = draw(st.sampled_from(parts.tag_lists))
        items = list(doc.get(name, []))
        items.insert(draw(st.integers(0, len(items))), draw(_not_a_string()))
        doc[name] = items
    elif kind == "not-json":
        text = json.dumps(doc)
        cut = draw(st.integers(1, max(1, len(text) - 1)))
        # Broken for any JSON reader: a node's lenient Gson takes "=" for ":" and unquoted names.
        broken = draw(st.sampled_from([text[:cut], "{" + text, text + "}", "reimage please"]))
        return Probe(kind, broken.encode("utf-8"))
    elif kind == "empty-body":
        return Probe(kind, b"")
    return Probe(kind, encode(doc), doc)


@st.composite
def _unknown_key(draw, parts: RequestParts) -> Probe:
    doc = draw(valid_doc(parts))
    key = draw(_word.filter(lambda k: k not in doc and k not in parts.others))
    doc[key] = draw(st.one_of(tag_text, st.integers(), st.booleans()))
    return Probe("unknown-key", encode(doc), doc)


def valid_probes(request_schema: dict) -> st.SearchStrategy[Probe]:
    parts = RequestParts.of(request_schema)
    return st.one_of(valid_doc(parts).map(lambda d: Probe("valid", encode(d), d)), _unknown_key(parts))


def invalid_probes(request_schema: dict) -> st.SearchStrategy[Probe]:
    """Invalid bodies, the kind drawn first (each kind as likely as another, however much drawing
    it takes to make one)."""
    parts = RequestParts.of(request_schema)
    kinds = [k for k in INVALID_KINDS if parts.tag_lists or k not in ("tags-not-list", "tag-item-not-string")]
    return st.sampled_from(kinds).flatmap(lambda kind: _invalid(parts, kind))


def probes(request_schema: dict) -> st.SearchStrategy[Probe]:
    """Valid and invalid bodies, each kind labelled."""
    return st.one_of(valid_probes(request_schema), invalid_probes(request_schema))
