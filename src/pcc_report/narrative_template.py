"""``pcc-report narrative-template``: the skeleton of a quarter's narrative folder.

Why: the analyst should start from files the build already accepts, with the plan's own
priority ids as file names, headings like the real papers' and example placeholders for the
priority's own measures, so the first draft builds at once and only the words need writing.
Every file holds :data:`pcc_report.narrative_files.TEMPLATE_MARKER`, so ``run --final``
refuses a file nobody has rewritten. The vocabulary of placeholders is in the folder's
``README.md`` (text the book never shows).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pcc_report import front_matter, placeholders
from pcc_report.catalogue import Measure
from pcc_report.config import ForceConfig, Priority
from pcc_report.errors import InputError
from pcc_report.narrative_files import GUIDE, PART3, SUMMARY, TEMPLATE_MARKER, part1_name
from pcc_report.periods import Quarter


def _example(measure: Measure) -> str:
    m = measure.id
    return (
        f"For example: {measure.title.lower()} was {{{{ {m}.latest_12 }}}} in the latest 12 "
        f"months, {{{{ {m}.change }}}} on the previous 12 months (rated {{{{ {m}.rating }}}}; "
        f"monthly variation: {{{{ {m}.spc }}}})."
    )


def priority_text(priority: Priority, measures: Iterable[Measure]) -> str:
    """A Part 1 file: the priority's headings, marker, and one example per measure."""
    own = [m for m in measures if m.priority == priority.id]
    public = [m for m in own if not m.restricted] or own
    lines = [
        f"## {priority.title}", "",
        f"{TEMPLATE_MARKER} Write the progress against this priority in the quarter: what "
        "was done, by whom, and what the figures show. Numbers are never typed: use the "
        f"placeholders ({GUIDE} lists them).", "",
    ]
    lines += [line for m in public[:2] for line in (_example(m), "")]
    lines += ["### Activity this quarter", "",
              f"- {TEMPLATE_MARKER} One line per piece of work, as the panel papers list them.",
              ""]
    return "\n".join(lines)


def summary_text(force: ForceConfig, quarter: Quarter) -> str:
    return "\n".join([
        "## Executive summary", "",
        f"{TEMPLATE_MARKER} The purpose of this report is to provide Members of the Panel "
        f"with an update on progress in delivering the {force.plan_title} for {force.area} "
        f"in {quarter.title}.", "",
    ])


def part3_text() -> str:
    return "\n".join([
        "## Commissioner's activity", "",
        f"{TEMPLATE_MARKER} A brief outline of the Commissioner's key activity not captured "
        "in Parts 1 and 2: decisions taken, funding awarded, meetings and events.", "",
        "## Forthcoming events", "",
        f"- {TEMPLATE_MARKER} Date: event.", "",
    ])


def guide_text(force: ForceConfig, quarter: Quarter) -> str:
    """The folder's README.md: files, rules and the placeholder vocabulary."""
    rows = "\n".join(f"| `{{{{ burglary.{name} }}}}` | {meaning} |"
                     for name, meaning in placeholders.FIELDS.items())
    return f"""# Narrative for {force.name}, {quarter.title}

Files: `{SUMMARY}` (executive summary, optional), `part1/<priority id>.md` (one per
priority), `{PART3}`, `{front_matter.FILE_NAME}`. Build a draft with
`pcc-report draft ... --narrative THIS_FOLDER`; `pcc-report run ... --final` refuses while a
file is missing or still holds the text "{TEMPLATE_MARKER}".

Write Markdown: headings (#), paragraphs, lists, *emphasis*, links to https:// or mailto:
addresses, tables. Refused (the file and line are named): raw HTML, MyST directives and roles
(```{{...}}, {{role}}`...`, {{include}}), images, LaTeX ($...$, \\commands).

Numbers are placeholders `{{{{ measure-id.field }}}}` (measure ids are those of
config/measures.yml); each is written exactly as the tables print it:

| placeholder | what it writes |
| --- | --- |
{rows}

A measure withheld from the public edition writes
"{placeholders.withheld_wording('public')}" there. A misspelt measure or field stops the
build with the closest valid name.
"""


def write(out: Path, force: ForceConfig, quarter: Quarter, measures: Iterable[Measure]
          ) -> list[Path]:
    """Write the skeleton into ``out`` (which must not hold narrative files); return them."""
    out = Path(out)
    measures = list(measures)
    files = {
        GUIDE: guide_text(force, quarter),
        SUMMARY: summary_text(force, quarter),
        **{part1_name(p.id): priority_text(p, measures) for p in force.priorities},
        PART3: part3_text(),
        front_matter.FILE_NAME: front_matter.template(TEMPLATE_MARKER),
    }
    existing = [name for name in files if (out / name).exists()]
    if existing:
        raise InputError(f"{out} already holds {', '.join(existing)}: the template never "
                         "overwrites narrative; choose another --out")
    written = []
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
