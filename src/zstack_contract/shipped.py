"""Where the project's own files are found, in a source checkout or installed from a wheel: the
suite ``contract_tests/`` (its recordings and known deviations). The shipped contracts are
package data (:mod:`zstack_contract.contract.releases`).

A checkout has them beside ``src/``; a wheel installs them as data files under
``<prefix>/share/zstack-contract/`` (``[tool.setuptools.data-files]`` of pyproject.toml).
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]  # src/zstack_contract/shipped.py -> the checkout
_INSTALLED = ("share", "zstack-contract")


def shipped(name: str) -> Path:
    """The project's folder ``name`` (``contract_tests``): the checkout's when this
    module runs from one, else the installed copy (which may be missing: callers say so)."""
    here = _CHECKOUT / name
    if here.exists() and (_CHECKOUT / "pyproject.toml").exists():
        return here
    for prefix in (sysconfig.get_path("data"), sys.prefix, sys.base_prefix):
        installed = Path(prefix, *_INSTALLED, name)
        if installed.exists():
            return installed
    return Path(sysconfig.get_path("data"), *_INSTALLED, name)
