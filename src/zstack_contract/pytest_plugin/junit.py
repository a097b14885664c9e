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

from collections.abc import Callable
from typing import Any

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
