"""The fast YAML loader reads every project YAML file as PyYAML's safe loader does."""

from __future__ import annotations

import pytest
import yaml

from pcc_report import yaml_files
from pcc_report.config import PROJECT_ROOT

PROJECT_YAML = sorted(
    path
    for folder in ("config", "book", "data")
    for path in (PROJECT_ROOT / folder).rglob("*.y*ml")
    if path.suffix in (".yml", ".yaml")
) + [PROJECT_ROOT / "_config.yml"]


def test_uses_libyaml_when_pyyaml_has_it():
    assert yaml_files.SafeLoader is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


@pytest.mark.parametrize("path", PROJECT_YAML, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_project_file_reads_as_the_safe_loader_reads_it(path):
    assert yaml_files.read(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_found_the_project_files():
    names = {p.name for p in PROJECT_YAML}
    assert {"measures.yml", "plan.yml", "outcomes.yml", "_config.yml"} <= names


def test_tricky_scalars_read_alike():
    text = "a: 2024-01\nb: '007'\nc: yes\nd: 1e3\ne: ~\nf: [1, 2.5, null]\ng: |\n  two\n  lines\n"
    assert yaml_files.load(text) == yaml.safe_load(text)


def test_bad_yaml_is_a_yaml_error_with_its_line():
    with pytest.raises(yaml.YAMLError, match="line 2"):
        yaml_files.load("a: 1\nb: [unclosed\n")


def test_no_python_objects():
    with pytest.raises(yaml.YAMLError):
        yaml_files.load("!!python/object/apply:os.system ['true']")
