"""The house's rules that imports show (the developers' guide): the simulator never imports the
checks, nor what holds exchanges to them; the live room does not import pytest (the plugin turns
its outcomes into pytest's)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "zstack_contract"


def imports_of(room: str) -> dict[str, set[str]]:
    """File -> the modules it imports (relative imports made absolute within the package)."""
    out: dict[str, set[str]] = {}
    for path in sorted((SRC / room).rglob("*.py")):
        package = ["zstack_contract", *path.relative_to(SRC).parent.parts]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                names.add(module)
                names.update(f"{module}.{a.name}" for a in node.names)
        out[path.relative_to(SRC).as_posix()] = names
    return out


@pytest.mark.parametrize(("room", "forbidden"), [
    ("simulator", ("zstack_contract.checks", "zstack_contract.findings", "zstack_contract.reporting", "pytest")),
    ("live", ("pytest", "_pytest", "zstack_contract.pytest_plugin")),
    ("contract", ("zstack_contract.checks", "zstack_contract.findings", "zstack_contract.simulator", "pytest")),
    ("diff", ("zstack_contract.checks", "zstack_contract.findings", "zstack_contract.simulator", "zstack_contract.live",
              "zstack_contract.cli", "pytest")),
])
def test_a_room_does_not_import_what_the_guide_keeps_from_it(room, forbidden):
    broken = {f: sorted(n for n in names if any(n == x or n.startswith(x + ".") for x in forbidden))
              for f, names in imports_of(room).items()}
    assert {f: n for f, n in broken.items() if n} == {}
