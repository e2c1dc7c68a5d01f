"""Tests for the SPC captions' wording: which points are marked and which rule they broke."""

from __future__ import annotations

import pandas as pd
import pytest

from pcc_report.rating_wording import (
    false_alarm_note,
    marked_sentences,
    points_phrase,
    recalculation_sentence,
)
from pcc_report.spc import ProcessChange, spc

LABELS = [str(m) for m in pd.period_range("2021-01", periods=24, freq="M")]
BASE = [12.0, 10.0] * 7  # mean 11, mean MR 2: limits 5.68..16.32, near 7.45..14.55


def analysed(tail, polarity="lower_is_better", **kw):
    values = BASE + list(tail)
    return spc(pd.Series(values, index=LABELS[: len(values)]), polarity, baseline=14, **kw)


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        # rule 1: April, May and June 2022 (after March at 11) above 16.32
        ([11, 20, 20, 20], "3 points above the upper process limit: April, May and June 2022"),
        ([11, 3], "1 point below the lower process limit: April 2022"),
        # rule 4: 15 and 15.5 are beyond the near limit 14.55 but inside 16.32
        ([11, 15, 15.5], "2 points two of three beyond the upper 2-sigma limit: "
                         "April and May 2022"),
        # rule 2: seven points at 12.5 above the centre 11 (not rising)
        ([12.5] * 7, "7 points in a run of 7 or more above the centre line: "
                     "from March 2022 to September 2022"),
        # rule 3: seven rising points (and inside the limits from 8 up)
        ([8, 9, 10, 11, 11.5, 12, 12.5],
         "7 points in a rising trend of 7 or more points: from March 2022 to September 2022"),
    ],
)
def test_every_rule_is_worded_with_its_points(tail, expected):
    assert expected in marked_sentences(analysed(tail))


def test_points_phrase_spans_years():
    assert points_phrase(("2021-12", "2022-01")) == "December 2021 and January 2022"
    assert points_phrase(("2022-05",)) == "May 2022"


def test_recalculation_sentence_names_month_and_reason():
    r = analysed([11.0] * 4, changes=[ProcessChange("2022-03", "new recording system")])
    assert recalculation_sentence(r).startswith(
        "Limits recalculated from March 2022 (new recording system)")
    assert recalculation_sentence(analysed([11.0])) == ""


def test_false_alarm_note_by_hand():
    # 40 tests: 2 expected false alarms; 1 - 0.95**40 = 0.871
    note = false_alarm_note(40)
    assert "makes 40 significance tests" in note and "about 2.0 of them" in note
    assert "at least one is 87%" in note
