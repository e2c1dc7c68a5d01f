"""Sphinx extension: the HTML theme's navigation and header buttons rendered once a page.

For every page, pydata-sphinx-theme (under sphinx-book-theme) renders each template of the
sidebar and the article header once to find out whether it comes out empty, and then again
into the page. Two of them cannot be empty (each is one element wrapping its content) and
are the costly ones: the book's navigation, ``sbt-sidebar-nav.html``, which renders the
whole contents tree, and ``article-header-buttons.html``. Their checks were a sixth of the
HTML builder's time (about 0.5 CPU-s of every report). The theme keeps a list of templates
it never checks (its own navigation, ``sidebar-nav-bs.html`` and ``navbar-nav.html``); for a
book with this extension these two join it. A template that is not empty is kept by the
check anyway, so every page is the same bytes (``tests/test_sphinx_templates.py``).
"""

from __future__ import annotations

from typing import Any

#: Templates that always render an element, so the theme need not render them to see.
NEVER_EMPTY = ("sbt-sidebar-nav.html", "article-header-buttons.html")


def setup(app: Any) -> dict:  # noqa: ANN401 - a sphinx.application.Sphinx
    from pydata_sphinx_theme import utils

    if not getattr(utils._update_and_remove_templates, "never_empty", None):
        utils._update_and_remove_templates = _skipping(utils._update_and_remove_templates)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _skipping(check: Any) -> Any:  # noqa: ANN401 - the theme's function
    """The theme's check, told not to render :data:`NEVER_EMPTY` in books with this extension
    (the theme's function is shared by every Sphinx application in the process)."""

    def update_and_remove_templates(app: Any, context: dict, templates: Any, section: str,
                                    templates_skip_empty_check: list | None = None) -> list:
        skip = list(templates_skip_empty_check or [])
        if __name__ in app.extensions:
            skip += NEVER_EMPTY
        return check(app, context, templates, section, skip)

    update_and_remove_templates.never_empty = NEVER_EMPTY
    return update_and_remove_templates
