"""The book's builders in one child process: in order, the first failure stops and is named."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tinybook import tiny_book

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


def _pages(book_dir: Path) -> dict[str, str]:
    html = book_dir / "_build" / "html"
    return {p.relative_to(html).as_posix(): p.read_text(errors="replace")
            for p in sorted(html.rglob("*.html"))}


def test_a_book_forked_from_an_early_server_is_what_a_new_child_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold, warmed = tiny_book(tmp_path / "cold"), tiny_book(tmp_path / "warm")
    book.run_jupyter_book(cold, "html")
    launched: list[list[str]] = []
    real = subprocess.run
    monkeypatch.setattr(book.subprocess, "run",
                        lambda command, **kw: launched.append(command) or real(command, **kw))
    warm = book.EarlyBookServer()
    try:
        warm.start()
        book.run_jupyter_book(warmed, "html", warm=warm)
        address = warm.address()
    finally:
        warm.stop()
    assert launched == [[sys.executable, "-m", "pcc_report.kernels", "launch", address,
                         str(warmed), "html"]]
    assert warm.address() is None and not Path(address).exists()
    assert _pages(warmed) == _pages(cold)
    assert "Some text." in _pages(warmed)["intro.html"]


def test_a_failure_in_a_forked_builder_is_reported_as_in_a_new_child(tmp_path: Path) -> None:
    said = {}
    for how in ("cold", "warm"):
        folder = tiny_book(tmp_path / "book") if how == "cold" else tmp_path / "book"
        shutil.rmtree(folder / "_build", ignore_errors=True)
        warm = book.EarlyBookServer()
        try:
            if how == "warm":
                warm.start()
            with pytest.raises(ReportError, match="jupyter-book no-such-builder") as failure:
                book.run_jupyter_book(folder, "html", "no-such-builder", warm=warm)
        finally:
            warm.stop()
        said[how] = str(failure.value)
    assert said["warm"] == said["cold"]


def test_an_early_server_never_used_is_stopped_and_leaves_no_process() -> None:
    warm = book.EarlyBookServer()
    warm.start()
    server = warm._server
    warm.start()  # already running: none started
    assert warm._server is server and server._proc.poll() is None
    warm.stop()
    assert server._proc.returncode is not None  # ended and reaped
    assert warm.address() is None


def test_a_module_that_cannot_be_imported_is_left_to_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build imports it again and fails as a cold child does; the others are imported."""
    monkeypatch.setattr(book_process, "BUILD_MODULES", ())
    monkeypatch.setattr(book_process, "without_execution", lambda: None)  # not this process
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    book_process.preload(["pcc_report.no_such_extension", "colorsys"])
    assert "colorsys" in sys.modules


def test_the_pdf_builder_writes_the_latex_and_typesets_it(tmp_path: Path) -> None:
    """A real child: Sphinx's LaTeX, then pdflatex's passes (pcc_report.latex_pdf)."""
    folder = tiny_book(tmp_path / "book")
    (folder / "_config.yml").write_text(yaml.safe_dump({  # no sphinx-jupyterbook-latex: as ours
        "title": "T", "execute": {"execute_notebooks": "off"},
        "latex": {"use_jupyterbook_latex": False}}), encoding="utf-8")
    book.run_jupyter_book(folder, "pdflatex")
    (pdf,) = (folder / "_build" / "latex").glob("*.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Some text." in text


def test_the_child_never_imports_notebook_execution() -> None:
    """myst-nb's execution clients are stand-ins that refuse to run; their imports stay out."""
    code = ("import sys; from pcc_report import book_process; book_process.without_execution();"
            " import myst_nb.sphinx_ext; from myst_nb.core.execute import NotebookClientCache;"
            " print(sorted(m for m in ('sqlalchemy', 'jupyter_cache', 'nbclient')"
            " if m in sys.modules));"
            " NotebookClientCache(None, None, None, None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]"
    assert "executed before it is built" in done.stderr


def test_the_shared_formats_folder_reaches_the_pdf_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple] = []
    monkeypatch.setattr(book_process, "run_builder", lambda *args: ran.append(args) or True)
    assert book_process.main([f"{book_process.FORMATS}/f", "b", "html", "pdflatex"]) == 0
    assert ran == [("b", "html", "/f"), ("b", "pdflatex", "/f")]
