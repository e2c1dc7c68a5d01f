"""A small but real report folder for the manifest and verify tests.

A one-cell-of-work template executed by papermill through execution.execute_section (a real
kernel), real gzipped inputs, real hashes, and a manifest written by manifest.write_manifest:
everything verify checks, in a few seconds instead of a whole report build.
"""

from __future__ import annotations

import gzip
import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pcc_report import execution, manifest
from pcc_report.execution import Section, execute_section

QUARTER = "2022-23-Q2"


def _cell(kind: str, source: str, index: int, tags: tuple[str, ...] = ()) -> dict:
    cell = {
        "cell_type": kind,
        "id": f"cell-{index:02d}",
        "metadata": {"tags": list(tags)},
        "source": source,
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


TEMPLATE_BODY = """\
import json
from pathlib import Path
from IPython.display import Markdown, display

data = Path(data_dir)
values = json.loads((data / "values.json").read_text())[force]
(data / "tables").mkdir(exist_ok=True)
rows = ["district,crimes"] + [f"{k},{v}" for k, v in sorted(values.items())]
(data / "tables" / f"{force}-crimes.csv").write_text("\\n".join(rows) + "\\n")
Path("figures").mkdir(exist_ok=True)
Path("figures", f"{force}-crimes.png").write_bytes(
    b"\\x89PNG\\r\\n\\x1a\\n" + json.dumps(values, sort_keys=True).encode())
display(Markdown(f"Recorded crime in {quarter}: **{sum(values.values()):,}**"))
print("districts:", len(values))
"""

TEMPLATE = {
    "cells": [
        _cell("markdown", "# {title}", 0),
        _cell(
            "code",
            'force = "demoshire"\nquarter = "2022-23-Q2"\nperiod_end = "2022-09"\n'
            'data_dir = "../data"\n',
            1,
            ("parameters",),
        ),
        _cell("code", TEMPLATE_BODY, 2),
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}

VALUES = {
    "demoshire": {"Northtown": 1204, "Southvale": 877, "No location": 31},
    "westshire": {"Eastport": 640, "Westmoor": 1502},
}


def sections() -> list[Section]:
    return [
        Section(
            f"crimes-{force}",
            "tiny.ipynb",
            f"Crimes & <i>{force}</i>",
            {"force": force, "quarter": QUARTER, "period_end": "2022-09", "data_dir": "../data"},
            "main",
        )
        for force in VALUES
    ]


def write_inputs(folder: Path) -> list[Path]:
    """Two gzipped police.uk-like street files (real gzip, real bytes)."""
    paths = []
    for month in ("2022-08", "2022-09"):
        path = folder / month / f"{month}-demoshire-street.csv.gz"
        path.parent.mkdir(parents=True)
        body = "Crime ID,Month,Crime type\n" + "".join(
            f"{uuid.UUID(int=i + int(month[-1])).hex},{month},Burglary\n" for i in range(300)
        )
        path.write_bytes(gzip.compress(body.encode(), mtime=0))
        paths.append(path)
    return paths


def build_small_report(report: Path, police_uk: Path) -> None:
    """Lay out a report folder the way build.run_report does, executing real notebooks."""
    (report / "data").mkdir(parents=True)
    (report / "data" / "values.json").write_text(json.dumps(VALUES, indent=1) + "\n")
    (report / "validation").mkdir()
    (report / "validation" / "validation.json").write_text('{"ok": true, "suites": []}\n')
    book, templates = report / "_book", report / ".templates"
    book.mkdir()
    templates.mkdir()
    seconds = {}
    for section in sections():
        seconds[section.name] = execute_section(section, book, templates)
    (report / "notebooks").mkdir()
    for section in sections():
        shutil.move(book / f"{section.name}.ipynb", report / "notebooks")
    shutil.move(book / "figures", report / "figures")
    shutil.rmtree(book)
    shutil.rmtree(templates)
    (report / "html").mkdir()
    (report / "html" / "index.html").write_text("<h1>Demoshire</h1><p>Recorded crime</p>\n")
    (report / "demoshire-2022-23-Q2.pdf").write_bytes(
        b"%PDF-1.5\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    now = datetime(2022, 11, 1, 9, 30, tzinfo=UTC)
    manifest.write_manifest(
        report,
        run=manifest.run_record("0123456789ab", now, now, argv=["pcc-report", "run"]),
        inputs=manifest.input_entries(sorted(police_uk.rglob("*.gz")), police_uk),
        suites=[
            {
                "name": "police_uk_street",
                "file": "police_uk_street.json",
                "sha256": "0" * 64,
                "success": True,
            }
        ],
        validation_ok=True,
        notebooks=manifest.notebook_entries(sections(), seconds, execution.NOTEBOOKS_DIR, report),
        revision={"revision": "r1", "replaces": None, "reason": None},
        nondeterministic=manifest.NONDETERMINISTIC,
    )
