"""Tests for the meeting's front sheet file (pcc_report.front_matter)."""

from __future__ import annotations

import pytest

from pcc_report import front_matter


def test_fields_are_read_and_dates_written_as_the_papers_do():
    sheet = front_matter.parse("meeting_date: 2022-12-12\nagenda_item: 7\n"
                               "purpose: To inform the Panel.\n")
    assert (sheet.meeting_date, sheet.agenda_item, sheet.purpose) == (
        "12 December 2022", "7", "To inform the Panel.")
    assert sheet.author is None  # the force file's default applies


def test_an_empty_or_missing_file_takes_every_default(tmp_path):
    assert front_matter.parse("") == front_matter.FrontSheetFields()
    assert front_matter.read(tmp_path / "none.yml") == front_matter.FrontSheetFields()


def test_unknown_key_names_its_line_and_the_closest_key():
    with pytest.raises(front_matter.FrontSheetProblem,
                       match="unknown key 'meting_date'; did you mean 'meeting_date'") as info:
        front_matter.parse("agenda_item: 3\nmeting_date: 1 May 2023\n")
    assert info.value.line == 2


@pytest.mark.parametrize(("text", "message"), [
    ("author: [a, b]\n", "author must be text, not list"),
    ("contact: {x: 1}\n", "contact must be text, not dict"),
    ("agenda_item: true\n", "agenda_item must be text, not bool"),
    ("purpose: '  '\n", "purpose is empty"),
    ("- a list\n", "expected keys and values"),
    ("author: 'open\n", "not valid YAML"),
])
def test_wrong_types_are_errors(text, message):
    with pytest.raises(front_matter.FrontSheetProblem, match=message):
        front_matter.parse(text)


def test_the_template_is_a_valid_file_naming_every_key():
    text = front_matter.template("(marker)")
    assert front_matter.parse(text) == front_matter.FrontSheetFields()
    assert all(key in text for key in front_matter.KEYS)
    assert "(marker)" in text


def test_publication_status_follows_the_edition():
    assert front_matter.publication_status("public") == "Open: for publication"
    assert "not for publication" in front_matter.publication_status("restricted")
    given = front_matter.parse("publication_status: 'Open: item 7'\n")
    assert front_matter.publication_status("public", given) == "Open: item 7"
    assert "not for publication" in front_matter.publication_status("restricted", given)
