"""Plain-English sentences that state computed figures, as panel reports write them.

Sentences are generated from the same numbers as the tables beside them, so text and
tables cannot disagree: "Recorded crime in the 12 months to September 2022 was 123,456,
up 4.2% (4,987) on the 12 months to September 2021 (118,469)."
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd

from pcc_report import charts, crime, front_matter, lineage, rating_wording, tables
from pcc_report.catalogue import Measure
from pcc_report.config import Priority
from pcc_report.context import SectionContext
from pcc_report.crime import percent_change
from pcc_report.measures import MeasureAssessment
from pcc_report.periods import Window
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR, series_breaks
from pcc_report.present import fingerprint, fmt_count, fmt_share
from pcc_report.ratings import SIMPLE, rag_key
from pcc_report.spc import latest_reading
from pcc_report.verdicts import verdict


def change_phrase(current: int, previous: int) -> str:
    """``"up 4.2% (4,987)"`` / ``"down 3.0% (120)"`` / ``"unchanged"`` / ``"up 12 from none"``."""
    diff = current - previous
    if diff == 0:
        return "unchanged"
    word = "up" if diff > 0 else "down"
    pct = percent_change(current, previous)
    if pct is None:
        return f"{word} {fmt_count(abs(diff))} from none"
    return f"{word} {abs(pct):.1f}% ({fmt_count(abs(diff))})"


def comparison_sentence(
    subject: str, current: int, current_label: str, previous: int, previous_label: str,
    *, verb: str = "was",
) -> str:
    """One figure against its comparator, e.g. the recorded-crime headline.

    ``verb`` agrees with the subject: "Recorded crime ... was", "ASB incidents ... were".
    """
    return (
        f"{subject} in the {current_label} {verb} {fmt_count(current)}, "
        f"{change_phrase(current, previous)} on the {previous_label} ({fmt_count(previous)})."
    )


#: How the headlines rank "largest" changes, in the words they print.
RANKING_NOTE = (
    "ranked by the size of the change against the chance variation of counts that size (the "
    "change divided by the square root of the two counts added together)"
)


def volume_score(latest: float, previous: float) -> float:
    """A change scaled by the chance variation of counts its size: (a - b) / sqrt(a + b).

    Why: ranking by the count change always picks the largest categories and ranking by the
    % change picks the smallest (3 -> 6 is +100%); for two Poisson counts this is the
    change's z-score, so the biggest are the changes least likely to be chance.
    """
    total = latest + previous
    return 0.0 if total <= 0 else (latest - previous) / total**0.5


def largest_changes(table, label_column: str, n: int = 2) -> str:  # noqa: ANN001
    """Name the biggest rises and falls in a comparison table, ranked by :func:`volume_score`."""
    rows = table[table[label_column].notna()].copy()
    rows["score"] = [volume_score(a, b) for a, b in zip(rows["latest"], rows["previous"],
                                                        strict=True)]  # fmt: skip
    rises = rows[rows["change"] > 0].nlargest(n, "score")
    falls = rows[rows["change"] < 0].nsmallest(n, "score")
    parts = []
    for kind, chosen in (("increase", rises), ("decrease", falls)):
        if len(chosen):
            many = len(chosen) > 1
            parts.append(
                f"The largest {kind}{'s were' if many else ' was'} in "
                + _join(f"{r[label_column].lower()} ({change_phrase(r.latest, r.previous)})"
                        for _, r in chosen.iterrows())
                + "."
            )
    if not parts:
        return "No category changed."
    return " ".join(parts) + f" Changes are {RANKING_NOTE}."


def share_sentence(subject: str, share_now: float, label_now: str, share_before: float,
                   label_before: str) -> str:
    diff = share_now - share_before
    direction = "up" if diff > 0 else "down" if diff < 0 else "unchanged"
    change = f"{direction} {abs(diff):.1f} percentage points" if diff else "unchanged"
    return (
        f"{subject} was {fmt_share(share_now)} in the {label_now}, {change} on the "
        f"{label_before} ({fmt_share(share_before)})."
    )


def _join(items) -> str:  # noqa: ANN001
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def front_sheet(ctx: SectionContext) -> pd.DataFrame:
    """The panel paper's front sheet as a two-column table (as in the real reports)."""
    latest = ctx.windows["latest_quarter"]
    covered = f"{ctx.quarter.first_month.name} to {ctx.period_end.name}"
    if ctx.period_end != ctx.quarter.last_month:
        covered += (
            f" (data to the end of {ctx.period_end.name}; "
            f"the quarter ends {ctx.quarter.last_month.name})"
        )
    sheet = front_matter.read(ctx.data_dir / "narrative" / front_matter.FILE_NAME)
    rows = [
        ("Panel", ctx.force.panel),
        ("Meeting", ctx.meeting or sheet.meeting_date or "Date to be confirmed"),
        *([("Agenda item", sheet.agenda_item)] if sheet.agenda_item else []),
        ("Report of", sheet.report_of or ctx.force.report_of),
        ("Subject", sheet.subject
         or f"{ctx.force.plan_title} performance monitoring report, {ctx.quarter.title}"),
        ("Author", sheet.author or ctx.force.author),
        ("Contact", sheet.contact or ctx.force.contact),
        ("Purpose", sheet.purpose or f"To update the Panel on performance against the "
                                     f"{ctx.force.plan_title} for {ctx.force.area}."),
        ("Recommendation", sheet.recommendation or ctx.force.recommendation),
        ("Period covered", sheet.period_covered or covered),
        ("Latest quarter compared", latest.span),
        ("Publication status", front_matter.publication_status(ctx.edition, sheet)),
    ]
    if ctx.force.demonstration:
        rows.append(("Data", "Demonstration data (fictional), generated by pcc-report"))
    rows.append(("Revision", revision_statement(ctx.provenance["revision"])))
    if ctx.evidence is not None:  # the paper anchors the files (pcc_report.evidence, signing)
        rows.append(("Report digest", ctx.evidence["short"]))
        rows.append(("Signing key", ctx.evidence["signing_key"] or "unsigned"))
    return pd.DataFrame(rows, columns=["Item", "Detail"])


def headlines(ctx: SectionContext) -> list[str]:
    """The performance headlines: recorded crime, the quarter, ASB, biggest changes."""
    w = ctx.windows
    now = crime.total(ctx.tidy, w["latest_12"])
    before = crime.total(ctx.tidy, w["previous_12"])
    q_now = crime.total(ctx.tidy, w["latest_quarter"])
    q_prev = crime.total(ctx.tidy, w["previous_quarter"])
    q_last_year = crime.total(ctx.tidy, w["same_quarter_last_year"])
    asb = (ANTI_SOCIAL_BEHAVIOUR,)
    asb_now = crime.total(ctx.tidy, w["latest_12"], asb)
    asb_before = crime.total(ctx.tidy, w["previous_12"], asb)
    by_type = crime.crime_type_comparison(ctx.tidy, w["latest_12"], w["previous_12"])
    return [
        comparison_sentence("Recorded crime (excluding anti-social behaviour)", now,
                            ctx.label("latest_12"), before, ctx.label("previous_12")),
        f"In the {ctx.label('latest_quarter')} there were {fmt_count(q_now)} recorded crimes, "
        f"{change_phrase(q_now, q_prev)} on the previous three months and "
        f"{change_phrase(q_now, q_last_year)} on the same months last year.",
        comparison_sentence("Anti-social behaviour incidents", asb_now, ctx.label("latest_12"),
                            asb_before, ctx.label("previous_12"), verb="were"),
        largest_changes(by_type.iloc[:-1], "Crime type", n=1),
    ]


def validation_summary(results: dict) -> str:
    """One paragraph: how many rows and rules were checked and what was found."""
    rules = sum(len(s["expectations"]) for s in results["suites"])
    text = (
        f"All {fmt_count(results['rows_checked'])} input rows were checked against {rules} "
        f"reviewed validation rules before any figure was computed. "
        f"{results['error_count']} error(s) and {results['warning_count']} warning(s) were found."
    )
    if results["incomplete_months"]:
        text += (
            " No data was received for " + ", ".join(results["incomplete_months"])
            + "; figures covering these months are marked incomplete data."
        )
    return text


def validation_rules(results: dict) -> pd.DataFrame:
    """Every rule applied, its level and outcome, for the appendix table."""
    rows = [
        (suite["name"], e["rule"], e["level"], e.get("column") or "",
         "passed" if e["success"] else "failed", e["unexpected_count"])
        for suite in results["suites"]
        for e in suite["expectations"]
    ]
    return pd.DataFrame(rows, columns=["Dataset", "Rule", "Level", "Column", "Result",
                                       "Rows failing"])


def validation_warnings(results: dict) -> pd.DataFrame:
    """Warnings with their first examples (file and line), for the appendix table."""
    rows = []
    for problem in results["problems"]:
        if problem["level"] != "warning":
            continue
        examples = "; ".join(_example(e) for e in problem["examples"][:3])
        rows.append((problem["rule"], problem["message"], examples))
    return pd.DataFrame(rows, columns=["Rule", "Finding", "Examples"])


def measure_sentence(assessment: MeasureAssessment, ctx: SectionContext) -> str:
    """One measure's latest 12 months against the previous 12, its rating and its SPC reading.

    Built from the same WindowValue and Comparison objects as the Part 2 table, so the
    sentence and the table always agree.
    """
    m = assessment.measure
    latest, previous = assessment.latest_12, assessment.previous_12
    comparison = assessment.comparisons["latest_12_vs_previous_12"]
    if not latest.available:
        return f"{m.title}: no data is available for the {ctx.label('latest_12')}."
    text = (
        f"{m.title}: {tables.format_window(m, latest)} in the {ctx.label('latest_12')}"
    )
    if previous.available:
        text += (
            f", against {tables.format_window(m, previous)} in the previous 12 months "
            f"({tables.format_change(m, comparison)}); "
        )
        text += (
            f"rated {tables.format_rating(comparison)}"
            if comparison.rating.rag != "Not rated"
            else f"not rated (no preferred direction), {comparison.rating.direction}"
        )
        if m.survey and comparison.significance is not None and hasattr(
            comparison.significance, "ci_now"
        ) and comparison.significance.ci_now:
            sig = comparison.significance
            text += (
                f". Survey: {sig.classification} (95% intervals {sig.ci_now[0] * 100:.1f}% to "
                f"{sig.ci_now[1] * 100:.1f}% now, {sig.ci_before[0] * 100:.1f}% to "
                f"{sig.ci_before[1] * 100:.1f}% before)"
            )
    text += f". Monthly variation: {tables.format_spc(assessment.spc)}"
    if m.target is not None:
        text += f"; target {tables.format_value(m, m.target)}: "
        text += tables.format_assurance(m, assessment.spc)
    return text + "."


def spc_alt_text(assessment: MeasureAssessment) -> str:
    """Words for an SPC chart: span, lines, recalculations, and every marked point and rule."""
    m, result = assessment.measure, assessment.spc
    frame = result.to_frame()
    kind = rating_wording.chart_kind(result)
    text = (
        f"{kind} of {m.title} per {'quarter' if m.quarterly else 'month'} from "
        f"{frame.index[0]} to {frame.index[-1]}, {len(frame)} points. "
        f"Latest centre line {tables.format_value(m, result.centre)}"
    )
    if result.upper is not None:
        text += (
            f", latest process limits {tables.format_value(m, result.lower)} to "
            f"{tables.format_value(m, result.upper)}"
        )
    text += "."
    recalculated = rating_wording.recalculation_sentence(result)
    if recalculated:
        text += " " + recalculated
    marked = rating_wording.marked_sentences(result)
    if marked:
        text += " Marked: " + "; ".join(marked) + "."
    elif result.chart_type != "run":
        text += " No points are marked as special cause."
    return text + f" Latest point: {tables.format_spc(result)}."


# Every comparison the report shows (Part 2, the dashboard and the priority pages).
COMPARISON_KEYS = ("previous_12_vs_prior_12", *tables.COMPARISON_NAMES)


def part2_notes(ctx: SectionContext) -> list[str]:
    """The notes under the Part 2 table: targets, survey samples, missing data, definitions."""
    notes = [
        f"Ratings: {rag_key()}. The arrow (↑ ↓ →) shows the direction of change. "
        "Definitions are in the measure definitions appendix.",
    ]
    if any(a.comparisons["latest_12_vs_previous_12"].rating.rule == SIMPLE
           for a in ctx.assessments):  # fmt: skip
        notes.append(f"Measures rated by the simple rule: {rag_key(SIMPLE)}.")
    notes.append(rating_wording.counts_test_example())
    notes.append(rating_wording.false_alarm_note(
        rating_wording.tests_made(ctx.assessments, COMPARISON_KEYS)))
    notes.extend(rating_wording.rule_notes(ctx.assessments))
    for a in ctx.assessments:
        m = a.measure
        if m.target is not None:
            notes.append(f"{m.title}: target {tables.format_value(m, m.target)}.")
        latest = a.comparisons["latest_12_vs_previous_12"]
        if m.survey and a.latest_12.available:
            notes.append(
                f"{m.title}: {fmt_count(a.latest_12.denominator)} respondents in the latest 12 "
                f"months and {fmt_count(a.previous_12.denominator or 0)} in the previous 12; "
                f"{latest.significance.classification if latest.significance else 'not tested'}."
            )
    missing = [a.measure.title for a in ctx.assessments if not a.latest_12.available]
    if missing:
        notes.append(
            "Data not received for this report (shown as not available): "
            + _join(missing) + "."
        )
    if ctx.incomplete_months:
        notes.append(
            "No police.uk data was received for " + ", ".join(ctx.incomplete_months)
            + "; figures covering these months are marked incomplete data."
        )
    notes += comparison_break_notes(ctx.assessments, ctx)
    return notes


def series_break_notes(measures: Iterable[Measure], first: str, last: str) -> list[str]:
    """A note for each police.uk measure whose months cross a change in its crime types.

    A comparison across the change would compare unlike things (Public order alone before
    May 2013 was part of Public disorder and weapons), so the reader is told; the recorded
    crime total, which takes every type, never needs the note.
    """
    notes = []
    for measure in measures:
        if measure.source == "police_uk" and measure.crime_types:
            notes += _break_note(measure.title, measure.crime_types, first, last)
    return notes


def _break_note(subject: str, types: Iterable[str], first: str, last: str) -> list[str]:
    """``[note]`` when a count of ``types`` over ``first``..``last`` crosses a change; ``[]``."""
    note = tables.series_break_note(types, first, last)
    if not note:
        return []
    changes = series_breaks(tuple(types), first, last)
    return [f"{subject}: {note} ({'; '.join(c.summary for c in changes)}); its figures "
            "before and after are not like for like."]


def comparison_break_notes(assessments: Iterable[MeasureAssessment],
                           ctx: SectionContext) -> list[str]:
    """The series-break notes of these measures over every month the report compares."""
    first = min(w.first for w in ctx.windows.values())
    return series_break_notes([a.measure for a in assessments], str(first), str(ctx.period_end))


def priority_types_break_notes(priority: Priority, types: Iterable[str], previous: Window,
                               latest: Window) -> list[str]:
    """The note under a priority's crime-types table when its two windows cross a change in
    the types it counts (each type's row would compare unlike things)."""
    return _break_note(f"Crime types under {priority.title}", types, str(previous.first),
                       str(latest.last))


def _example(example: dict) -> str:
    """"file line N: value", leaving out whatever the example does not have."""
    place = " ".join(
        part for part in (example.get("file"), example.get("line") and f"line {example['line']}")
        if part
    )
    value = example.get("value")
    return ": ".join(str(p) for p in (place, value) if p not in (None, ""))


def revision_statement(revision: dict) -> str:
    """'First issue (r1)' or 'Revised version r2, replacing r1: <reason>'."""
    if not revision.get("replaces"):
        return f"First issue ({revision['revision']})"
    return (
        f"Revised version {revision['revision']}, replacing {revision['replaces']}: "
        f"{revision['reason']}"
    )


def audit_inputs(provenance: dict) -> pd.DataFrame:
    """The inputs table of the audit-trail appendix: path, rows, size and SHA-256."""
    rows = [(i["path"], i.get("rows"), i["size"], fingerprint(i["sha256"]))
            for i in provenance["inputs"]]
    return pd.DataFrame(rows, columns=["Input file", "Rows", "Bytes", "SHA-256"])


def audit_summary(provenance: dict) -> list[str]:
    """Code version, environment and validation outcome, one sentence each.

    A full SHA-256 is printed in groups of 16 (:func:`fingerprint`), as in the inputs table:
    64 characters without a space could not be broken and ran into the PDF's margin.
    """
    code, env, checks = provenance["code"], provenance["environment"], provenance["validation"]
    if code["commit"] == "unknown":
        version = f"Code version unknown ({code.get('reason')})."
    else:
        version = f"Code version: pcc-report at git commit {code['commit']}"
        if code["dirty"] and code.get("diff_sha256"):
            version += (f", with uncommitted changes (diff SHA-256 "
                        f"{fingerprint(code['diff_sha256'])}).")
        elif code["dirty"]:
            version += ", with untracked files."
        else:
            version += ", with no local changes."
    packages = ", ".join(f"{p['name']} {p['version']}" for p in env["packages"])
    suites = ", ".join(f"{s['name']} (SHA-256 {s['sha256'][:12]}…)" for s in checks["suites"])
    return [
        version,
        f"Environment: Python {env['python']} on {env['platform']}; {packages}; "
        f"requirements.lock SHA-256 {fingerprint(env['lock_file_sha256'])}.",
        f"Validation: {'passed' if checks['ok'] else 'failed'} with {checks['errors']} "
        f"error(s) and {checks['warnings']} warning(s); suites: {suites}.",
        f"Revision: {revision_statement(provenance['revision'])}.",
    ]


# ----- section introductions and notes -------------------------------------------------------

DEMONSTRATION_NOTE = (
    "Demonstration data: this report is built from fictional data generated by "
    "pcc-report. It shows what the tool produces; none of its figures describe a real force."
)
DEFINITIONS_INTRO = (
    "How each measure is defined, which direction counts as better, and its "
    "source. Generated from the reviewed measure catalogue."
)
AUDIT_INTRO = (
    "Where this report's figures come from. The report folder holds a manifest "
    "(manifest.json) listing every input and output file with its SHA-256 hash; the "
    "commands below let anyone rebuild the report or prove that it has not changed."
)
NO_WARNINGS = "No warnings were raised."
NO_PRIORITY_MEASURES = "No measures in the catalogue belong to this priority."


def front_sheet_notes(demonstration: bool) -> list[str]:
    """What the reader must know before the front sheet: only that fictional data is fiction."""
    return [DEMONSTRATION_NOTE] if demonstration else []


def dashboard_intro(baseline: Window | None) -> str:
    """What the dashboard compares (naming the baseline year's months when there is one)."""
    return (
        f"The dashboard compares the latest 12 months with the baseline year"
        f"{' (' + baseline.span + ')' if baseline else ''}, shows the statistical process "
        f"control (SPC) reading of each measure's monthly series and, where there is a target, "
        f"whether the process can be expected to meet it. Counts and percentages show whether "
        f"the change on the baseline is statistically significant at 95%. The verdict, first, "
        f"reconciles these views with the comparison against the previous 12 months."
    )


def performance_intro(plan_title: str, withheld_statement: str) -> list[str]:
    """How Part 2 rates each measure and, when measures are withheld, why."""
    paragraphs = [
        f"Performance against each measure of the {plan_title}, grouped by priority. "
        f"Each rating compares a 12-month period with the 12 months before it ({rag_key()}); "
        f"the arrow shows the direction of change. A change is rated worse only when it "
        f"is statistically significant at 95% (an exact test for counts, a two-proportion "
        f"test for surveys and calls), unless the notes say a measure uses the simple rule."
    ]
    if withheld_statement:
        paragraphs.append(withheld_statement + " Partner data of this kind may not "
                          "be published; it is reported to the Panel in private.")
    return paragraphs


def no_measures_note(assessments: list[MeasureAssessment]) -> list[str]:
    """Say so when a priority has no measures (nothing to say otherwise)."""
    return [] if assessments else [NO_PRIORITY_MEASURES]


def measure_sentences(assessments: list[MeasureAssessment], ctx: SectionContext) -> list[str]:
    return [measure_sentence(a, ctx) for a in assessments]


def verdict_sentences(assessments: list[MeasureAssessment]) -> list[str]:
    """Each measure's one verdict (:mod:`pcc_report.verdicts`), leading its page."""
    return [rating_wording.verdict_sentence(a, verdict(a)) for a in assessments]


def priority_measures_caption(priority: Priority) -> str:
    return f"{priority.title}: measures, latest 12 months against the previous 12"


def priority_comparisons_caption(priority: Priority) -> str:
    return f"{priority.title}: every comparison period for each measure"


def spc_figures(assessments: list[MeasureAssessment]) -> Iterator[tuple]:
    """``(fig, name, alt, caption, lineage)`` for each measure with data, drawn one at a time.

    A generator, so that :meth:`pcc_report.present.Outputs.figures` saves and closes each
    chart before the next is drawn.
    """
    for a in assessments:
        if not a.spc.points:
            continue
        fig = charts.spc_chart(a.spc, title=a.measure.title,
                               ylabel=rating_wording.axis_label(a.measure))
        reading = tables.format_spc(a.spc)
        recent = latest_reading(a.spc)
        if recent != a.spc.variation and recent != "not available":
            reading += f"; last three points: {recent}"
        yield (fig, f"spc-{a.measure.id}", spc_alt_text(a),
               rating_wording.spc_caption(a, reading), lineage.spc(a))


def uncharted_notes(assessments: list[MeasureAssessment]) -> list[str]:
    """A line for each measure that has no data to chart."""
    return [f"{a.measure.title}: no data available to chart."
            for a in assessments if not a.spc.points]


def input_files(inputs: dict) -> pd.DataFrame:
    """The police.uk files read, for the data-quality appendix."""
    return pd.DataFrame(inputs["files"]).rename(columns={
        "file": "File", "month": "Month", "rows": "Rows read"})


def no_location_sentence(tidy: pd.DataFrame) -> str:
    """How many rows have no location, and that they are kept (as "No location")."""
    missing, rows = crime.no_location(tidy)
    return (
        f"{fmt_count(missing)} of {fmt_count(rows)} rows "
        f"({missing / max(1, rows) * 100:.1f}%) have no location; "
        "they are counted under \"No location\" in the district tables, never dropped."
    )


def data_quality_totals(inputs: dict, tidy: pd.DataFrame) -> list[str]:
    """What each total on the data-quality page counts, and how repeated Crime IDs count.

    The tidy table counts rows: a Crime ID that police.uk publishes again in a later month's
    file is counted each time it appears, as police.uk's own monthly totals count it.
    """
    rows_read = sum(int(f.get("rows") or 0) for f in inputs["files"])
    asb = int(tidy.loc[tidy["crime_type"] == ANTI_SOCIAL_BEHAVIOUR, "count"].sum())
    counted = int(tidy["count"].sum())
    return [
        f"Rows read: every row of each police.uk street file, {fmt_count(rows_read)} in all. "
        f"Each row is one crime or one anti-social behaviour incident; "
        f"{fmt_count(counted - asb)} are crimes and {fmt_count(asb)} are ASB incidents, which "
        "are not recorded crime and are reported on their own.",
        "Repeated Crime IDs are counted each time they appear: police.uk occasionally "
        "publishes a crime again in a later month's file (with an updated outcome), and its "
        "published monthly totals count every row, so counting each row keeps this report's "
        "figures equal to police.uk's. The validation warning 'Crime IDs are unique' lists "
        "how many repeat, so their effect (a handful of rows a year) can be judged.",
        "The no-location figure below counts rows over all crime types and ASB together.",
    ]


def audit_commands(commands: dict) -> list[str]:
    """The rebuild, verify and nbval commands, each with what it proves."""
    return [
        "Rebuild from the same inputs (DATA_FOLDER holds the input files listed above): "
        + commands["rebuild"],
        "Verify this published report (hashes, inputs, and re-execution of every section): "
        + commands["verify"],
        "Re-run the executed notebooks with nbval: " + commands["nbval"],
    ]
