"""The theme's navigation and header buttons rendered once a page, into the same pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.jinja2glue import BuiltinTemplateLoader
from sphinx.util.docutils import docutils_namespace

from pcc_report import sphinx_templates


def _project(folder: Path, extensions: list[str]) -> Path:
    folder.mkdir()
    (folder / "conf.py").write_text(
        f"extensions = {extensions!r}\nhtml_theme = 'sphinx_book_theme'\n"
        "html_last_updated_fmt = None\n", encoding="utf-8")
    (folder / "index.rst").write_text(
        "Report\n======\n\n.. toctree::\n\n   crime\n   outcomes\n", encoding="utf-8")
    for name in ("crime", "outcomes"):
        (folder / f"{name}.rst").write_text(
            f"{name.title()}\n{'=' * len(name)}\n\nText.\n\nPart\n----\n\nMore.\n",
            encoding="utf-8")
    return folder


def _build(src: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Build the HTML; how many times each template was rendered on its own (a check)."""
    rendered: dict[str, int] = {}
    real = BuiltinTemplateLoader.render

    def render(self, template: str, context: dict) -> str:  # noqa: ANN001
        rendered[template] = rendered.get(template, 0) + 1
        return real(self, template, context)

    monkeypatch.setattr(BuiltinTemplateLoader, "render", render)
    with docutils_namespace():
        app = Sphinx(str(src), str(src), str(src / "_build"), str(src / "_doctrees"), "html",
                     status=None, warning=None, freshenv=True)
        app.build()
    monkeypatch.undo()
    return rendered


def _pages(src: Path) -> dict[str, bytes]:
    return {page.name: page.read_bytes() for page in (src / "_build").glob("*.html")}


def test_the_navigation_and_buttons_are_not_rendered_to_check_and_the_pages_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the extension first: its change to the theme must leave other books alone
    faster = _build(_project(tmp_path / "book", ["sphinx_book_theme",
                                                 "pcc_report.sphinx_templates"]), monkeypatch)
    theirs = _build(_project(tmp_path / "plain", ["sphinx_book_theme"]), monkeypatch)
    pages = ("index.html", "crime.html", "outcomes.html")
    for template in sphinx_templates.NEVER_EMPTY:
        assert theirs.get(template) >= len(pages)  # the theme's own check, page by page
        assert template not in faster
    ours, plain = _pages(tmp_path / "book"), _pages(tmp_path / "plain")
    assert set(pages) <= set(ours) and ours.keys() == plain.keys()
    for name in ours:
        assert ours[name] == plain[name], name
    assert b'class="bd-links bd-docs-nav"' in ours["crime.html"]
    assert b'class="article-header-buttons"' in ours["crime.html"]
