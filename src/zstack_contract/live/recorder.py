"""``--zstack-record DIR``: every live exchange written as an exchange record, redacted, atomically."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from ..atomic import write_atomic
from ..facts.secrets import Redactor
from ..inputs.exchange import Exchange
from ..inputs.records import record_of


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
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", self.current.split("::")[-1]).strip("_") or "exchange"
        with self._lock:
            n = self._counts[name] = self._counts.get(name, 0) + 1
        path = self.directory / f"{name}.{n:03d}.json"
        data = json.dumps(record_of(record), indent=2, ensure_ascii=False) + "\n"
        write_atomic(path, data.encode("utf-8"))
        self.written.append(path)
        return path
