"""Reading the project's YAML (catalogue, plan, force files, book configuration).

One home for the parser: libyaml's ``CSafeLoader`` when PyYAML was built with it (the wheels
are), else PyYAML's pure-Python ``SafeLoader``. Both are safe loaders (plain data, no Python
objects) and read the same documents to the same values; the C one is about ten times faster,
and every section's kernel reads the catalogue and the force file: with the pure-Python parser
that reading was about a fifth of a force's section time. Errors are ``yaml.YAMLError`` either
way, with the line and column of the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The data of one YAML document (``yaml.safe_load``, with the fast parser)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read(path: Path | str) -> Any:
    """The data of the YAML file at ``path`` (UTF-8)."""
    return load(Path(path).read_text(encoding="utf-8"))
