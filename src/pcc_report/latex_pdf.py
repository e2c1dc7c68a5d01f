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
  with a record of what it was made from (:func:`_record`): the sha256 of the preamble, of the
  TeX engine and of every file the format's run read. A draft's next build, whose folder is
  kept, starts from it again while nothing it was made from changed; a published build finds
  it in the reports folder's format cache (``shared``, ``<out>/.cache/latex``), where every
  build of every force leaves the format it made: the dumped part of the preamble ends at
  :data:`END_OF_DUMP` (:func:`pcc_report.book.latex_preamble` puts it before the report's own
  definitions), so it is the same for every report. An entry is written under a temporary
  name and renamed, its record last, and used only when the format's sha256 is the recorded
  one: concurrent builds never read half an entry, and a damaged one is made again.
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
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

#: As latexmk's ``max_repeat``: a document still changing after this many passes fails.
MAX_PASSES = 5
#: pdflatex options of every run: never wait for the terminal, stop at the first error.
OPTIONS = ("-interaction=nonstopmode", "-halt-on-error", "-recorder")
#: Outputs of a pass that no later pass reads.
FINAL_SUFFIXES = (".log", ".pdf", ".fls")
BEGIN_DOCUMENT = r"\begin{document}"
#: Where the format's part of the preamble ends (mylatexformat's marker; a no-op otherwise).
END_OF_DUMP = r"\csname endofdump\endcsname"
#: The environment that sets the dates TeX writes (execution.BUILD_ENV sets the first).
DATE_VARIABLES = ("SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE")


class LatexError(Exception):
    """pdflatex failed, or the document did not settle; the message says which and where."""


def typeset(latex_dir: Path, shared: Path | None = None) -> None:
    """Every ``*.tex`` of ``latex_dir`` (as Sphinx's ``make all-pdf``) to its PDF; formats
    are looked for in, and left in, the folder ``shared`` when one is given."""
    for tex in sorted(Path(latex_dir).glob("*.tex")):
        typeset_one(tex, shared)


def typeset_one(tex: Path, shared: Path | None = None) -> None:
    """``tex`` to its PDF: the preamble's format, then passes until the auxiliary files settle."""
    fmt = _format(tex, shared)
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


def _format(tex: Path, shared: Path | None) -> str:
    """The name of the format of ``tex``'s preamble: the kept one, the shared one, or a new one."""
    text = tex.read_bytes()
    line = next((line for line in text.decode("utf-8", "replace").splitlines()
                 if BEGIN_DOCUMENT in line), "")
    if line.strip() != BEGIN_DOCUMENT:
        raise LatexError(f"{tex.name}: {BEGIN_DOCUMENT} must be alone on its line (the "
                         "preamble's format reads that line whole)")
    end = text.find(END_OF_DUMP.encode())
    dumped = text[: end if end >= 0 else text.find(BEGIN_DOCUMENT.encode())]
    digest = hashlib.sha256(dumped)
    for variable in DATE_VARIABLES:  # hyperref keeps the PDF's creation date in the format
        digest.update(f"\0{variable}={os.environ.get(variable)}".encode())
    preamble = digest.hexdigest()
    name = f"{tex.stem}-preamble"
    fmt, record = tex.with_name(f"{name}.fmt"), tex.with_name(f"{name}.json")
    if _current(fmt, record, preamble, tex.parent):
        return name
    if shared is not None and _current(shared / f"{preamble}.fmt", shared / f"{preamble}.json",
                                       preamble, tex.parent):
        shutil.copyfile(shared / f"{preamble}.fmt", fmt)
        shutil.copyfile(shared / f"{preamble}.json", record)
        if _current(fmt, record, preamble, tex.parent):  # not replaced while it was copied
            return name
    record.unlink(missing_ok=True)
    _pdflatex(tex, "preamble", "-ini", f"-jobname={name}", "&pdflatex", "mylatexformat.ltx",
              tex.name)
    made = _record(fmt, tex.with_name(f"{name}.fls"), preamble, tex)
    record.write_text(made, encoding="utf-8")
    if shared is not None:
        _share(fmt, made, shared / f"{preamble}.fmt", shared / f"{preamble}.json")
    return name


def _record(fmt: Path, fls: Path, preamble: str, tex: Path) -> str:
    """What ``fmt`` was made from: the preamble's sha256, the engine's, every file read."""
    inputs = sorted({line[len("INPUT "):] for line in _lines(fls) if line.startswith("INPUT ")}
                    - {tex.name, f"./{tex.name}"})
    engine = shutil.which("pdftex") or shutil.which("pdflatex") or "pdflatex"
    return json.dumps({"preamble": preamble, "fmt": _sha(fmt),
                       "engine": _sha(Path(engine).resolve()),
                       "inputs": {path: _sha(tex.parent / path) for path in inputs}},
                      indent=1, sort_keys=True)


def _current(fmt: Path, record: Path, preamble: str, folder: Path) -> bool:
    """Whether ``fmt`` is intact and was made from this preamble, engine and files."""
    try:
        made = json.loads(record.read_text(encoding="utf-8"))
        engine = shutil.which("pdftex") or shutil.which("pdflatex") or "pdflatex"
        return (made["preamble"] == preamble and made["fmt"] == _sha(fmt)
                and made["engine"] == _sha(Path(engine).resolve())
                and all(_sha(folder / path) == sha for path, sha in made["inputs"].items()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _share(fmt: Path, made: str, target: Path, record: Path) -> None:
    """Leave the format in the shared folder: renamed into place, its record last."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{uuid.uuid4().hex}.partial")
        shutil.copyfile(fmt, partial)
        os.replace(partial, target)
        partial.write_text(made, encoding="utf-8")
        os.replace(partial, record)
    except OSError:  # a read-only or full cache folder costs the next build a format, no more
        return


def _sha(path: Path) -> str | None:
    data = _read(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


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
