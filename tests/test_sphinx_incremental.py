"""Kept HTML output: a changed outline writes every page again, a body edit only its own page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

STALE = "stale page kept from the last build"


def _write(src: Path, name: str, title: str, body: str = "Some text.",
           heading: str | None = None) -> None:
    text = f"{title}\n{'=' * len(title)}\n\n{body}\n"
    if heading:
        text += f"\n{heading}\n{'-' * len(heading)}\n\nMore text.\n"
    (src / f"{name}.rst").write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("extensions = ['pcc_report.sphinx_incremental']\n"
                                 "html_theme = 'basic'\n", encoding="utf-8")
    (src / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   alpha\n   beta\n   gamma\n",
                                   encoding="utf-8")
    _write(src, "alpha", "Alpha")
    _write(src, "beta", "Beta")
    _write(src, "gamma", "Gamma")
    return src


def _build(src: Path) -> None:
    with docutils_namespace():
        app = Sphinx(str(src), str(src), str(src / "_build" / "html"),
                     str(src / "_build" / "doctrees"), "html", status=None, warning=None,
                     warningiserror=True)
        app.build()


def _mark_stale(src: Path) -> None:
    """Every page now says it is stale (a page Sphinx writes again loses the mark)."""
    for page in (src / "_build" / "html").glob("*.html"):
        page.write_text(STALE, encoding="utf-8")


def _written(src: Path) -> set[str]:
    return {page.stem for page in (src / "_build" / "html").glob("*.html")
            if page.read_text(encoding="utf-8") != STALE}


def test_a_body_edit_writes_its_page_not_the_other_chapters(project: Path) -> None:
    _build(project)
    _mark_stale(project)
    _write(project, "beta", "Beta", body="Other text.")
    _build(project)
    written = _written(project)
    assert "beta" in written and not written & {"alpha", "gamma"}  # the other chapters kept
    assert "Other text." in (project / "_build" / "html" / "beta.html").read_text()


def test_a_changed_title_writes_every_page(project: Path) -> None:
    _build(project)
    _mark_stale(project)
    _write(project, "beta", "Beta renamed")
    _build(project)
    assert {"alpha", "beta", "gamma", "index"} <= _written(project)
    # the neighbours' "previous"/"next" links name the new title
    for neighbour in ("alpha", "gamma"):
        assert "Beta renamed" in (project / "_build" / "html" / f"{neighbour}.html").read_text()


def test_without_the_extension_a_changed_title_leaves_the_neighbours_stale(project: Path
                                                                           ) -> None:
    """The case the extension is for: Sphinx alone writes only the renamed page and the root."""
    (project / "conf.py").write_text("html_theme = 'basic'\n", encoding="utf-8")
    _build(project)
    _mark_stale(project)
    _write(project, "beta", "Beta renamed")
    _build(project)
    assert "alpha" not in _written(project)


def test_an_added_heading_writes_every_page(project: Path) -> None:
    _build(project)
    _mark_stale(project)
    _write(project, "beta", "Beta", heading="A new heading")
    _build(project)
    assert {"alpha", "beta", "gamma", "index"} <= _written(project)


def test_an_added_page_writes_every_page(project: Path) -> None:
    _build(project)
    _mark_stale(project)
    _write(project, "delta", "Delta")
    (project / "index.rst").write_text(
        "Book\n====\n\n.. toctree::\n\n   alpha\n   beta\n   gamma\n   delta\n", encoding="utf-8")
    _build(project)
    assert {"alpha", "beta", "gamma", "delta", "index"} <= _written(project)
    assert "Delta" in (project / "_build" / "html" / "gamma.html").read_text()  # its "next"
