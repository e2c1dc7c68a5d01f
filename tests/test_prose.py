"""Tests for what Markdown the narrative may hold (pcc_report.prose)."""

from __future__ import annotations

import pytest

from pcc_report import prose

ALLOWED = """## Progress

Some *emphasis*, **strong**, a [link](https://example.org) and [mail](mailto:a@b.example).
Less than: 5 < 6 & 7 > 3; 50% of cases; a_b.

- a list
- of items

1. numbered

| a | b |
| --- | --- |
| 1 | 2 |

> a quote
"""


def test_prose_markdown_is_allowed():
    prose.check(ALLOWED)


@pytest.mark.parametrize(("text", "reason"), [
    ("<b>bold</b>", "raw HTML"),
    ("<div>\nblock\n</div>", "raw HTML"),
    ("<!-- a comment -->", "raw HTML"),
    ("```{include} ../secret.md\n```", "MyST directive"),
    ("```{code-cell} python\nimport os\n```", "MyST directive"),
    (":::{note}\nx\n:::", "colon-fence"),
    ("see {ref}`target`", "MyST role"),
    ("{include}", "include"),
    ("the rate is $x^2$ here", "LaTeX math"),
    ("$$\nx\n$$", "LaTeX math"),
    ("\\input{/etc/passwd}", "LaTeX command"),
    ("![chart](figures/x.png)", "images"),
    ("[page](other-page.md)", "not a web or mail address"),
    ("(target)=", "MyST target"),
    ("% hidden comment", "MyST comment"),
    ("Title\n=====", "write headings with #"),
])
def test_code_is_refused_with_its_line(text, reason):
    with pytest.raises(prose.MarkupProblem, match=reason) as info:
        prose.check("Fine first line.\n\n" + text)
    assert info.value.line == 3


def test_headings_move_under_the_page_title():
    assert prose.to_page_level("# A\n\ntext\n\n## B\n") == "## A\n\ntext\n\n### B\n"
    assert prose.to_page_level("### A\n#### B\n### C") == "## A\n### B\n## C"
    assert prose.to_page_level("no heading\n") == "no heading\n"


def test_a_heading_may_not_skip_a_level():
    with pytest.raises(prose.MarkupProblem, match="more than one level deeper") as info:
        prose.to_page_level("## A\n\n#### C\n")
    assert info.value.line == 3
