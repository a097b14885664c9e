"""Writing files so a reader never sees half of one: into a temporary file beside it, then renamed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


def write_atomic(path: Path, data: bytes | Iterable[str]) -> None:
    """Write ``data`` (bytes, or UTF-8 text pieces written as they come) to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(data, (bytes, bytearray)):
        tmp.write_bytes(data)
    else:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(data)
    os.replace(tmp, path)
