"""The JUnit XML of ``pytest --junitxml``, as CI tools read it.

- A property of a test (fixture ``zstack_property(name, value)``; each generated test's
  ``outcome``) is one of the test's ``user_properties``, which pytest writes as ``<properties>`` of
  its ``<testcase>`` in every JUnit family: Jenkins' JUnit plugin (``keepProperties``), Datadog and
  Testmo read them there. pytest's own ``record_property`` fixture does the same but warns under
  ``xunit2``, the default family; this fixture does not.
- The run's verdict, exit code and contract are the test suite's properties ``verdict``, ``exitCode``
  and ``contract``
  (``<testsuite><properties>``, in every family's schema), as ``validate --junit`` writes them
  (:func:`zstack_contract.reporting.junit.suite_properties`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from ..reporting.junit import suite_properties


@pytest.fixture
def zstack_property(request: pytest.FixtureRequest) -> Callable[[str, object], None]:
    """``zstack_property(name, value)``: a property of the calling test, in the JUnit XML's
    ``<testcase>`` (with no warning under the default JUnit family)."""

    def record(name: str, value: object) -> None:
        request.node.user_properties.append((name, value))

    return record


def write_verdict(config: pytest.Config, report: dict[str, Any]) -> None:
    """The run's verdict into the JUnit XML pytest is about to write, if it writes one (the
    controller's, under pytest-xdist)."""
    try:  # where junitxml keeps its writer (record_testsuite_property's, too)
        from _pytest.junitxml import xml_key
    except ImportError:  # a pytest that keeps it elsewhere: the reports still say it
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for name, value in suite_properties(report):
        xml.add_global_property(name, value)


# -- reading it back: which API a failed test is about ---------------------------------------------
GENERATED_ID = re.compile(r"test_api\[(\w+)-[\w-]+\]")  # contract_tests/test_api.py: test_api[<API>-<case>]
PARAMETER_ID = re.compile(r"\w+\[(\w+)(?:-[^\]]*)?\]")  # a test parametrized by an API first: test_probe_...[<API>]


def failures(junit: str | Path) -> dict[str, str]:
    """The failed tests of a JUnit XML file pytest wrote (not those that erred in a fixture): test
    name -> the failure's message, then its text (the findings of a contract test, a line each)."""
    out = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        f = case.find("failure")
        if f is not None:
            out[case.get("name", "")] = "\n".join(filter(None, (f.get("message"), f.text)))
    return out


def api_of(test: str, apis: Collection[str] = (), unparametrized: str | None = None) -> str | None:
    """The API a test of the suite is about: a generated one's (``test_api[<API>-<case>]``), else
    the API first in its parameters when ``apis`` knows it (``test_probe_...[<API>]``), else, for a
    test with no parameters, ``unparametrized`` (the caller knows which API its hand-written tests
    call); None for any other test."""
    m = GENERATED_ID.fullmatch(test)
    if m:
        return m.group(1)
    m = PARAMETER_ID.fullmatch(test)
    if m:
        return m.group(1) if m.group(1) in apis else None
    return unparametrized
