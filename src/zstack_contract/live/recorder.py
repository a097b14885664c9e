"""``--zstack-record DIR``: every live exchange written as an exchange record, redacted, atomically."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from ..atomic import write_atomic
from ..errors import OutputError
from ..facts.secrets import Redactor
from ..inputs.exchange import Exchange
from ..inputs.json_reader import MAX_BYTES
from ..inputs.records import record_of


def record_name(test_id: str) -> str:
    """The file name a test's recordings start with: ``test_x.001.json`` for ``...::test_x``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", test_id.split("::")[-1]).strip("_") or "exchange"


class Recorder:
    def __init__(self, directory: str | Path, redactor: Redactor):
        self.directory = Path(directory)
        self.redactor = redactor
        self.current = "session"  # the running test's id, set by the plugin
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self.written: list[Path] = []

    def __call__(self, exchange: Exchange) -> Path:
        record = exchange.redacted(self.redactor)
        if not record.source:
            record.source = self.current
        name = record_name(self.current)
        with self._lock:
            n = self._counts[name] = self._counts.get(name, 0) + 1
        path = self.directory / f"{name}.{n:03d}.json"
        data = (json.dumps(record_of(record), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        if len(data) > MAX_BYTES:  # validate and replay would refuse it: say so now, write nothing
            raise OutputError(str(path), f"the exchange is {len(data) / 2**20:.1f} MiB, over the {MAX_BYTES // 2**20} MiB "
                                         "a recording may hold: not written")
        write_atomic(path, data)
        self.written.append(path)
        return path
