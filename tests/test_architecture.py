"""The shape of the code, checked: no import cycle anywhere in khala/ (function-local imports included, which
grimp sees as imports too) and no module past 600 lines. import-linter (`make lint`) checks the layers."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

KHALA = Path(__file__).resolve().parents[1] / "khala"
MAX_LINES = 600


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules)))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules() -> None:
    sys.setrecursionlimit(10_000)
    graph = grimp.build_graph("khala", include_external_packages=False)
    cycles = _cycles(graph, set(graph.modules))
    assert cycles == [], "import cycles (function-local imports count): " + "; ".join(
        " ⇄ ".join(c) for c in cycles
    )


def test_no_module_over_600_lines() -> None:
    long = {
        str(p.relative_to(KHALA.parent)): n
        for p in KHALA.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by job (DESIGN: about 600 lines at most): {long}"
