"""The book's builders in one child process: in order, the first failure stops and is named."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from pcc_report import book, book_process
from pcc_report.errors import ReportError


def test_builders_run_in_order_and_the_first_failure_stops_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def run(book_dir: str, builder: str) -> bool:
        ran.append(builder)
        return builder != "latex"

    monkeypatch.setattr(book_process, "run_builder", run)
    assert book_process.main(["b", "html", "pdflatex"]) == 0
    assert book_process.main(["b", "html", "latex", "pdflatex"]) == book_process.FAILED + 1
    assert ran == ["html", "pdflatex", "html", "latex"]


@pytest.mark.parametrize(("status", "named"), [(book_process.FAILED + 1, "pdflatex"),
                                                (1, "html/pdflatex")])
def test_a_failed_child_is_reported_with_the_builder_it_names(
    monkeypatch: pytest.MonkeyPatch, status: int, named: str
) -> None:
    def child(command: list[str], **_: object) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(command, status, "line 1\nthe reason\n", "")

    monkeypatch.setattr(book.subprocess, "run", child)
    with pytest.raises(ReportError, match=f"jupyter-book {named} build failed:\nline 1"):
        book.run_jupyter_book(Path("b"), "html", "pdflatex")


def test_the_child_builds_each_builder_and_names_the_one_that_failed(tmp_path: Path) -> None:
    """A real child: the HTML is built, then an unknown builder fails and is named."""
    (tmp_path / "intro.md").write_text("# Introduction\n\nSome text.\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "intro"}),
                                       encoding="utf-8")
    (tmp_path / "_config.yml").write_text(yaml.safe_dump({"title": "T", "execute": {
        "execute_notebooks": "off"}}), encoding="utf-8")
    with pytest.raises(ReportError, match="jupyter-book no-such-builder build failed"):
        book.run_jupyter_book(tmp_path, "html", "no-such-builder")
    assert "Some text." in (tmp_path / "_build" / "html" / "intro.html").read_text()
