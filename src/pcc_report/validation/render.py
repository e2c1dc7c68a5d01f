"""Validation results for people: terminal text, the self-contained HTML page and its JSON.

Why here and not in GX Data Docs: Data Docs load assets from CDNs and the report must work
offline, so the results page is rendered by this module. Every data value is escaped (a value
in a police.uk file or a return can contain markup). Nothing here decides what passed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pcc_report.validation.results import ValidationReport


#: At most this many examples per rule are shown in the terminal (the results page has more).
TERMINAL_EXAMPLES = 3


def error_text(report: ValidationReport) -> str:
    """Multi-line text for the terminal, grouped by rule: the rule, how many, three examples.

    A rule broken in several files (a wrong header in five files) is one group, so the text
    stays short however many files are bad; the results page lists every problem.
    """
    errors = report.errors()
    if not errors:
        return "Validation passed: no errors."
    groups: dict[tuple[str, str], list] = {}
    for problem in errors:
        groups.setdefault((problem.suite, problem.rule), []).append(problem)
    lines = [f"Validation failed: {len(groups)} rule(s) broken in the input data."]
    for (suite, rule), problems in groups.items():
        count = sum(max(p.unexpected_count, 1) for p in problems)
        where = f" in {len(problems)} files" if len(problems) > 1 else ""
        lines.append(f"ERROR [{suite}] rule: {rule} ({count:,} found{where})")
        columns = sorted({p.column for p in problems if p.column})
        if columns:
            lines.append(f"  column: {', '.join(columns)}")
        if len(problems) == 1:
            lines.append(f"  {problems[0].message}")
        examples = [example for p in problems for example in p.examples]
        for example in examples[:TERMINAL_EXAMPLES]:
            lines.append(f"  - {_example_text(example)}")
        if len(examples) > TERMINAL_EXAMPLES:
            lines.append(f"  - ... {len(examples) - TERMINAL_EXAMPLES} more example(s) "
                         "on the results page")
    return "\n".join(lines)


def html_page(report: ValidationReport) -> str:
    """A self-contained HTML page (inline CSS, no scripts or external assets)."""
    e = _h
    n_err, n_warn = len(report.errors()), len(report.warnings())
    status = "PASSED" if report.ok else "FAILED"
    body: list[str] = [
        "<h1>Input data validation</h1>",
        f'<p class="status {"ok" if report.ok else "fail"}"><strong>Validation {status}'
        f"</strong>: {report.rows_checked:,} rows checked, {n_err} error(s), "
        f"{n_warn} warning(s).</p>",
    ]
    if report.incomplete_months:
        body.append(
            "<p>Months with no data (figures are marked incomplete data): "
            + ", ".join(e(m) for m in report.incomplete_months)
            + ".</p>"
        )
    body.append("<h2>Problems</h2>")
    if not report.problems:
        body.append("<p>No problems found.</p>")
    else:
        body.append(
            "<table><caption>Failed rules, with up to five example rows each</caption>"
            '<thead><tr><th scope="col">Level</th><th scope="col">Rule</th>'
            '<th scope="col">Column</th><th scope="col">Count</th>'
            '<th scope="col">Details</th><th scope="col">Examples</th></tr></thead><tbody>'
        )
        for p in report.problems:
            examples = "".join(f"<li>{_example_html(x)}</li>" for x in p.examples)
            body.append(
                f'<tr class="{e(p.level)}"><td>{e(p.level.upper())}</td><td>{e(p.rule)}</td>'
                f"<td>{e(p.column or '-')}</td><td>{p.unexpected_count:,}</td>"
                f"<td>{e(p.message)}</td><td><ul>{examples}</ul></td></tr>"
            )
        body.append("</tbody></table>")
    for suite in report.suites:
        body.append(f"<h2>Suite {e(suite['name'])}</h2>")
        body.append(
            f"<p>File <code>{e(suite['file'])}</code>, sha256 <code>{e(suite['sha256'])}"
            f"</code>: {suite['successful']} of {suite['evaluated']} expectations passed.</p>"
        )
        body.append(
            f"<table><caption>Expectations of suite {e(suite['name'])}</caption>"
            '<thead><tr><th scope="col">Rule</th><th scope="col">Level</th>'
            '<th scope="col">Column</th><th scope="col">Result</th>'
            '<th scope="col">Failing rows</th></tr></thead><tbody>'
        )
        for exp in suite["expectations"]:
            result = "passed" if exp["success"] else "FAILED"
            body.append(
                f"<tr><td>{e(exp['rule'])}</td><td>{e(exp['level'])}</td>"
                f"<td>{e(exp['column'] or '-')}</td><td>{result}</td>"
                f"<td>{exp['unexpected_count']:,}</td></tr>"
            )
        body.append("</tbody></table>")
    return _HTML_PAGE.format(body="\n".join(body))


def write(report: ValidationReport, folder: Path) -> None:
    """Write ``validation.json`` and ``validation.html`` into ``folder`` (created if needed).

    The JSON has sorted keys and no timestamps so that two runs on the same inputs produce
    byte-identical files (part of the audit trail).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    (folder / "validation.json").write_text(text + "\n", encoding="utf-8")
    (folder / "validation.html").write_text(html_page(report), encoding="utf-8")


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Input data validation</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; line-height: 1.4; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
caption {{ text-align: left; font-weight: bold; padding: 0.25rem 0; }}
th, td {{ border: 1px solid #666; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
th {{ background: #e8e8e8; }}
tr.error td:first-child {{ font-weight: bold; color: #8b0000; }}
tr.warning td:first-child {{ font-weight: bold; color: #6b4e00; }}
.status.ok {{ border-left: 6px solid #1d6b2f; padding-left: 0.5rem; }}
.status.fail {{ border-left: 6px solid #8b0000; padding-left: 0.5rem; }}
code {{ background: #f2f2f2; padding: 0 0.2rem; white-space: pre-wrap; }}
ul {{ margin: 0; padding-left: 1.2rem; }}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _example_location(example: dict) -> str:
    file, line = example.get("file"), example.get("line")
    if file and line:
        return f"{file} line {line}"
    return str(file or "")


def _example_text(example: dict) -> str:
    """``file line N: 'value'``; the value is quoted so that empty values are visible."""
    location = _example_location(example)
    if example.get("value") is None:
        return location
    value = repr(example.get("value"))
    return f"{location}: {value}" if location else value


def _example_html(example: dict) -> str:
    location = _h(_example_location(example))
    if example.get("value") is None:
        return location
    value = f"<code>{_h(repr(example['value']))}</code>"
    return f"{location}: {value}" if location else value


def _h(value: Any) -> str:
    """HTML-escape any value (data values can contain markup)."""
    return html.escape("" if value is None else str(value), quote=True)
