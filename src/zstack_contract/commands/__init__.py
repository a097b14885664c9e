"""Sub-commands of the ``zstack-contract`` CLI; each module has ``add_arguments`` and ``run``."""

import sys


def fail(message: str) -> None:
    """Print one error line to stderr (the CLI's only way of reporting bad input)."""
    print(f"zstack-contract: error: {message}", file=sys.stderr)
