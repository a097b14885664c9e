"""What a schema file must be for this project to walk it and validate with it in bounded time;
:func:`schema_problem` says what one is not, when a schemas folder is loaded (:mod:`.loading`
makes it one line naming the file, and loads the other files).

- Schemas nested at most :data:`MAX_DEPTH` levels, counted as JSON levels from the file's top (a
  property's schema is two below its object's; a derived file nests 8 or fewer): python-jsonschema
  goes a few calls deeper for each.
- Every ``$ref`` (and ``$dynamicRef``) local: ``#``, ``#/a/json/pointer`` or ``#anchor``, naming a
  schema of the file. Another document would be fetched, from anywhere.
- No loop of schemas that apply to one and the same value (through ``$ref``, ``allOf``, ``anyOf``,
  ``oneOf``, ``not``, ``if``/``then``/``else``, ``dependentSchemas``): evaluating one never ends,
  and following its ``$ref`` chain neither. A schema that refers to itself below a property or an
  item (a tree, as an ErrorCode's ``cause``) is fine: each turn goes one level into the value.
- Every ``pattern`` and ``patternProperties`` name a regular expression jsonschema-rs accepts
  (:mod:`.patterns`), and no ``unevaluatedProperties`` beside ``patternProperties`` in one file:
  python-jsonschema matches those with Python's backtracking engine to tell which properties
  were evaluated.
- No ``$schema`` but at the top: python-jsonschema would take it as a cue to validate below it
  with its own validator, which matches patterns with Python's engine.
"""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import unquote

from ..facts.oneline import PREVIEW, quoted
from ..facts.pointers import escape_pointer
from .patterns import pattern_problem

MAX_DEPTH = 64

# Keywords whose value is a schema, a list of schemas, or an object of schemas (JSON Schema 2020-12).
_ONE = frozenset({"additionalProperties", "unevaluatedProperties", "items", "unevaluatedItems", "contains", "propertyNames",
                  "not", "if", "then", "else", "contentSchema", "additionalItems"})
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# Those that apply to the very value their schema applies to.
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")
# The keywords a schema is looked at for.
_MARKED = frozenset({"$schema", "$ref", "$dynamicRef", "$anchor", "$dynamicAnchor", "pattern", "patternProperties", "unevaluatedProperties",
                     "dependentSchemas", *_IN_PLACE_ONE, *_IN_PLACE_LIST})


def schema_problem(schema: Any) -> str | None:
    """What makes ``schema`` (a meta-valid JSON Schema) unusable here, in a few words; None if nothing."""
    try:
        nodes = [(pointer, node) for pointer, node in _subschemas(schema) if not _MARKED.isdisjoint(node)]  # the rest ask nothing
    except _TooDeep:
        return f"a schema nested more than {MAX_DEPTH} levels deep"
    anchors = {node[key]: pointer for pointer, node in nodes for key in ("$anchor", "$dynamicAnchor") if isinstance(node.get(key), str)}
    uses_unevaluated = uses_patterns = False
    targets: dict[str, list[str]] = {}  # pointer -> pointers of the schemas applied in place
    for pointer, node in nodes:
        if pointer and "$schema" in node:
            return f"#{pointer}: a $schema below the top is not supported"
        for key in ("$ref", "$dynamicRef"):
            if key in node:
                target = _resolve(schema, node[key], anchors)
                if target is None:
                    return f"#{pointer}: {key} {quoted(str(node[key]), PREVIEW)} names no schema of this file (only local references are read)"
                targets.setdefault(pointer, []).append(target)
        targets.setdefault(pointer, []).extend(_in_place(node, pointer))
        patterns = [node["pattern"]] if "pattern" in node else []
        if isinstance(node.get("patternProperties"), dict):
            uses_patterns = True
            patterns += list(node["patternProperties"])
        for pattern in patterns:
            problem = pattern_problem(pattern)
            if problem:
                return f"#{pointer}: pattern {quoted(str(pattern), PREVIEW)}: {problem}"
        uses_unevaluated = uses_unevaluated or "unevaluatedProperties" in node
    if uses_unevaluated and uses_patterns:
        return "unevaluatedProperties beside patternProperties is not supported (its explanation would match patterns with Python's backtracking engine)"
    loop = _loop(targets)
    if loop:
        return "$ref loop: " + " -> ".join("#" + p for p in loop) + " (a schema that applies itself to the same value never ends)"
    return None


def _subschemas(schema: Any) -> Iterator[tuple[str, dict]]:
    """(JSON pointer, schema) of ``schema`` and of every schema inside it (not of ``examples``,
    ``const`` and other values that only look like schemas); :class:`_TooDeep` past :data:`MAX_DEPTH`."""
    stack: list[tuple[str, Any, int]] = [("", schema, 1)]
    while stack:
        pointer, node, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        if depth > MAX_DEPTH:
            raise _TooDeep
        yield pointer, node
        for key, value in node.items():
            if key in _ONE:
                stack.append((f"{pointer}/{key}", value, depth + 1))
            elif key in _LIST and isinstance(value, list):
                stack.extend((f"{pointer}/{key}/{n}", sub, depth + 2) for n, sub in enumerate(value))
            elif key in _MAP and isinstance(value, dict):
                stack.extend((f"{pointer}/{key}/{_escaped(name)}", sub, depth + 2) for name, sub in value.items())


def _escaped(name: str) -> str:
    """A name as a JSON Pointer segment (:func:`~zstack_contract.facts.pointers.escape_pointer`'s, for a name that needs no escaping without a call)."""
    return escape_pointer([name])[1:] if "~" in name or "/" in name else name


class _TooDeep(Exception):
    pass


def _in_place(node: dict, pointer: str) -> Iterator[str]:
    for key in _IN_PLACE_ONE:
        if isinstance(node.get(key), dict):
            yield f"{pointer}/{key}"
    for key in _IN_PLACE_LIST:
        if isinstance(node.get(key), list):
            yield from (f"{pointer}/{key}/{n}" for n, sub in enumerate(node[key]) if isinstance(sub, dict))
    if isinstance(node.get("dependentSchemas"), dict):
        yield from (pointer + escape_pointer(["dependentSchemas", name]) for name, sub in node["dependentSchemas"].items() if isinstance(sub, dict))


def _resolve(root: dict, ref: Any, anchors: dict[str, str]) -> str | None:
    """The pointer (as :func:`_subschemas` writes it) of the schema a local reference names in
    ``root``, or None."""
    if isinstance(ref, str) and ref.startswith("#") and ref[1:2] not in ("", "/"):
        return anchors.get(unquote(ref[1:]))
    found = local_target(root, ref)
    return found[0] if found is not None and isinstance(found[1], (dict, bool)) else None


def local_target(root: Any, ref: Any) -> tuple[str, Any] | None:
    """(JSON pointer, value) that a reference ``#`` or ``#/a/json/pointer`` names in ``root``;
    None for another reference, or one that names nothing."""
    if not isinstance(ref, str) or not ref.startswith("#") or ref[1:2] not in ("", "/"):
        return None
    node: Any = root
    parts = [p.replace("~1", "/").replace("~0", "~") for p in unquote(ref[1:]).split("/")[1:]]
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return escape_pointer(parts), node


def _loop(targets: dict[str, list[str]]) -> list[str] | None:
    """A cycle of the graph (pointer -> pointers applied in place), as the pointers along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(targets):
        if state.get(start):
            continue
        path, stack = [start], [iter(targets.get(start, ()))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(targets.get(nxt, ())))
    return None
