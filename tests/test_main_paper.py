"""What stays on the main paper's priority pages and what goes to their appendix."""

from __future__ import annotations

from types import SimpleNamespace

from pcc_report import book, main_paper
from pcc_report.config import load_force_config
from pcc_report.sections import RUN_PARAMETERS, plan


def _assessment(title: str, *variations: str) -> SimpleNamespace:
    """A measure whose SPC points read ``variations`` in order (one segment)."""
    points = tuple(SimpleNamespace(segment=0, variation=v) for v in variations)
    spc = SimpleNamespace(points=points, variation="common cause")
    return SimpleNamespace(measure=SimpleNamespace(title=title), spc=spc)


COMMON = "common cause"
CONCERN = "special cause concern"
IMPROVEMENT = "special cause improvement"


def test_a_chart_is_on_the_page_only_with_a_signal_in_its_last_three_points():
    now = _assessment("now", COMMON, COMMON, COMMON, CONCERN)
    better = _assessment("better", COMMON, IMPROVEMENT, COMMON, COMMON)
    earlier = _assessment("earlier", CONCERN, COMMON, COMMON, COMMON)  # 4th from last
    quiet = _assessment("quiet", COMMON, COMMON, COMMON)
    empty = _assessment("empty")
    every = [now, better, earlier, quiet, empty]
    assert main_paper.charted_on_page(every) == [now, better]
    assert main_paper.charted_in_appendix(every) == [earlier, quiet, empty]


def test_appendix_letters_follow_the_books_appendix_order():
    force = load_force_config("demoshire")
    planned = plan(force, dict(RUN_PARAMETERS))
    order = [c["file"] for c in book.table_of_contents(planned, [])["parts"][1]["chapters"]]
    letters = main_paper.appendix_letters(force)
    assert list(letters) == order
    assert list(letters.values()) == [chr(ord("A") + i) for i in range(len(order))]
    for priority in force.priorities:
        assert f"comparisons-{priority.id}" in letters


def test_the_page_names_its_appendix_and_says_which_charts_it_shows():
    force = load_force_config("demoshire")
    priority = force.priorities[1]
    letter = main_paper.appendix_letters(force)[f"comparisons-{priority.id}"]
    assert main_paper.detail_reference(force, priority).startswith(
        f"Appendix {letter} gives every comparison period")
    one = [_assessment("a", CONCERN), _assessment("b", COMMON), _assessment("c", COMMON)]
    assert main_paper.charts_notes(force, priority, one) == [
        "1 measure of this priority shows special cause variation in the last three months; "
        f"its SPC chart follows. The charts of the other 2 measures are in Appendix {letter}."]
    none = [_assessment("b", COMMON)]
    assert main_paper.charts_notes(force, priority, none) == [
        "No measure of this priority shows special cause variation in its last three months; "
        f"the SPC charts are in Appendix {letter}."]
    assert main_paper.charts_notes(force, priority, []) == []


def test_the_recorded_crime_page_names_the_district_and_outcome_appendices():
    force = load_force_config("demoshire")
    letters = main_paper.appendix_letters(force)
    assert main_paper.crime_detail_reference(force) == (
        f"Appendix {letters['districts']} gives recorded crime by district and "
        f"Appendix {letters['outcomes']} the outcomes of recorded crimes.")
