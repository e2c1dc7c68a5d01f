"""Book assembly: the configuration for one report, and the table of contents from the registry."""

from __future__ import annotations

from pathlib import Path

import yaml

from pcc_report import book, latex_pdf
from pcc_report.config import load_force_config
from pcc_report.periods import Quarter
from pcc_report.publish import Reservation
from pcc_report.sections import REGISTRY, RUN_PARAMETERS, plan

QUARTER = Quarter.parse("2022-23-Q2")
FIRST = Reservation(Path("out/demoshire/2022-23-Q2/r1"), "r1", None)
REISSUE = Reservation(Path("out/demoshire/2022-23-Q2/r2"), "r2", "r1", "corrected names")


def test_config_titles_the_report_for_its_force_quarter_and_revision() -> None:
    demo = load_force_config("demoshire")
    config = book.book_config(demo, QUARTER, "12 December 2022", FIRST)
    title = f"{demo.name}: performance report, {QUARTER.title} (demonstration data)"
    assert config["title"] == config["sphinx"]["config"]["html_title"] == title
    assert config["author"] == f"Report of the {demo.report_of}"
    assert config["sphinx"]["config"]["today"] == f"{demo.panel}: meeting 12 December 2022"

    real = load_force_config("lancashire")
    revised = book.book_config(real, QUARTER, None, REISSUE)
    assert revised["title"] == f"{real.name}: performance report, {QUARTER.title}, revised (r2)"
    assert revised["sphinx"]["config"]["today"].endswith("meeting date to be confirmed")
    project = yaml.safe_load(book.BOOK_CONFIG.read_text(encoding="utf-8"))
    assert {k: v for k, v in revised.items() if k not in ("title", "author", "sphinx")} == {
        k: v for k, v in project.items() if k not in ("title", "author", "sphinx")
    }


def test_table_of_contents_follows_the_registry_parts_then_the_static_pages() -> None:
    force = load_force_config("demoshire")
    planned = plan(force, dict(RUN_PARAMETERS))
    toc = book.table_of_contents(planned, ["method"])
    assert toc["root"] == REGISTRY[0].name == planned[0].name
    main, appendix = toc["parts"]
    assert main["caption"] == "Performance" and appendix["caption"] == "Appendices"
    assert [c["file"] for c in main["chapters"]] == [
        s.name for s in planned[1:] if s.part == "main"
    ]
    assert [c["file"] for c in appendix["chapters"]] == [
        s.name for s in planned if s.part == "appendix"
    ] + ["method"]
    assert len(main["chapters"]) + len(appendix["chapters"]) + 1 == len(planned) + 1


def test_assemble_writes_config_toc_and_static_pages_beside_the_notebooks(tmp_path: Path) -> None:
    force = load_force_config("demoshire")
    planned = plan(force, dict(RUN_PARAMETERS))
    book.assemble(tmp_path, planned, force, QUARTER, None, FIRST)
    static = sorted(p.stem for p in book.BOOK_DIR.glob("*.md"))
    assert static and all((tmp_path / f"{page}.md").is_file() for page in static)
    written = yaml.safe_load((tmp_path / "_toc.yml").read_text(encoding="utf-8"))
    assert written == book.table_of_contents(planned, static)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))
    # the appendices (lettered in the PDF) start at the registry's first appendix section
    first_appendix = next(spec.name for spec in REGISTRY if spec.part == "appendix")
    assert config["sphinx"]["config"].pop("pcc_appendix_start") == first_appendix
    # the main part's paragraphs are numbered, the root's (front sheet) first
    numbered = config["sphinx"]["config"].pop("pcc_numbered_docs")
    assert numbered == [s.name for s in planned if s.part == "main"]
    assert numbered[0] == planned[0].name
    assert config == book.book_config(force, QUARTER, None, FIRST)
    for extra in ("_static", "_templates"):
        assert (tmp_path / extra).is_dir() == (book.BOOK_DIR / extra).is_dir()


def test_latex_preamble_reads_the_templates_then_defines_the_running_header() -> None:
    demo = load_force_config("demoshire")
    config = book.book_config(demo, QUARTER, "12 December 2022", FIRST)
    preamble = config["sphinx"]["config"]["latex_elements"]["preamble"]
    assert f"\\newcommand{{\\pccPanel}}{{{demo.panel}}}" in preamble
    assert "\\newcommand{\\pccMeeting}{Meeting 12 December 2022}" in preamble
    assert "\\newcommand{\\pccEdition}{Public edition}" in preamble
    for template in book.LATEX_TEMPLATES:
        assert template.read_text(encoding="utf-8") in preamble
    # the header prints the edition macro, so an edition changes one definition
    assert "\\pccEdition" in book.LATEX_TEMPLATES[0].read_text(encoding="utf-8")
    marked = book.latex_preamble("P & Q", None, "restricted-test")
    assert "\\newcommand{\\pccPanel}{P \\& Q}" in marked
    assert "{Meeting date to be confirmed}" in marked
    # the report's own values after the end of the format's part, the same for every report
    shared, _, own = marked.partition(latex_pdf.END_OF_DUMP)
    assert shared == preamble.partition(latex_pdf.END_OF_DUMP)[0]
    assert "P \\& Q" in own and "P \\& Q" not in shared


def test_published_builds_share_formats_in_their_reports_folder(tmp_path: Path) -> None:
    staging = tmp_path / "out" / ".staging" / "kent-2023-24-Q4-ab12" / "public"
    assert book.shared_formats(staging) == tmp_path / "out" / ".cache" / "latex"
    assert book.shared_formats(tmp_path / "out" / "drafts" / "kent") is None
