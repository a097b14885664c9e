"""Write a corpus of N recorded ReimageVmInstance answers, as a 4.x node renders them.

    .venv/bin/python benchmarks/corpus.py N OUT [--form bodies|exchanges] [--seed S]

Most answers are valid: VMs built from the embedded simulator's data set with fresh uuids,
names, sizes, states and dates, rendered by the simulator's renderer (compact, HTML-safe escapes,
nulls left out, undocumented fields as real nodes send them); some are valid 503 errors. About
one in twenty breaks the contract, each kind of break in turn: every mutation of
``tests/mutations.py`` and the semantic breaks (owner uuid, root volume, date order), plus, for
exchange records, the status/body, job-polling and uuid-in-URL breaks.

``--form bodies`` (default) writes bare response bodies, one per file, which check-jsonschema
can read too; ``--form exchanges`` writes exchange records (the call's 202, 0-3 polls, the
final answer). Files go to ``OUT/NNN/ReimageVmInstance.NNNNNN.json``, 1000 per folder. OUT
must be outside the repository (default use: somewhere under /tmp). Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mutations import MUTATIONS  # noqa: E402  (the project's list of contract breaks)

from zstack_contract.simulator import render  # noqa: E402
from zstack_contract.simulator.seed import seed  # noqa: E402

API = "ReimageVmInstance"
BASE = "http://10.0.0.5:8080/zstack"
PER_FOLDER = 1000
STATES = ("Stopped", "Stopped", "Stopped", "Running", "Paused")
_UUID = re.compile(r"^[0-9a-f]{32}$")


def _semantic(name):
    def register(fn):
        SEMANTIC[name] = fn
        return fn

    return register


SEMANTIC: dict = {}


@_semantic("owner-uuid")
def _nic_of_another_vm(body, rng):
    body["inventory"]["vmNics"][0]["vmInstanceUuid"] = "%032x" % rng.getrandbits(128)


@_semantic("root-volume-missing")
def _root_not_among_volumes(body, rng):
    body["inventory"]["rootVolumeUuid"] = "%032x" % rng.getrandbits(128)


@_semantic("root-volume-type")
def _root_is_data(body, rng):
    body["inventory"]["allVolumes"][0]["type"] = "Data"


@_semantic("date-order")
def _created_after_last_op(body, rng):
    inv = body["inventory"]
    inv["createDate"], inv["lastOpDate"] = inv["lastOpDate"], inv["createDate"]


EXCHANGE_ONLY = ("status-body-text", "job-expired", "uuid-not-in-url")


class Corpus:
    """Answers drawn from a seeded generator."""

    def __init__(self, seed_value: int, exchanges: bool):
        self.rng = random.Random(seed_value)
        self.templates = seed()["vms"]
        breaks = [m.name for m in MUTATIONS] + list(SEMANTIC) + (list(EXCHANGE_ONLY) if exchanges else [])
        # 100 in 2000 answers break the contract, spread over the kinds; 80 are valid errors
        self.kinds = ["valid"] * (2000 - 100 - 80) + ["error"] * 80 + [breaks[i % len(breaks)] for i in range(100)]

    def vm(self, i: int) -> dict:
        """A fresh VM: a template with new uuids (owner links kept), name, sizes, state, dates."""
        rng = self.rng
        template = self.templates[i % len(self.templates)]
        uuids: dict[str, str] = {}
        shift = timedelta(days=rng.randrange(0, 900), seconds=rng.randrange(0, 86400))

        def fresh(value):
            if isinstance(value, dict):
                return {k: fresh(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fresh(v) for v in value]
            if isinstance(value, str) and _UUID.match(value):
                return uuids.setdefault(value, "%032x" % rng.getrandbits(128))
            if isinstance(value, datetime):
                return value + shift
            return value

        vm = fresh(template)
        vm["name"] = f"vm-{i:06d}"
        vm["state"] = rng.choice(STATES)
        vm["memorySize"] = rng.choice((1, 2, 4, 8, 16, 32)) * 1024**3
        vm["cpuNum"] = rng.choice((1, 2, 4, 8))
        for vol in vm["allVolumes"]:
            vol["actualSize"] = rng.randrange(1 << 30, vol["size"])
        return render.plain(vm)

    def body(self, i: int, kind: str) -> dict:
        if kind == "error":
            return {"error": render.error_code("SYS.1003", f"Unable to find VmInstanceVO[uuid:{'%032x' % self.rng.getrandbits(128)}]")}
        body = {"inventory": self.vm(i)}
        if kind in SEMANTIC:
            SEMANTIC[kind](body, self.rng)
        for m in MUTATIONS:
            if m.name == kind:
                body = m.body(body)
        return body

    def answer(self, i: int) -> tuple[str, object]:
        kind = self.rng.choice(self.kinds)
        return kind, self.body(i, kind if kind not in EXCHANGE_ONLY else "valid")

    def exchange(self, i: int, kind: str, body: dict) -> dict:
        rng = self.rng
        vm = body.get("inventory", {}).get("uuid") if isinstance(body.get("inventory"), dict) else None
        vm = vm if isinstance(vm, str) and kind != "uuid-not-in-url" else "%032x" % rng.getrandbits(128)
        job = "%032x" % rng.getrandbits(128)
        poll = {"method": "GET", "url": f"{BASE}/v1/api-jobs/{job}", "headers": {"Authorization": "OAuth ***"}}
        steps = [{
            "request": {"method": "PUT", "url": f"{BASE}/v1/vm-instances/{vm}/actions",
                        "headers": {"Authorization": "OAuth ***"}, "body": {"reimageVmInstance": {}, "systemTags": [], "userTags": []}},
            "response": {"status": 202, "body": {"location": f"{BASE}/v1/api-jobs/{job}", "apiTimeout": 259200000}},
        }]
        steps += [{"request": poll, "response": {"status": 202, "body": {}}} for _ in range(rng.randrange(0, 4))]
        if kind == "job-expired":
            steps.append({"request": poll, "response": {"status": 404, "text": "the job has been expired"}})
        final = 503 if "error" in body and "inventory" not in body else 200
        if kind == "status-body-text":
            steps.append({"request": poll, "response": {"status": 503, "text": "Internal Server Error"}})
        else:
            steps.append({"request": poll, "response": {"status": final, "body": body}, "elapsedMs": round(rng.uniform(5, 900), 3)})
        return {"format": "zstack-contract.exchange/1", "api": API, "steps": steps}


def write_corpus(n: int, out: Path, form: str = "bodies", seed_value: int = 7) -> Counter:
    """Write ``n`` files under ``out``; returns how many of each kind."""
    out = out.resolve()
    if out == ROOT or ROOT in out.parents:
        raise SystemExit(f"corpus.py: refusing to write into the repository ({out}); use a folder under /tmp")
    corpus = Corpus(seed_value, form == "exchanges")
    kinds: Counter = Counter()
    for i in range(n):
        kind, body = corpus.answer(i)
        kinds[kind] += 1
        folder = out / f"{i // PER_FOLDER:03d}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        doc = corpus.exchange(i, kind, body) if form == "exchanges" else body
        (folder / f"{API}.{i:06d}.json").write_bytes(render.to_json(doc, html_safe=True))
    return kinds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int, help="how many files")
    p.add_argument("out", type=Path, help="folder to write (outside the repository)")
    p.add_argument("--form", choices=("bodies", "exchanges"), default="bodies")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    kinds = write_corpus(args.n, args.out, args.form, args.seed)
    print(json.dumps({"files": args.n, "form": args.form, "out": str(args.out), "kinds": dict(sorted(kinds.items()))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
