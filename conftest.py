"""Top-level pytest configuration.

The project's pytest plugin (options, markers, fixtures) lives in ``zstack_contract.plugin`` and is
loaded through its entry point once the package is installed; nothing is registered here.
"""

collect_ignore = ["benchmarks", "reports", "docs"]
