"""The panel paper's PDF from Sphinx's LaTeX: pdflatex run until its cross-references settle.

Jupyter Book's ``pdflatex`` builder writes the LaTeX, then runs ``make`` in the output folder,
which runs latexmk, which runs pdflatex (three times for a quarter's paper) and makeindex.
This module does what that chain did, with less of the work repeated:

* **Passes until nothing changes.** After each pass, every auxiliary file the pass wrote
  (the ``.aux`` with the page of each label and of each Part 2 row, the ``.toc``, hyperref's
  ``.out``: all that pdflatex's ``-recorder`` list names, bar the log and the PDF) is compared
  with what it held before the pass; a pass that changed one is followed by another, as
  latexmk does, up to :data:`MAX_PASSES`. No Perl start-up and no file fingerprinting per pass.
* **The preamble read once.** Loading the packages (Sphinx's, hyperref, the fonts) was half
  of each pass. The preamble is dumped once into a format (``mylatexformat``, TeX Live's
  ``texlive-latex-extra``) and each pass starts from it. The format is kept beside the LaTeX
  with the sha256 of the preamble and of every file its run read (:func:`_format_key`), so a
  draft's next build, whose folder is kept, starts from it again while nothing it was made
  from changed.
* **A first pass without a PDF.** With no ``.aux`` from an earlier build the first pass can
  never be the last, so it runs in pdfTeX's ``-draftmode`` (the same layout, no PDF written,
  no image read).
* **No index.** The paper has none: ``_config.yml`` leaves out ``\\makeindex`` and
  ``\\printindex``, so there is nothing for makeindex to do.

The bytes of a PDF depend only on the LaTeX and the TeX installation (``SOURCE_DATE_EPOCH``
comes from the build environment), not on whether the format was made now or kept.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

#: As latexmk's ``max_repeat``: a document still changing after this many passes fails.
MAX_PASSES = 5
#: pdflatex options of every run: never wait for the terminal, stop at the first error.
OPTIONS = ("-interaction=nonstopmode", "-halt-on-error", "-recorder")
#: Outputs of a pass that no later pass reads.
FINAL_SUFFIXES = (".log", ".pdf", ".fls")
BEGIN_DOCUMENT = r"\begin{document}"
#: The environment that sets the dates TeX writes (execution.BUILD_ENV sets the first).
DATE_VARIABLES = ("SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE")


class LatexError(Exception):
    """pdflatex failed, or the document did not settle; the message says which and where."""


def typeset(latex_dir: Path) -> None:
    """Every ``*.tex`` of ``latex_dir`` (as Sphinx's ``make all-pdf``) to its PDF."""
    for tex in sorted(Path(latex_dir).glob("*.tex")):
        typeset_one(tex)


def typeset_one(tex: Path) -> None:
    """``tex`` to its PDF: the preamble's format, then passes until the auxiliary files settle."""
    fmt = _format(tex)
    draft = not tex.with_suffix(".aux").exists()
    for number in range(1, MAX_PASSES + 1):
        before = _written_files(tex)
        old = {path: _read(path) for path in before}
        _pdflatex(tex, f"pass {number}", f"-fmt={fmt}", *(["-draftmode"] if draft else []),
                  tex.name)
        written = _written_files(tex)
        if not draft and all(_read(path) == old.get(path) for path in written):
            if _read(tex.with_suffix(".idx")):
                raise LatexError(f"{tex.name} has index entries, but the paper has no index "
                                 "(makeindex is not run)")
            return
        draft = False
    raise LatexError(f"{tex.name}: the cross-references still changed after {MAX_PASSES} "
                     "pdflatex passes")


def _format(tex: Path) -> str:
    """The name of the format holding ``tex``'s preamble, made unless the kept one is current."""
    text = tex.read_text(encoding="utf-8", errors="replace")
    line = next((line for line in text.splitlines() if BEGIN_DOCUMENT in line), "")
    if line.strip() != BEGIN_DOCUMENT:
        raise LatexError(f"{tex.name}: {BEGIN_DOCUMENT} must be alone on its line (the "
                         "preamble's format reads that line whole)")
    name = f"{tex.stem}-preamble"
    fmt, key_file = tex.with_name(f"{name}.fmt"), tex.with_name(f"{name}.key")
    if fmt.exists() and key_file.exists() and key_file.read_text() == _format_key(tex, name):
        return name
    key_file.unlink(missing_ok=True)
    _pdflatex(tex, "preamble", "-ini", f"-jobname={name}", "&pdflatex", "mylatexformat.ltx",
              tex.name)
    key_file.write_text(_format_key(tex, name))
    return name


def _format_key(tex: Path, name: str) -> str:
    """sha256 of ``tex``'s preamble, of every file the format's run read (its ``.fls``) and of
    the dates the run was given (hyperref keeps the PDF's creation date in the format)."""
    text = tex.read_bytes()
    digest = hashlib.sha256(text[: text.find(BEGIN_DOCUMENT.encode())])
    for variable in DATE_VARIABLES:
        digest.update(f"\0{variable}={os.environ.get(variable)}".encode())
    fls = tex.with_name(f"{name}.fls")
    inputs = sorted({line[len("INPUT "):] for line in _lines(fls) if line.startswith("INPUT ")})
    for path in inputs:
        file = tex.parent / path
        if file.resolve() != tex.resolve() and not path.endswith(".fmt"):
            digest.update(f"\0{path}\0".encode() + _read(file))
    return digest.hexdigest()


def _written_files(tex: Path) -> list[Path]:
    """What the last pass over ``tex`` wrote that a later pass reads (its ``.fls``)."""
    outputs = {line[len("OUTPUT "):] for line in _lines(tex.with_suffix(".fls"))
               if line.startswith("OUTPUT ")}
    return [tex.parent / path for path in sorted(outputs) if not path.endswith(FINAL_SUFFIXES)]


def _pdflatex(tex: Path, what: str, *arguments: str) -> None:
    sys.stdout.flush()
    done = subprocess.run(["pdflatex", *OPTIONS, *arguments], cwd=tex.parent,
                          stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise LatexError(f"pdflatex failed on {tex.name} ({what}); see {tex.stem}.log")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
