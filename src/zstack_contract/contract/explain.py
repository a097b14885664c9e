"""python-jsonschema's errors for a body the native validator rejected, found cheaply.

python-jsonschema walks the whole body, some fifty times the cost of the native verdict. For a
rejected body it is run only from the places the native validator flagged (each outermost flagged
object or value, with the schema that applies there), and there with a pruned copy of that schema:
the subschemas of the children present in the instance with nothing flagged in them are replaced
by ``true``, as they give no error. That gives the very errors a walk of the whole body gives, in
the same order, as long as one schema applies at each place and everything an error depends on
lies at or below it: in a schema whose objects and lists are reached only through ``properties``,
``items`` and local ``$ref``. Where a schema reaches a place in any other way (``allOf``,
``patternProperties``, ``if``/``then`` ...), that part is not pruned, or the whole body is walked.
"""

from __future__ import annotations

from typing import Any, Iterator

import jsonschema_rs
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

# Keywords that apply a schema to a place below the current one, other than properties/items/$ref.
_OTHER_DESCENT = frozenset({
    "allOf", "if", "then", "else", "dependentSchemas", "dependencies", "patternProperties", "prefixItems",
    "additionalItems", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
    "$dynamicRef", "$recursiveRef",
})

Path = tuple  # an instance path: keys and list indices from the root


class Explainer:
    """The errors of one schema (a contract's response schema, or its strict variant), for bodies
    its native validator rejects. Built once per schema by the contract; what it works out (each
    schema's ``$ref`` chain, a validator per unpruned place) is kept, as the schema never changes."""

    def __init__(self, root: dict, validator: Validator, native: jsonschema_rs.Draft202012Validator):
        self.root = root
        self.validator = validator
        self.native = native
        self._chains: dict[int, list[dict] | None] = {}  # id of a schema inside root -> its $ref chain
        self._place_validators: dict[int, Validator] = {}  # id of a schema inside root -> a validator of it

    def errors(self, body: Any) -> Iterator[tuple[list, ValidationError]]:
        """(full instance path, error) for each python-jsonschema error in ``body``, as a walk of the whole body yields them."""
        found = self._targets(body)
        if found is None:
            for err in self.validator.iter_errors(body):
                yield list(err.absolute_path), err
            return
        targets, flagged = found
        for _rank, path, schema in targets:
            sub = body
            for step in path:
                sub = sub[step]
            pruned = self._pruned(schema, sub, path, flagged)
            if pruned is schema:  # nothing to prune (a scalar, say): that schema's validator, made once
                place_validator = self._place_validators.get(id(schema))
                if place_validator is None:
                    place_validator = self._place_validators[id(schema)] = self.validator.evolve(schema=schema)
            else:
                place_validator = self.validator.evolve(schema=pruned)
            for err in place_validator.iter_errors(sub):
                yield [*path, *err.absolute_path], err

    def _targets(self, body: Any) -> tuple[list[tuple[tuple, Path, dict]], set[Path]] | None:
        """(rank in walk order, place, schema there) for the outermost flagged places, and every place
        at or above a flagged one; None: walk it all."""
        try:
            places = {tuple(e.instance_path) for e in self.native.iter_errors(body)}
        except (ValueError, TypeError, OverflowError, RecursionError):
            return None
        outermost = [p for p in places if not any(p[:n] in places for n in range(len(p)))]
        if not outermost:
            return None
        targets = []
        for place in outermost:
            found = self._schema_at(place)
            if found is None:
                return None
            targets.append((found[1], place, found[0]))
        flagged = {place[:n] for place in places for n in range(len(place) + 1)}
        return sorted(targets, key=lambda t: t[0]), flagged

    def _pruned(self, schema: Any, value: Any, path: Path, flagged: set[Path]) -> Any:
        """``schema`` at ``path`` with the subschemas of the children of ``value`` where nothing is
        flagged replaced by ``true``: itself where there is nothing to prune, or the schema might
        reach a child otherwise. A ``$ref`` so pruned becomes an ``allOf`` of the pruned target, and
        ``items`` a ``prefixItems`` up to the last flagged item, so each error keeps its schema."""
        chain = self._with_refs(schema)
        if chain is None:
            return schema
        pruned: Any = None
        for n in range(len(chain) - 1, -1, -1):  # the $ref targets first
            node = chain[n]
            changes: dict[str, tuple[str, Any]] = {}
            props = node.get("properties")
            if isinstance(value, dict) and isinstance(props, dict):
                new_props = None
                for name, sub in value.items():
                    if name in props:
                        child = path + (name,)
                        kept = self._pruned(props[name], sub, child, flagged) if child in flagged else True
                        if kept is not props[name]:
                            new_props = new_props or dict(props)
                            new_props[name] = kept
                if new_props is not None:
                    changes["properties"] = ("properties", new_props)
            items = node.get("items")
            if isinstance(value, list) and isinstance(items, dict):
                last = max((i for i in range(len(value)) if path + (i,) in flagged), default=-1)
                changes["items"] = ("prefixItems", [
                    self._pruned(items, value[i], path + (i,), flagged) if path + (i,) in flagged else True for i in range(last + 1)
                ])
            if pruned is not None and pruned is not chain[n + 1]:
                changes["$ref"] = ("allOf", [pruned])
            pruned = {changes[k][0] if k in changes else k: changes[k][1] if k in changes else v for k, v in node.items()} if changes else node
        return pruned

    def _schema_at(self, place: Path) -> tuple[dict, tuple] | None:
        """The one schema that applies at ``place`` and its rank in walk order (the position of each
        step among its schema's properties, or the list index); None if it is not that simple."""
        schema, rank = self.root, []
        for step in place:
            chain = self._with_refs(schema)
            if chain is None:
                return None
            key = "properties" if isinstance(step, str) else "items"
            holders = [s for s in chain if key in s]
            if len(holders) != 1:
                return None
            below = holders[0][key]
            if isinstance(step, str):
                if not isinstance(below, dict) or step not in below:
                    return None
                rank.append(list(below).index(step))
                schema = below[step]
            else:
                rank.append(step)
                schema = below
            if not isinstance(schema, dict):
                return None
        return schema, tuple(rank)

    def _with_refs(self, schema: Any) -> list[dict] | None:
        """A schema and the schemas its local ``$ref`` chain leads to; None if any may descend otherwise.
        Keyed by identity: every schema asked about lives inside ``root``, which this object keeps."""
        key = id(schema)
        if key not in self._chains:
            self._chains[key] = _ref_chain(self.root, schema)
        return self._chains[key]


def _ref_chain(root: dict, schema: Any) -> list[dict] | None:
    chain = []
    while True:
        if not isinstance(schema, dict) or _OTHER_DESCENT.intersection(schema):
            return None
        extra = schema.get("additionalProperties")
        if extra is not None and not isinstance(extra, bool):
            return None
        if isinstance(schema.get("items"), list):
            return None
        chain.append(schema)
        ref = schema.get("$ref")
        if ref is None:
            return chain
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")) or len(chain) > 50:
            return None
        schema = root.get("$defs", {}).get(ref[len("#/$defs/"):])
