"""``--zstack-record DIR`` (and the proxy's ``--record DIR``): every exchange written as an exchange
record, redacted, atomically, and never over another: a run that finds ``test_x.004.json`` in
the folder (an earlier run's, or another's writing there now) goes on at ``test_x.005.json``."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

from ..atomic import write_new
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
        self._next: dict[str, int] = {}  # name -> the number its next recording tries first
        self._lock = threading.Lock()
        self.written: list[Path] = []

    def __call__(self, exchange: Exchange) -> Path:
        record = exchange.redacted(self.redactor)
        if not record.source:
            record.source = self.current
        name = record_name(self.current)
        data = (json.dumps(record_of(record), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            first = self._next.get(name) or self._after_existing(name)
            if len(data) > MAX_BYTES:  # validate and replay would refuse it: say so now, write nothing
                raise OutputError(str(self.directory / _file(name, first)), f"the exchange is {len(data) / 2**20:.1f} MiB, over the "
                                  f"{MAX_BYTES // 2**20} MiB a recording may hold: not written")
            path, n = write_new(self.directory, lambda k: _file(name, k), first, data)
            self._next[name] = n + 1
        self.written.append(path)
        return path

    def _after_existing(self, name: str) -> int:
        """The number after the highest of the folder's recordings of ``name`` (1 when none)."""
        pattern = re.compile(re.escape(name) + r"\.([0-9]+)\.json")
        try:
            numbers = [int(m.group(1)) for entry in os.scandir(self.directory) if (m := pattern.fullmatch(entry.name))]
        except OSError:  # no folder yet (made by the first write), or not one: the write says why
            numbers = []
        return max(numbers, default=0) + 1


def _file(name: str, n: int) -> str:
    return f"{name}.{n:03d}.json"
