"""The JSON report (``zstack-contract.json``): the report's outline, indented, one finding a line.

Each finding is encoded on its own by the standard library's native encoder (an indenting encoder
is pure Python), as it is written.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

FILE_NAME = "zstack-contract.json"
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False), without a new encoder each time


def pieces(report: dict[str, Any]) -> Iterator[str]:
    yield "{"
    for n, (key, value) in enumerate(report.items()):
        yield ("," if n else "") + f"\n  {json.dumps(key)}: "
        if key == "findings":
            for i, entry in enumerate(value):
                yield ("[" if i == 0 else ",") + "\n    " + _encode(entry)
            yield "\n  ]" if value else "[]"
        else:  # as json.dumps(report, indent=2) has it: a string never holds a raw newline
            yield json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    yield "\n}\n"
