"""``zstack-contract graph [--schemas DIR | --release NAME] [--json | --mermaid] [--family NAME]``.

The resource graph of a contract (:mod:`zstack_contract.contract.graph`), the contract chosen as
every command chooses it (:mod:`.contract_option`): per resource type (a family) its collection
and the APIs that create it, list it (query), read, act on and delete one; then the uuid
parameters that name a type no query lists (a node keeps them, no query shows them).

- text (the default): one block a family, then those parameters;
- ``--json``: :meth:`~zstack_contract.contract.graph.Graph.to_json`, sorted, the same bytes for
  the same contract;
- ``--mermaid``: a Mermaid flowchart; of the whole graph, a node a family and an arrow from each
  type a create takes (a uuid parameter; dotted where optional) to the family it makes; of one
  family (``--family``), its APIs by role and the types its creates take.

``--family NAME`` shows one family; a name the graph has not is exit 2, one line naming it and the
closest names. A schema file that cannot be used is one line on stderr, and the graph of the others
is printed (exit 2).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys

from ..errors import ContractError, InputError
from ..facts.oneline import PREVIEW, one_line
from . import fail
from .contract_option import add_contract_options, load_chosen

SETTINGS: dict[str, str] = {}  # the contract only (contract_option)
_ROLES = ("creates", "query", "reads", "actions", "deletes")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_contract_options(p)
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the graph as JSON (sorted: the same contract gives the same bytes)")
    shown.add_argument("--mermaid", action="store_true", help="print a Mermaid flowchart: of the families, or of the one --family names")
    p.add_argument("--family", metavar="NAME", help="only the family of this resource type (VmInstance)")


def run(args: argparse.Namespace) -> int:
    unusable: list[InputError] = []
    try:
        graph = load_chosen(args, unusable).graph
    except ContractError as exc:
        fail(str(exc))
        return 2
    for exc in unusable:
        fail(str(exc))
    family = None
    if args.family is not None:
        family = graph.family(args.family)
        if family is None:
            fail(f"--family {one_line(args.family, PREVIEW)}: no such family in the contract{_closest(args.family, graph.families)}")
            return 2
    if args.json:
        data = graph.to_json()
        if family is not None:
            data = {"families": [f for f in data["families"] if f["resource"] == family.resource],
                    "parameters": [p for p in data["parameters"] if p["names"] == family.resource]}
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    elif args.mermaid:
        text = family_mermaid(graph, family) if family is not None else graph_mermaid(graph)
    else:
        text = as_text(graph, family)
    sys.stdout.write(text)
    return 2 if unusable else 0


def _closest(name: str, families) -> str:
    by_lower = {f.lower(): f for f in families}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return "; `zstack-contract graph` lists them"
    return "; closest: " + ", ".join(by_lower[c] for c in close)


def as_text(graph, family=None) -> str:
    """One block a family (its collection after its name, ``-`` when no query lists it), then the
    parameters that name a type no query lists; of one family, its block and the parameters
    that name it."""
    lines: list[str] = []
    for f in (family,) if family is not None else graph.families.values():
        lines.append(f"{f.resource} ({f.collection or '-'})")
        for role in _ROLES:
            apis = getattr(f, role)
            apis = (apis,) if isinstance(apis, str) else apis or ()
            lines.append(f"  {role + ':':9} {', '.join(apis)}".rstrip())
        lines.append("")
    if family is not None:
        named = [n for edges in graph.names.values() for n in edges if n.resource == family.resource]
        title = f"parameters that name {family.resource}:"
    else:
        named = [n for edges in graph.names.values() for n in edges if not graph.families[n.resource].query]
        title = "parameters that name a type no query lists:"
    lines.append(title + ("" if named else " none"))
    lines += [f"  {n.api}.{n.param}: {n.resource}" for n in named]
    return "\n".join(lines) + "\n"


def _needs(graph, api: str) -> dict[str, bool]:
    """The types a create's uuid parameters name, each with whether one of them is required."""
    needs: dict[str, bool] = {}
    for n in graph.names.get(api, ()):
        needs[n.resource] = needs.get(n.resource, False) or n.required
    return needs


def graph_mermaid(graph) -> str:
    """A node a family (its type, the number of its APIs), an arrow from each type a create of
    another family takes to that family (dotted where no create of it requires the type)."""
    lines = ["flowchart LR"]
    for f in graph.families.values():
        lines.append(f'  t_{f.resource}["{f.resource} ({len(f.apis())})"]')
    edges: dict[tuple[str, str], bool] = {}
    for f in graph.families.values():
        for api in f.creates:
            for need, required in _needs(graph, api).items():
                if need != f.resource:
                    edges[need, f.resource] = edges.get((need, f.resource), False) or required
    lines += [f"  t_{need} {'-->' if required else '-.->'} t_{made}" for (need, made), required in sorted(edges.items())]
    return "\n".join(lines) + "\n"


def family_mermaid(graph, family) -> str:
    """The family's type in the middle, its APIs grouped by role, and the types its creates take
    (an arrow labelled with the parameter, dotted where it is optional)."""
    t = f"t_{family.resource}"
    lines = ["flowchart LR", f'  {t}[("{family.resource}<br/>{family.collection or "no query lists it"}")]']
    for role in _ROLES:
        apis = getattr(family, role)
        apis = (apis,) if isinstance(apis, str) else apis or ()
        if not apis:
            continue
        lines.append(f'  subgraph {role}["{role}"]')
        lines += [f"    a_{api}[{api}]" for api in apis]
        lines.append("  end")
        lines.append(f"  {role} --> {t}" if role == "creates" else f"  {t} --- {role}")
    taken = sorted({(n.resource, n.param, api, n.required) for api in family.creates for n in graph.names.get(api, ())
                    if n.resource != family.resource})
    for resource in sorted({t[0] for t in taken}):
        lines.append(f'  n_{resource}(["{resource}"])')
    lines += [f"  n_{resource} {'--' if required else '-.'} {param} {'-->' if required else '.->'} a_{api}"
              for resource, param, api, required in taken]
    return "\n".join(lines) + "\n"
