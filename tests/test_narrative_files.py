"""Tests for the narrative folder (pcc_report.narrative_files): what is read and refused."""

from __future__ import annotations

import pytest

from pcc_report import narrative_files
from pcc_report.errors import NarrativeRefused

PRIORITIES = ["tackle-crime", "safer-communities"]
MEASURES = ["burglary", "asb-incidents"]


def write(folder, files: dict[str, str]):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def complete(folder):
    return write(folder, {
        "summary.md": "## Summary\n\nBurglary: {{ burglary.latest_12 }}.\n",
        "part1/tackle-crime.md": "Progress.\n",
        "part1/safer-communities.md": "ASB was {{ asb-incidents.change }}.\n",
        "part3.md": "## Activity\n\nMeetings.\n",
        "front-sheet.yml": "meeting_date: 1 May 2023\n",
    })


def load(folder):
    return narrative_files.load(folder, PRIORITIES, MEASURES)


def test_a_complete_folder_is_read_and_final(tmp_path):
    story = load(complete(tmp_path))
    assert story.final_problems() == []
    assert story.front_sheet.meeting_date == "1 May 2023"
    assert story.meeting(None) == "1 May 2023"
    assert story.meeting("2 June 2023") == "2 June 2023"  # --meeting overrides
    assert [p.relative_to(tmp_path).as_posix() for p in story.sources] == [
        "front-sheet.yml", "part1/safer-communities.md", "part1/tackle-crime.md", "part3.md",
        "summary.md"]


def test_no_folder_means_every_piece_missing():
    story = narrative_files.load(None, PRIORITIES, MEASURES)
    assert story.sources == []
    assert not any(p.written for p in story.pieces.values())
    assert story.final_problems() == ["part1/tackle-crime.md is missing",
                                      "part1/safer-communities.md is missing",
                                      "part3.md is missing"]


def test_final_refuses_missing_and_template_files(tmp_path):
    complete(tmp_path)
    (tmp_path / "part3.md").unlink()
    write(tmp_path, {"part1/tackle-crime.md": f"{narrative_files.TEMPLATE_MARKER} Write.\n"})
    with pytest.raises(NarrativeRefused, match="part3.md is missing.*part1/tackle-crime.md "
                                               "still holds the template text") as info:
        narrative_files.refuse_unless_final(load(tmp_path))
    assert info.value.exit_code == 9
    assert load(tmp_path).pieces["summary.md"].written  # a draft still reads the rest


@pytest.mark.parametrize(("name", "text", "message"), [
    ("part3.md", "x\n{{ burglary.latest_21 }}\n",
     r"part3.md line 2: unknown window or field 'latest_21'.*did you mean 'latest_12'"),
    ("summary.md", "{{ burglery.rating }}\n", r"summary.md line 1: unknown measure 'burglery'"),
    ("part1/tackle-crime.md", "a\nb\n{{ burglary.rating }\n", r"tackle-crime.md line 3: malformed"),
    ("part1/tackle-crime.md", "<script>x</script>\n", r"tackle-crime.md line 1: raw HTML"),
    ("part3.md", "\n```{include} /etc/passwd\n```\n", r"part3.md line 2: a MyST directive"),
    ("part3.md", "cost $x$\n", r"part3.md line 1: LaTeX math"),
    ("front-sheet.yml", "meeting_date: 1 May\nrecomendation: x\n",
     r"front-sheet.yml line 2: unknown key 'recomendation'; did you mean 'recommendation'"),
])
def test_each_problem_names_the_file_and_line(tmp_path, name, text, message):
    write(complete(tmp_path), {name: text})
    with pytest.raises(NarrativeRefused, match=message) as info:
        load(tmp_path)
    assert str(tmp_path) in str(info.value) and "nothing was built" in str(info.value)


def test_a_file_the_build_would_ignore_is_refused_with_a_suggestion(tmp_path):
    write(complete(tmp_path), {"part1/tackle-crimes.md": "x\n"})
    with pytest.raises(NarrativeRefused, match="did you mean 'part1/tackle-crime.md'"):
        load(tmp_path)


def test_the_guide_and_hidden_files_are_allowed(tmp_path):
    write(complete(tmp_path), {"README.md": "<b>not checked</b> {{ x }}", ".DS_Store": "x"})
    assert "README.md" not in [p.name for p in load(tmp_path).sources]


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(NarrativeRefused, match="narrative folder not found"):
        load(tmp_path / "nowhere")


def test_the_sources_are_copied_into_the_report_data(tmp_path):
    story = load(complete(tmp_path / "n"))
    story.copy_to(tmp_path / "data")
    for path in story.sources:
        copy = tmp_path / "data" / "narrative" / path.relative_to(tmp_path / "n")
        assert copy.read_bytes() == path.read_bytes()


def test_a_piece_is_rendered_at_the_page_level_with_its_numbers(tmp_path):
    story = load(complete(tmp_path))
    text = narrative_files.rendered(story.pieces["summary.md"], [], "public", ["burglary"])
    assert text.startswith("## Summary")
    assert "withheld from the public edition" in text and "{{" not in text
