"""Tests for the narrative skeleton (pcc_report.narrative_template)."""

from __future__ import annotations

import pytest

from pcc_report import catalogue, narrative_files, narrative_template, placeholders
from pcc_report.config import load_force_config
from pcc_report.errors import InputError, NarrativeRefused
from pcc_report.periods import Quarter


@pytest.fixture
def skeleton(tmp_path):
    force = load_force_config("demoshire")
    measured = catalogue.load_catalogue(priorities=[p.id for p in force.priorities])
    narrative_template.write(tmp_path, force, Quarter.parse("2022-23-Q2"), measured)
    return tmp_path, force, measured


def test_the_skeleton_builds_as_a_draft_and_is_refused_as_final(skeleton):
    folder, force, measured = skeleton
    story = narrative_files.load(folder, [p.id for p in force.priorities],
                                 [m.id for m in measured])
    assert all(p.written for p in story.pieces.values())
    with pytest.raises(NarrativeRefused, match="still holds the template text"):
        narrative_files.refuse_unless_final(story)


def test_one_file_per_priority_with_its_own_measures_as_examples(skeleton):
    folder, force, measured = skeleton
    for priority in force.priorities:
        text = (folder / "part1" / f"{priority.id}.md").read_text()
        assert text.startswith(f"## {priority.title}")
        named = {p.measure for p in placeholders.find(text)}
        assert named and all(m.priority == priority.id for m in measured if m.id in named)


def test_the_guide_lists_the_whole_vocabulary(skeleton):
    guide = (skeleton[0] / "README.md").read_text()
    assert all(f"burglary.{field}" in guide for field in placeholders.FIELDS)


def test_existing_narrative_is_never_overwritten(skeleton):
    folder, force, measured = skeleton
    with pytest.raises(InputError, match="never overwrites"):
        narrative_template.write(folder, force, Quarter.parse("2022-23-Q2"), measured)
