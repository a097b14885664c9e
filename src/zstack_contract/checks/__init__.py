"""The checks room: the one registry of every check (:mod:`.registry`), the view of an exchange a
check gets (:mod:`.view`), the findings they make (:mod:`.finding`), one module per family of
checks (:mod:`.schema`, :mod:`.protocol`, :mod:`.resources`, :mod:`.expected`,
:mod:`.probe_answers`), and :func:`run_checks` (:mod:`.runner`).

A check of your own::

    from zstack_contract.checks import check

    @check("unique-nic-mac", "every NIC's mac is unique within a VM")
    def unique_nic_mac(view):
        for step, obj in view.resources():
            ...
            yield view.finding(step, pointer=..., expected=..., found=...)
"""

from .finding import Finding, Severity
from .registry import INPUTS, LIVE, PROBE, RECORDED, REGISTRY, Check, check
from .runner import check_view, run_checks
from .view import View

__all__ = ["Check", "Finding", "INPUTS", "LIVE", "PROBE", "RECORDED", "REGISTRY", "Severity", "View", "check", "check_view", "run_checks"]
