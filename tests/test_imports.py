"""The package has no import cycles, counting imports inside functions (lazy imports) too.

A lazy import hides a cycle from the interpreter but not from the reader: the modules still
depend on each other. So every ``import`` statement anywhere in a module is an edge here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pcc_report"


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules one module imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "pcc_report" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module == "pcc_report":
                base = None
            elif node.level == 0 and (node.module or "").startswith("pcc_report."):
                base = node.module.split(".")[1]
            elif node.level == 1:
                base = node.module.split(".")[0] if node.module else None
            else:
                continue
            if base is not None:
                found.add(base)
            else:
                found |= {alias.name for alias in node.names if alias.name in modules}
    return found & modules - {path.stem}


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.glob("*.py"))
    modules = {p.stem for p in paths}
    return {p.stem: _imports(p, modules) for p in paths}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_graph_sees_top_level_and_function_level_imports() -> None:
    graph = _graph()
    assert "execution" in graph["build"]  # top level: from pcc_report.execution import ...
    assert "build" in graph["cli"]  # inside cli._run: from pcc_report.build import ...
    assert "verify" in graph["cli"]  # inside cli._verify


def test_cycle_finder_finds_a_cycle_through_a_lazy_import() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_has_no_import_cycles() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
