"""The contracts the package ships: one :mod:`.bundle` per ZStack release, derived from ZStack's
open-source doc sources at a recorded commit (``scripts/regenerate_contracts.py`` writes them).

A release is named as ZStack names its branch (``5.3.0``); the newest, by version, is the default
contract of every command and of the pytest suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import InputError
from .bundle import Bundle, read_bundle

SUFFIX = ".json.gz"
AUTO = "auto"  # --release auto: the release the node says it runs (:mod:`zstack_contract.live.node_release`)
_VERSION = re.compile(r"\d+(?:\.\d+)*")


def version_key(version: str) -> tuple:
    """Orders versions as ZStack numbers them: 3.9 before 3.10.40 before 4.8.22 before 5.3.0; trailing
    zeros do not count (5.3 and 5.3.0 are one version). A part that is not a number sorts after the
    numbers, by its text."""
    parts = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-_]", version.strip())]
    while len(parts) > 1 and parts[-1] == (0, 0, ""):
        parts.pop()
    return tuple(parts)


def is_version(text: str) -> bool:
    """Whether ``text`` is a version of ZStack's numbering (``5.3.0``, ``0.6``), which
    :func:`version_key` orders; a starting version such as ``zsv 4.1.6`` is of another product."""
    return _VERSION.fullmatch(text.strip()) is not None


def newer_than(since: str, version: str) -> bool:
    """Whether a field's starting version ``since`` comes after ``version``: the one rule of derive's
    ``since-after-release`` and of what a node of ``version`` is expected to send. A ``since`` of
    another numbering (``zsv 4.1.6``) is never newer."""
    return is_version(since) and version_key(since) > version_key(version)


def releases_dir() -> Path:
    """The folder of the shipped bundles (package data)."""
    return Path(str(resources.files("zstack_contract").joinpath("data", "releases")))


@dataclass(frozen=True)
class Release:
    name: str
    file: Path

    @property
    def key(self) -> tuple:
        """Orders releases as versions do (:func:`version_key`): 3.10.40 before 4.8.22 before 5.3.0."""
        return version_key(self.name)


def shipped_releases() -> list[Release]:
    """The shipped releases, oldest first."""
    folder = releases_dir()
    found = [Release(p.name[: -len(SUFFIX)], p) for p in folder.glob("*" + SUFFIX)] if folder.is_dir() else []
    return sorted(found, key=lambda r: r.key)


def find_release(name: str | None = None) -> Release:
    """The shipped release ``name`` (None: the newest); InputError listing them when there is none such."""
    releases = shipped_releases()
    if not releases:
        raise InputError(str(releases_dir()), "no contracts are shipped with this installation")
    if name is None:
        return releases[-1]
    if name == AUTO:
        raise InputError(f"release {AUTO}", "asks a node for its version: only a run that talks to a node takes it "
                         "(pytest --zstack-url, proxy --target); name a release here: " + ", ".join(r.name for r in releases))
    for r in releases:
        if r.name == name:
            return r
    raise InputError(f"release {name}", f"no contract of that release is shipped; releases: {', '.join(r.name for r in releases)}")


def release_for(version: str) -> tuple[Release, str]:
    """The shipped release a node of ``version`` is held to, the newest at or below it (a node
    older than the oldest: the oldest), and why, as the reports say it (``the node says 5.1.31``)."""
    find_release()  # InputError when none is shipped
    releases = shipped_releases()
    below = [r for r in releases if r.key <= version_key(version)]
    if not below:
        return releases[0], f"the node says {version}, older than the oldest contract shipped"
    return below[-1], f"the node says {version}"


def load_release(name: str | None = None) -> Bundle:
    """The bundle of a shipped release (None: the newest)."""
    return read_bundle(find_release(name).file)


@cache
def shipped_api_names() -> frozenset[str]:
    """The name of every API of every shipped release: what tells a file named after an API of
    ZStack (``ReimageVmInstance.sample.json``) from one named anything else."""
    return frozenset(api for r in shipped_releases() for api in read_bundle(r.file).apis)
