"""The section templates stay thin: they load, call package functions and show.

Every sentence, caption, alt text and figure a section shows is built by a tested package
function; a template that builds text or computes inline would hide untested logic in a
notebook. This test reads each template's code cells (all but the ``parameters`` cell, which
papermill owns) and fails on anything that builds text or computes.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MAX_LINES = 8
# A literal longer than this is wording, and wording belongs in the package.
MAX_LITERAL = 60

# Syntax that computes or builds text, with the reason it is not allowed in a template.
FORBIDDEN = {
    ast.JoinedStr: "an f-string builds text",
    ast.BinOp: "an operator computes (or concatenates / %-formats text)",
    ast.AugAssign: "an augmented assignment computes",
    ast.Compare: "a comparison filters or decides on data",
    ast.BoolOp: "a boolean expression decides on data",
    ast.For: "a loop",
    ast.While: "a loop",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Lambda: "a lambda formats or computes",
    ast.Slice: "slicing picks rows or characters",
}
FORBIDDEN_METHODS = {"format", "join", "sum", "loc", "iloc", "groupby", "sort_values", "rename"}


def _templates() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _code_cells(path: Path) -> list[tuple[int, str]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        (index, "".join(cell["source"]))
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", [])
    ]


def problems(source: str) -> list[str]:
    """Why a template code cell is not thin (empty when it only loads, calls and shows)."""
    found = []
    lines = [line for line in source.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        found.append(f"{len(lines)} lines (more than {MAX_LINES})")
    for node in ast.walk(ast.parse(source)):
        for kind, reason in FORBIDDEN.items():
            if isinstance(node, kind):
                found.append(f"line {node.lineno}: {reason}" if hasattr(node, "lineno")
                             else reason)
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_METHODS:
            found.append(f"line {node.lineno}: .{node.attr} computes or builds text")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.strip()
            if len(words) > MAX_LITERAL or (" " in words and (words.endswith(".")
                                                              or ". " in words)):
                found.append(f"line {node.lineno}: a sentence written in the template")
    return found


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_template_code_cells_only_load_call_and_show(path: Path) -> None:
    bad = {index: found for index, source in _code_cells(path) if (found := problems(source))}
    assert not bad, f"{path.name}: cells that build text or compute: {bad}"


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_templates_are_committed_without_outputs(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    notebook = json.loads(raw)
    assert notebook["nbformat"] == 4
    # One layout for every template (nbformat 4, indent 1) keeps their diffs reviewable.
    assert json.dumps(notebook, indent=1) + "\n" == raw
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize(
    "source",
    [
        'display(text(f"{ctx.label(\'latest_12\')} was high"))',
        'display(text("Total: " + name))',
        'display(text("%s crimes" % n))',
        'display(text("{} crimes".format(n)))',
        "for a in own:\n    display(text(a))",
        "display(bullets([s for s in items]))",
        "x = shares.loc[shares['group'] == 'Charged', 'share'].sum()",
        "rows = table.iloc[:-1]",
        'display(text("Outcomes are the latest recorded for each crime."))',
        "\n".join(f"display(text(t{i}))" for i in range(MAX_LINES + 1)),
    ],
    ids=["f-string", "concatenation", "percent", "format", "loop", "comprehension",
         "filter-and-sum", "slice", "sentence", "too-long"],
)
def test_the_check_catches_text_building_and_computing(source: str) -> None:
    assert problems(source)


def test_the_check_passes_a_thin_cell() -> None:
    thin = (
        "by_type = crime.crime_type_comparison(ctx.tidy, latest, previous)\n"
        "display(*paragraphs(crime_wording.recorded_crime_summary(\n"
        '    by_type, ctx.label("latest_12"), ctx.label("previous_12"))))\n'
        'display(ctx.out.table(table, "front-sheet", "Front sheet"))\n'
    )
    assert problems(thin) == []
