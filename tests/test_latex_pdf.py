"""pdflatex passes until the cross-references settle, from a format of the preamble."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pcc_report import latex_pdf

PREAMBLE = "\\documentclass{article}\n\\usepackage{lastpage}\n"
#: The label is on the third page: "page 3 of 3" needs the .aux of an earlier pass.
BODY = ("\\begin{document}\nSee page \\pageref{far} of \\pageref{LastPage}.\n"
        "\\newpage x\\newpage Far\\label{far}\n\\end{document}\n")


@pytest.fixture(autouse=True)
def _fixed_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Every pdflatex command line, in order."""
    seen: list[tuple[str, ...]] = []
    real = latex_pdf._pdflatex

    def record(tex: Path, what: str, *arguments: str) -> None:
        seen.append(arguments)
        real(tex, what, *arguments)

    monkeypatch.setattr(latex_pdf, "_pdflatex", record)
    return seen


def _document(folder: Path, preamble: str = PREAMBLE, body: str = BODY) -> Path:
    folder.mkdir(exist_ok=True)
    tex = folder / "paper.tex"
    tex.write_text(preamble + body, encoding="utf-8")
    return tex


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True)
    return " ".join(done.stdout.split())


def test_references_are_resolved_and_the_last_pass_changed_nothing(
    tmp_path: Path, runs: list[tuple[str, ...]]
) -> None:
    tex = _document(tmp_path / "a")
    latex_pdf.typeset(tex.parent)
    assert "See page 3 of 3." in _text(tex.with_suffix(".pdf"))
    passes = [r for r in runs if "-ini" not in r]
    # pass 1 (no .aux yet) writes the labels, pass 2 prints them and finds the .aux unchanged
    assert len(passes) == 2
    assert "-draftmode" in passes[0] and "-draftmode" not in passes[1]
    assert len([r for r in runs if "-ini" in r]) == 1


def test_a_kept_format_and_aux_give_the_same_pdf_in_one_pass(
    tmp_path: Path, runs: list[tuple[str, ...]]
) -> None:
    fresh, kept = _document(tmp_path / "fresh"), _document(tmp_path / "kept")
    latex_pdf.typeset(kept.parent)
    runs.clear()
    latex_pdf.typeset(kept.parent)  # a draft's next build: same preamble, same document
    assert runs == [(f"-fmt={kept.stem}-preamble", kept.name)]
    latex_pdf.typeset(fresh.parent)
    assert kept.with_suffix(".pdf").read_bytes() == fresh.with_suffix(".pdf").read_bytes()


def test_a_changed_preamble_makes_a_new_format(tmp_path: Path,
                                               runs: list[tuple[str, ...]]) -> None:
    tex = _document(tmp_path / "a")
    latex_pdf.typeset(tex.parent)
    _document(tmp_path / "a", PREAMBLE + "\\usepackage{xcolor}\n",
              BODY.replace("Far", "\\textcolor{red}{Far}"))
    runs.clear()
    latex_pdf.typeset(tex.parent)
    assert any("-ini" in r for r in runs)
    assert "See page 3 of 3." in _text(tex.with_suffix(".pdf"))


def test_a_document_that_never_settles_fails(tmp_path: Path) -> None:
    """Each pass writes one more than the last pass read: the .aux changes every time."""
    body = ("\\begin{document}\n\\makeatletter\\providecommand\\n{0}x"
            "\\immediate\\write\\@auxout{\\gdef\\string\\n{\\the\\numexpr\\n+1\\relax}}"
            "\\makeatother\\end{document}\n")
    tex = _document(tmp_path / "a", "\\documentclass{article}\n", body)
    with pytest.raises(latex_pdf.LatexError,
                       match=f"paper.tex: .* after {latex_pdf.MAX_PASSES} pdflatex passes"):
        latex_pdf.typeset(tex.parent)


def test_a_latex_error_fails_naming_the_file(tmp_path: Path) -> None:
    tex = _document(tmp_path / "a", body="\\begin{document}\n\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(latex_pdf.LatexError, match=r"pdflatex failed on paper.tex \(pass 1\)"):
        latex_pdf.typeset(tex.parent)


def test_a_document_opening_on_the_line_of_begin_document_is_refused(tmp_path: Path) -> None:
    """The format reads that line whole (a catcode change on it would be lost): Sphinx writes
    ``\\begin{document}`` alone on its line."""
    tex = _document(tmp_path / "a", body="\\begin{document}Text\n\\end{document}\n")
    with pytest.raises(latex_pdf.LatexError, match="alone on its line"):
        latex_pdf.typeset(tex.parent)


def test_index_entries_fail_since_no_index_is_made(tmp_path: Path) -> None:
    tex = _document(tmp_path / "a", "\\documentclass{article}\n\\makeindex\n",
                    "\\begin{document}\nA\\index{a}\n\\end{document}\n")
    with pytest.raises(latex_pdf.LatexError, match="has index entries"):
        latex_pdf.typeset(tex.parent)


def test_a_shared_format_serves_another_document_with_the_same_preamble(
    tmp_path: Path, runs: list[tuple[str, ...]]
) -> None:
    """Only the part before the end-of-dump marker is in the format; what follows differs."""
    shared = tmp_path / "formats"
    first = _document(tmp_path / "a", PREAMBLE + latex_pdf.END_OF_DUMP + "\n\\def\\who{A}\n",
                      BODY.replace("Far", "Far \\who"))
    second = _document(tmp_path / "b", PREAMBLE + latex_pdf.END_OF_DUMP + "\n\\def\\who{B}\n",
                       BODY.replace("Far", "Far \\who"))
    latex_pdf.typeset(first.parent, shared)
    assert len(list(shared.glob("*.fmt"))) == 1
    runs.clear()
    latex_pdf.typeset(second.parent, shared)
    assert not any("-ini" in r for r in runs)
    assert "Far B" in _text(second.with_suffix(".pdf"))
    alone = _document(tmp_path / "c", second.read_text(encoding="utf-8"), "")
    latex_pdf.typeset(alone.parent)  # its own format: the same PDF
    assert alone.with_suffix(".pdf").read_bytes() == second.with_suffix(".pdf").read_bytes()


def test_a_damaged_shared_format_is_made_again(tmp_path: Path,
                                              runs: list[tuple[str, ...]]) -> None:
    shared = tmp_path / "formats"
    latex_pdf.typeset(_document(tmp_path / "a").parent, shared)
    (fmt,) = shared.glob("*.fmt")
    fmt.write_bytes(fmt.read_bytes()[:1000])
    runs.clear()
    tex = _document(tmp_path / "b")
    latex_pdf.typeset(tex.parent, shared)
    assert any("-ini" in r for r in runs)
    assert "See page 3 of 3." in _text(tex.with_suffix(".pdf"))
    assert fmt.stat().st_size > 1000  # replaced by the format just made
