"""Drafts' book builds without repeats: the previous book reused, or only changed pages re-read.

A draft's book takes most of a rebuild (Jupyter Book's HTML build about 5 s, its PDF build
about 14 s for the demonstration quarter), and between two drafts most of it, often all of it,
is unchanged. Two things are kept between the drafts of one force's quarter and edition, in a
work folder of their own (:func:`work_dir`, inside ``<out>/drafts/<force>/``, so the build lock
of that force and quarter covers it):

* per builder (``html/``, ``pdflatex/``), the book's source (``src/``): a copy of the
  assembled book folder updated file by file, a file written only when its content changed,
  so Sphinx's environment (its doctrees, in ``src/_build/.doctrees``) re-reads only the pages
  that changed (Sphinx judges by file time, which here moves only with content). The HTML
  output is kept too, and Sphinx writes only the pages that are out of date: the changed
  ones, the root, those whose numbers moved (figures and sections: Sphinx; paragraphs:
  :mod:`pcc_report.sphinx_paragraphs`), and all of them when the outline changed
  (:mod:`pcc_report.sphinx_incremental`), so no page keeps a stale navigation bar. The HTML
  output is removed first and written whole when a file was removed or anything but pages
  and figures changed, or the last build did not finish (it may have read pages again and
  stopped before writing those they made out of date) or its output is not as recorded
  (Sphinx would not write a damaged page that it thinks up to date): see
  :func:`_prepare_html_output`. LaTeX is written whole every time, and pdflatex runs only
  as often as the changed document needs (:mod:`pcc_report.latex_pdf`). Each builder has its
  own source and environment, so the two builds run at the same time (one per core);
* per builder, the *key* of the last output and the sha256 of its files (``record.json``).
  When the key is unchanged the output is reused outright, with no build.

The key is a sha256 over content only, never timestamps: every file of the assembled book
folder (the executed notebooks, figures, ``_config.yml``, ``_toc.yml``, static pages, theme
files, and anything placed there later at the book stage, such as analyst narrative), the
code (:class:`pcc_report.cache.CodeState`: the package with its Sphinx extension,
``config/``, the lock file, Python), the TeX engine's version and the builder. So anything
that goes into the book must be put in the book folder before :func:`build` is called, and
then it is part of the key. A record is removed before its builder runs and written only
after it succeeded, and a reused output whose files do not match their recorded sha256 is
built again, so a failed or damaged build is never reused.

Published reports (``run``) do not use this: they are always built fresh in their staging
folder. A draft built here has the same pages as a fresh build of the same book
(``tests/test_book_reuse_e2e.py``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache as memoize
from pathlib import Path

from pcc_report import book
from pcc_report.cache import CodeState
from pcc_report.errors import ReportError

WORK_DIR = ".work"
SOURCE = "src"
BUILD = "_build"
#: Changes when the key or the record's layout changes, so old records are never misread.
FORMAT = "1"
#: A book's page sources (beside ``_config.yml``) and the folders of what pages show: when
#: only these changed, Sphinx's HTML output is kept and updated (:func:`_prepare_html_output`).
PAGE_SOURCES = (".ipynb", ".md")
PAGE_FOLDERS = ("figures",)


def work_dir(drafts_force_dir: Path, quarter: str, edition_folder: str) -> Path:
    """``<out>/drafts/<force>/.work/<quarter>/<edition folder>``: one draft target's book."""
    return Path(drafts_force_dir) / WORK_DIR / quarter / edition_folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by relative POSIX path, the build folder left out."""
    return {p.relative_to(root).as_posix(): p for p in sorted(Path(root).rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != BUILD}


@memoize
def _tex_version() -> str:
    try:
        done = subprocess.run(["pdflatex", "--version"], capture_output=True, text=True)
    except OSError:
        return "no pdflatex"
    return done.stdout.splitlines()[0] if done.stdout else "unknown"


def book_key(book_dir: Path, builder: str, code: CodeState) -> str:
    """The sha256 deciding whether the last ``builder`` output can stand in for building."""
    record = {
        "format": FORMAT,
        "builder": builder,
        "code": code.digest,
        "tex": _tex_version() if builder == "pdflatex" else None,
        "files": {rel: _sha(path.read_bytes()) for rel, path in _files(book_dir).items()},
    }
    return _sha(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())


def sync(book_dir: Path, source: Path) -> list[str]:
    """Make ``source`` hold exactly ``book_dir``'s files, writing only those that changed.

    Returns the relative paths written or removed. Unchanged files keep their time, so
    Sphinx does not read their pages again.
    """
    wanted, present = _files(book_dir), _files(source)
    changed = []
    for rel, path in wanted.items():
        data = path.read_bytes()
        target = source / rel
        if rel in present and present[rel].read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(rel)
    for rel in sorted(set(present) - set(wanted)):
        present[rel].unlink()
        changed.append(rel)
    return changed


def _output_files(builder: str, source: Path) -> dict[str, Path]:
    if builder == "html":
        return {rel: source / BUILD / "html" / rel
                for rel in _files(source / BUILD / "html")}
    pdfs = sorted((source / BUILD / "latex").glob("*.pdf"))
    return {pdfs[0].name: pdfs[0]} if pdfs else {}


def _record_path(work: Path, builder: str) -> Path:
    return work / builder / "record.json"


def _source(work: Path, builder: str) -> Path:
    return work / builder / SOURCE


def _intact_key(work: Path, builder: str) -> str | None:
    """The key of the last output of ``builder`` if every file is as recorded, else None (no
    record: never built, or the last build failed; or a file changed since)."""
    try:
        record = json.loads(_record_path(work, builder).read_text(encoding="utf-8"))
        if record["format"] != FORMAT:
            return None
        found = _output_files(builder, _source(work, builder))
        intact = set(found) == set(record["files"]) and all(
            _sha(found[rel].read_bytes()) == digest for rel, digest in record["files"].items())
        return str(record["key"]) if intact else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(work: Path, builder: str, key: str) -> None:
    files = _output_files(builder, _source(work, builder))
    record = {"format": FORMAT, "key": key,
              "files": {rel: _sha(path.read_bytes()) for rel, path in files.items()}}
    _record_path(work, builder).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n",
                                           encoding="utf-8")


def _page_file(rel: str) -> bool:
    """A page's source (``front-sheet.ipynb``, ``method.md``) or a file in a page folder."""
    parts = Path(rel).parts
    return parts[0] in PAGE_FOLDERS if len(parts) > 1 else Path(rel).suffix in PAGE_SOURCES


def _prepare_html_output(output: Path, book_dir: Path, changed: list[str], intact: bool) -> None:
    """Keep the last HTML output for Sphinx to update, or remove it so all is written anew.

    Kept only when the last build finished with the output as recorded (``intact``) and every
    changed file is a page's source or a figure (:func:`_page_file`): Sphinx writes those
    pages again, and the ones they affect (:mod:`pcc_report.sphinx_incremental`). Removed
    when a file went (its page and images would stay) or anything else changed, such as a
    theme file (a kept page would name the old one's checksum). The kept output's
    ``_static`` folder goes either way: Sphinx copies it again before writing the pages, and a
    page names a static file's checksum only if the file was already there (myst-nb's
    stylesheet is written after the pages), so a page is written as a fresh build writes it.
    """
    removed = any(not (book_dir / rel).is_file() for rel in changed)
    if removed or not intact or not all(_page_file(rel) for rel in changed):
        shutil.rmtree(output, ignore_errors=True)
    else:
        shutil.rmtree(output / "_static", ignore_errors=True)


def _run(book_dir: Path, work: Path, builder: str, key: str,
         warm: book.EarlyBookServer | None) -> str:
    """The ``builder`` output in ``work/<builder>/src/_build``: ``reused`` or ``built`` now."""
    last = _intact_key(work, builder)
    if last == key:
        return "reused"
    source = _source(work, builder)
    source.mkdir(parents=True, exist_ok=True)
    _record_path(work, builder).unlink(missing_ok=True)
    changed = sync(book_dir, source)
    if builder == "html":
        _prepare_html_output(source / BUILD / "html", book_dir, changed, intact=last is not None)
    book.run_jupyter_book(source, builder, warm=warm)
    if not _output_files(builder, source):
        raise ReportError(f"the {builder} build produced no output")
    _remember(work, builder, key)
    return "built"


def build(book_dir: Path, staging: Path, pdf_name: str | None, work: Path,
          code: CodeState | None = None, warm: book.EarlyBookServer | None = None,
          ) -> dict[str, str]:
    """The draft's HTML into ``staging/html`` and, unless ``pdf_name`` is None, its PDF.

    A builder that must build is forked from ``warm`` when it serves (its imports done:
    :class:`pcc_report.book.EarlyBookServer`); the caller stops it.

    Returns what happened per builder (``html``/``pdflatex``: ``reused`` or ``built``).
    """
    code = code or CodeState.current()
    work = Path(work)
    builders = ["html"] if pdf_name is None else ["html", "pdflatex"]
    with ThreadPoolExecutor(max_workers=len(builders)) as pool:  # each a child process
        futures = {b: pool.submit(_run, Path(book_dir), work, b, book_key(book_dir, b, code),
                               warm)
                   for b in builders}
        outcomes = {b: future.result() for b, future in futures.items()}
    shutil.copytree(_source(work, "html") / BUILD / "html", Path(staging) / "html")
    if pdf_name is not None:
        (pdf,) = _output_files("pdflatex", _source(work, "pdflatex")).values()
        shutil.copyfile(pdf, Path(staging) / pdf_name)
    return outcomes
