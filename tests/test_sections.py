"""The section registry: every template registered once, its parameters cell matching its entry.

The templates are read from notebooks/ and their ``parameters`` cells parsed with ``ast``, so
a template that declares a parameter the build does not inject (or misses one it does, or
declares another default) fails here rather than in a report build.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pcc_report import sections
from pcc_report.config import load_force_config
from pcc_report.execution import NOTEBOOKS_DIR
from pcc_report.sections import REGISTRY, RUN_PARAMETERS, plan, spec_for

RUN = {"force": "demoshire", "quarter": "2022-23-Q3", "period_end": "2022-12",
       "data_dir": "../data", "incomplete_months": ["2022-11"], "meeting": "5 March 2023",
       "edition": "restricted"}  # fmt: skip


def _declared_parameters(template: Path) -> dict[str, object]:
    """Names and values assigned in a template's cell tagged ``parameters``."""
    nb = json.loads(template.read_text(encoding="utf-8"))
    [cell] = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    declared = {}
    for statement in ast.parse("".join(cell["source"])).body:
        assert isinstance(statement, ast.Assign), f"{template.name}: only assignments here"
        [target] = statement.targets
        declared[target.id] = ast.literal_eval(statement.value)
    return declared


def test_every_template_is_registered_once_and_every_entry_has_its_template() -> None:
    on_disk = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    registered = [spec.template for spec in REGISTRY]
    assert sorted(registered) == on_disk
    assert len({spec.name for spec in REGISTRY}) == len(REGISTRY)
    assert {spec.part for spec in REGISTRY} == {"main", "appendix"}


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda spec: spec.template)
def test_a_templates_parameters_cell_declares_what_its_entry_injects(
    spec: sections.SectionSpec,
) -> None:
    declared = _declared_parameters(NOTEBOOKS_DIR / spec.template)
    assert declared == spec.parameters  # the same names, and the same defaults
    assert list(declared)[: len(RUN_PARAMETERS)] == list(RUN_PARAMETERS)


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda spec: spec.template)
def test_a_templates_first_cell_takes_the_title(spec: sections.SectionSpec) -> None:
    nb = json.loads((NOTEBOOKS_DIR / spec.template).read_text(encoding="utf-8"))
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "{title}" in "".join(first["source"])


def test_the_plan_follows_the_registry_with_one_priority_section_per_plan_priority() -> None:
    force = load_force_config("demoshire")
    planned = plan(force, RUN)
    expected = []
    for spec in REGISTRY:
        if spec.per_priority:
            expected += [(f"{spec.name}-{p.id}", f"{spec.title}: {p.title}", p.id)
                         for p in force.priorities]
        else:
            expected.append((spec.name, spec.title, None))
    assert [(s.name, s.title, s.parameters.get("priority_id")) for s in planned] == expected
    for section in planned:
        spec = spec_for(section.template)
        assert section.part == spec.part
        assert set(section.parameters) == set(spec.parameters)  # what the template declares
        assert {k: section.parameters[k] for k in RUN} == RUN


def test_the_plan_refuses_run_parameters_the_templates_do_not_declare() -> None:
    force = load_force_config("demoshire")
    with pytest.raises(ValueError, match="not the registry's"):
        plan(force, {**RUN, "colour": "blue"})
    with pytest.raises(ValueError, match="not the registry's"):
        plan(force, {k: v for k, v in RUN.items() if k != "edition"})


def test_spec_for_an_unregistered_template_says_where_to_register_it() -> None:
    assert spec_for("dashboard.ipynb").name == "dashboard"
    with pytest.raises(KeyError, match="sections.REGISTRY"):
        spec_for("new_section.ipynb")
