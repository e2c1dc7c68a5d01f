"""A run refuses a bad or unfinished narrative at once: exit code 9, file and line, nothing
published (pcc_report.build checks the narrative before any stage runs)."""

from __future__ import annotations

import pytest

from pcc_report import cli, narrative_template
from pcc_report.catalogue import load_catalogue
from pcc_report.config import load_force_config
from pcc_report.periods import Quarter


@pytest.fixture
def folders(tmp_path):
    """A finished narrative for demoshire, an (unread) police.uk folder and a reports folder."""
    force = load_force_config("demoshire")
    narrative = tmp_path / "narrative"
    narrative_template.write(narrative, force, Quarter.parse("2022-23-Q2"),
                             load_catalogue(priorities=[p.id for p in force.priorities]))
    for path in narrative.rglob("*"):
        if path.is_file() and path.name != "README.md":
            path.write_text(path.read_text().replace("(template text: replace it before the "
                                                     "final report)", ""))
    (tmp_path / "police-uk").mkdir()
    return narrative, tmp_path / "police-uk", tmp_path / "reports"


def run(folders, *extra):
    narrative, police_uk, out = folders
    return cli.main(["run", "--force", "demoshire", "--quarter", "2022-23-Q2", "--police-uk",
                     str(police_uk), "--out", str(out), "--narrative", str(narrative), *extra])


@pytest.mark.parametrize(("name", "text", "message"), [
    ("part1/tackle-crime.md", "Burglary {{ burglarly.latest_12 }}\n",
     "tackle-crime.md line 1: unknown measure 'burglarly'; did you mean 'burglary'"),
    ("part3.md", "\n{{ burglary.latest_13 }}\n",
     "part3.md line 2: unknown window or field 'latest_13'; did you mean 'latest_12'"),
    ("part3.md", "{{ burglary.colour }}\n", "unknown window or field 'colour'"),
    ("summary.md", "{{ burglary.latest_12 }\n", "summary.md line 1: malformed placeholder"),
    ("summary.md", "a <span>b</span>\n", "summary.md line 1: raw HTML"),
    ("part3.md", "```{include} x.md\n```\n", "part3.md line 1: a MyST directive"),
    ("part3.md", "text \\newpage\n", "part3.md line 1: a LaTeX command"),
    ("front-sheet.yml", "meeting: 1 May 2023\n",
     "front-sheet.yml line 1: unknown key 'meeting'; did you mean 'meeting_date'"),
])
def test_a_bad_narrative_stops_the_run(folders, capsys, name, text, message):
    (folders[0] / name).write_text(text)
    assert run(folders) == 9
    err = capsys.readouterr().err
    assert message in err and "nothing was built" in err and "Traceback" not in err
    assert not folders[2].exists() or not any(folders[2].rglob("*.pdf"))
    assert not (folders[2] / "demoshire").exists()


def test_final_refuses_a_missing_file(folders, capsys):
    (folders[0] / "part1" / "safer-communities.md").unlink()
    assert run(folders, "--final") == 9
    assert "part1/safer-communities.md is missing" in capsys.readouterr().err
    assert not (folders[2] / "demoshire").exists()


def test_final_refuses_template_text(folders, capsys):
    (folders[0] / "part3.md").write_text("(template text: replace it before the final report)")
    assert run(folders, "--final") == 9
    assert "part3.md still holds the template text" in capsys.readouterr().err


def test_narrative_template_command_writes_the_skeleton(tmp_path, capsys):
    out = tmp_path / "n"
    assert cli.main(["narrative-template", "--force", "demoshire", "--quarter", "2022-23-Q2",
                     "--out", str(out)]) == 0
    assert (out / "part1" / "tackle-crime.md").is_file() and (out / "front-sheet.yml").is_file()
    assert cli.main(["narrative-template", "--force", "demoshire", "--quarter", "2022-23-Q2",
                     "--out", str(out)]) == 2
