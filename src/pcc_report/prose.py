"""The analyst's prose is text, not code: which Markdown is rendered and what is refused.

Why: the narrative goes into the book as Markdown that MyST renders to HTML and LaTeX, and
MyST can do far more than format text: raw HTML reaches the page as it stands, directives and
roles run extensions or include files (``{include}``), images copy files from disk, LaTeX is a
language. A narrative file is written by an analyst, not reviewed like code, so only the
Markdown of prose is allowed (headings, paragraphs, lists, emphasis, links to web addresses,
tables, block quotes) and everything else is refused with the file and line, before any
section runs. Text is escaped for HTML and LaTeX by the book's builders (Sphinx writes text
nodes escaped), so "&", "<", "%" and "_" print as themselves.

Headings are moved to the page's level: the file's top heading becomes ``##`` (a page's
title is ``#``), and a heading may go at most one level deeper than the one before it
(MyST would warn, and the book is built with warnings as errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

#: Link targets a narrative may use: web and mail addresses (a relative link would be read
#: as a reference to a page or file of the book).
LINK_SCHEMES = ("https://", "http://", "mailto:")
PAGE_HEADING_LEVEL = 2  # a narrative's top heading, under the page title

_PARSER = MarkdownIt("commonmark").enable("table")

# (pattern, what it is) for markup MyST or LaTeX would read as code; searched line by line.
_REFUSED: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^\s*(`{3,}|~{3,})\s*\{"), "a MyST directive (```{...}) is not allowed"),
    (re.compile(r"^\s*:{3,}"), "a MyST colon-fence directive (:::) is not allowed"),
    (re.compile(r"\{[A-Za-z][\w:+.-]*\}`"), "a MyST role ({role}`...`) is not allowed"),
    (re.compile(r"\{include\}", re.IGNORECASE), "{include} is not allowed (it includes files)"),
    (re.compile(r"\$\$|\$[^$\s][^$]*\$"), "LaTeX math ($...$) is not allowed"),
    (re.compile(r"\\[A-Za-z]+"), "a LaTeX command (\\name) is not allowed"),
    (re.compile(r"^\s*\([^()\s]+\)=\s*$"), "a MyST target ((name)=) is not allowed"),
    (re.compile(r"^%"), "a line starting with % is a MyST comment (it would not be shown)"),
    (re.compile(r"^\+\+\+"), "a MyST block break (+++) is not allowed"),
)


@dataclass(frozen=True)
class MarkupProblem(ValueError):
    """Refused markup at ``line`` (1-based); ``reason`` says what and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return self.reason


def check(text: str) -> None:
    """Raise :class:`MarkupProblem` at the first refused markup in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, reason in _REFUSED:
            if pattern.search(line):
                raise MarkupProblem(number, reason)
    for token in _PARSER.parse(text):
        line = token.map[0] + 1 if token.map else 1
        if token.type == "html_block":
            raise MarkupProblem(line, "raw HTML is not allowed (write Markdown)")
        if token.type == "heading_open" and token.markup in ("=", "-"):
            raise MarkupProblem(line, "write headings with # (an underlined heading cannot be "
                                      "moved to the page's level)")
        for child in token.children or ():
            if child.type == "html_inline":
                raise MarkupProblem(line, f"raw HTML is not allowed: {child.content!r}")
            if child.type == "image":
                raise MarkupProblem(line, "images are not allowed (they read files)")
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                if not href.startswith(LINK_SCHEMES):
                    raise MarkupProblem(
                        line, f"link target {href!r} is not a web or mail address "
                              f"({', '.join(LINK_SCHEMES)})")


def headings(text: str) -> list[tuple[int, int]]:
    """(line index, level) of every ``#`` heading, in order."""
    return [(t.map[0], int(t.tag[1])) for t in _PARSER.parse(text)
            if t.type == "heading_open" and t.map]


def to_page_level(text: str, top: int = PAGE_HEADING_LEVEL) -> str:
    """``text`` with its headings moved so the highest is level ``top``; raise
    :class:`MarkupProblem` where a heading goes more than one level deeper than the last."""
    found = headings(text)
    if not found:
        return text
    shift = top - min(level for _, level in found)
    lines = text.splitlines()
    previous = top - 1
    for index, level in found:
        new = level + shift
        if new > previous + 1:
            raise MarkupProblem(index + 1, "heading goes more than one level deeper than the "
                                           "heading before it (add the level between)")
        if new > 6:
            raise MarkupProblem(index + 1, "heading too deep once under the page title")
        lines[index] = "#" * new + lines[index].lstrip()[level:]
        previous = new
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
