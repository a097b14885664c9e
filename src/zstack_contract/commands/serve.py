"""``zstack-contract serve``: placeholder until the simulator lands (issue 4)."""

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from . import fail

    fail("the simulator is not built yet")
    return 2
