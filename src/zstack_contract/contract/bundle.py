"""A contract bundle: every schema file of one ZStack release in one compressed JSON file, each
table (a ``$defs`` entry of a response schema) written once however many APIs share it.

The doc sources describe an inventory once and every API that answers with it refers to it, so
the response schemas of a release share most of their ``$defs``: 561 APIs of 5.3.0 hold 484
distinct tables. A bundle keeps each once (``tables``) and an API's schemas refer to them by
number; read back, the APIs share the very same table objects (read-only, as every schema is).
Expanded (:meth:`Bundle.files`), a bundle gives the schema files ``derive`` writes, byte for byte.

Format ``zstack-contract.contract/1``, gzip-compressed JSON (with no time stamp, so the same
contract gives the same bytes)::

    {"format": ..., "release": "5.3.0", "commit": "<40 hex>", "source": "<repository URL>",
     "ref": "<branch>", "docFiles": N, "skipped": [{"where": "file:line", "why": "..."}],
     "tables": [{...}, ...],
     "apis": {"<Api>": {"request": {...}, "response": {... "$defs": {"inventory": 12}}, "strict": {...}}}}
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .format import SUFFIXES, render

FORMAT = "zstack-contract.contract/1"
_VARIANTS = {"request": SUFFIXES["request"], "response": SUFFIXES["response"], "strict": SUFFIXES["strict"]}
_POOLED = ("response", "strict")  # the schemas whose $defs are shared tables


@dataclass
class Bundle:
    release: str
    commit: str
    source: str
    ref: str
    doc_files: int
    apis: dict[str, dict[str, dict[str, Any]]]  # api -> request/response/strict -> schema
    skipped: list[dict[str, str]] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """Every schema file, as ``derive`` writes them."""
        return {api + _VARIANTS[variant]: render(schema) for api, schemas in self.apis.items() for variant, schema in schemas.items()}

    def to_bytes(self) -> bytes:
        tables: list[Any] = []
        numbers: dict[str, int] = {}

        def number(table: Any) -> int:
            key = json.dumps(table, sort_keys=True, ensure_ascii=True)
            if key not in numbers:
                numbers[key] = len(tables)
                tables.append(table)
            return numbers[key]

        apis = {}
        for api in sorted(self.apis):
            out = {}
            for variant, schema in sorted(self.apis[api].items()):
                if variant in _POOLED and isinstance(schema.get("$defs"), dict):
                    schema = {**schema, "$defs": {name: number(t) for name, t in schema["$defs"].items()}}
                out[variant] = schema
            apis[api] = out
        doc = {"format": FORMAT, "release": self.release, "commit": self.commit, "source": self.source, "ref": self.ref,
               "docFiles": self.doc_files, "skipped": self.skipped, "tables": tables, "apis": apis}
        return gzip.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode("ascii"), 9, mtime=0)


def read_bundle(path: str | Path) -> Bundle:
    """A bundle file; InputError naming it when it is not one."""
    shown = str(path)
    try:
        doc = json.loads(gzip.decompress(Path(path).read_bytes()))
    except gzip.BadGzipFile as exc:
        raise InputError(shown, f"not a contract bundle (gzip-compressed JSON): {exc}") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read contract bundle: {getattr(exc, 'strerror', None) or exc}") from None
    except (ValueError, EOFError) as exc:
        raise InputError(shown, f"not a contract bundle (gzip-compressed JSON): {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(shown, f"not a contract bundle of format {FORMAT}")
    try:
        tables = doc["tables"]
        apis = {api: {variant: _joined(schema, tables) if variant in _POOLED else schema for variant, schema in schemas.items()}
                for api, schemas in doc["apis"].items()}
        return Bundle(doc["release"], doc["commit"], doc["source"], doc["ref"], doc["docFiles"], apis, doc.get("skipped", []))
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise InputError(shown, f"a contract bundle with a part missing or malformed ({type(exc).__name__}: {exc})") from None


def _joined(schema: dict, tables: list) -> dict:
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    return {**schema, "$defs": {name: tables[n] for name, n in defs.items()}}
