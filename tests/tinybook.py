"""A one-page Jupyter Book, for tests of the book builders (no notebook, nothing executed)."""

from __future__ import annotations

from pathlib import Path

import yaml


def tiny_book(folder: Path, text: str = "Some text.") -> Path:
    """``folder`` made into a book whose one page, intro.md, says ``text``."""
    folder.mkdir(parents=True)
    (folder / "intro.md").write_text(f"# Introduction\n\n{text}\n", encoding="utf-8")
    (folder / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "intro"}),
                                     encoding="utf-8")
    (folder / "_config.yml").write_text(yaml.safe_dump({"title": "T", "execute": {
        "execute_notebooks": "off"}}), encoding="utf-8")
    return folder
