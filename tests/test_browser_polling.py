"""Browser tests and benchmarks poll the page with JavaScript *functions*, never expression strings.

Playwright runs a ``wait_for_function`` expression string that is not yet true by ``eval`` in the page, which
the Content-Security-Policy (no ``'unsafe-eval'``) refuses: such a wait passes when the condition already holds
at the first look and fails under load (the CI failure of ``[...document.images].every(...)``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# "() => …", "t => …", "(a, b) => …", "async () => …", "function …"
FUNCTION = re.compile(r"^\s*(async\s+)?(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>|^\s*(async\s+)?function\b")


def _strings(tree: ast.AST) -> dict[str, str]:
    """Names bound to a string literal anywhere in the module (``loaded = "…"``)."""
    found = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _polls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    names = _strings(tree)
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "wait_for_function" or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append((node.lineno, arg.value))
        elif isinstance(arg, ast.JoinedStr):
            out.append((node.lineno, "".join(v.value for v in arg.values if isinstance(v, ast.Constant))))
        elif isinstance(arg, ast.Name) and arg.id in names:
            out.append((node.lineno, names[arg.id]))
    return out


def test_the_pattern_tells_functions_from_expressions() -> None:
    for source in ("() => 1", "t => t.x", "(a, b) => a", "async () => 1", "function () { return 1 }"):
        assert FUNCTION.match(source), source
    for source in ("document.title === 'x'", "[...document.images].every(i => i.complete)", "x > 0"):
        assert not FUNCTION.match(source), source


def test_every_wait_for_function_polls_a_function() -> None:
    files = [*ROOT.joinpath("tests").rglob("*.py"), *ROOT.joinpath("bench").rglob("*.py")]
    polls = [(p, line, src) for p in files for line, src in _polls(p)]
    assert polls, "no wait_for_function found: the scan is broken"
    expressions = [
        f"{p.relative_to(ROOT)}:{line}: {src[:80]}" for p, line, src in polls if not FUNCTION.match(src)
    ]
    assert expressions == []
