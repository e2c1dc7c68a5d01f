"""The report's sections, declared once: the registry every other part reads.

Each entry names a section's book page, its notebook template, its title, its part of the
book, what it reads, and the parameters it gets. The build plans the sections from it
(:func:`plan`), the book's table of contents follows its order and parts, the manifest
records the planned sections, and :class:`pcc_report.context.SectionContext` takes from it
what a section's source note says it read. Adding a section is a notebook in ``notebooks/``
plus one entry in :data:`REGISTRY`; ``tests/test_sections.py`` checks that every template's
``parameters`` cell declares exactly the parameters its entry gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pcc_report.config import ForceConfig
from pcc_report.execution import Section

#: The parameters every section gets from the run, with the value a template declares for
#: them (the demonstration report's, so a template also runs by hand in ``notebooks/``).
RUN_PARAMETERS: dict[str, object] = {
    "force": "demoshire",
    "quarter": "2022-23-Q2",
    "period_end": "2022-09",
    "data_dir": "../data",
    "incomplete_months": [],
    "meeting": None,
    "edition": "public",
}


@dataclass(frozen=True)
class SectionSpec:
    """One registered section.

    ``per_priority`` sections run once for each priority of the force's plan, as
    ``<name>-<priority id>`` titled ``<title>: <priority title>``, with the priority's id as
    the ``priority_id`` parameter. ``reads_returns`` says the section uses the force returns
    as well as the police.uk monthly table (its source note names them).
    """

    name: str
    template: str
    title: str
    part: str = "main"  # "main" or "appendix"
    reads_returns: bool = False
    per_priority: bool = False
    extra_parameters: dict[str, object] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, object]:
        """Every parameter the template declares, with its declared (default) value."""
        return {**RUN_PARAMETERS, **self.extra_parameters}


REGISTRY: tuple[SectionSpec, ...] = (
    SectionSpec("front-sheet", "front_sheet.ipynb", "Front sheet and headlines"),
    SectionSpec("performance", "performance.ipynb", "Part 2: performance against the plan",
                reads_returns=True),
    SectionSpec("dashboard", "dashboard.ipynb", "Performance dashboard", reads_returns=True),
    SectionSpec("recorded-crime", "recorded_crime.ipynb", "Recorded crime"),
    SectionSpec("priority", "priority.ipynb", "Priority", reads_returns=True, per_priority=True,
                extra_parameters={"priority_id": "tackle-crime"}),
    SectionSpec("districts", "districts.ipynb", "Districts"),
    SectionSpec("outcomes", "outcomes.ipynb", "Outcomes"),
    SectionSpec("definitions", "definitions.ipynb", "Measure definitions", "appendix",
                reads_returns=True),
    SectionSpec("data-quality", "data_quality.ipynb", "Data quality and validation", "appendix"),
    SectionSpec("audit-trail", "audit_trail.ipynb", "Audit trail", "appendix"),
)


def spec_for(template: str) -> SectionSpec:
    """The registry entry of a template (each template is registered once)."""
    for spec in REGISTRY:
        if spec.template == template:
            return spec
    raise KeyError(f"{template} is not a registered section template (see sections.REGISTRY)")


def plan(force: ForceConfig, run_parameters: dict) -> list[Section]:
    """The book's sections in order, with the run's parameters; the first is the book's root."""
    if set(run_parameters) != set(RUN_PARAMETERS):
        raise ValueError(
            f"run parameters {sorted(run_parameters)} are not the registry's "
            f"{sorted(RUN_PARAMETERS)}"
        )
    planned = []
    for spec in REGISTRY:
        if not spec.per_priority:
            planned.append(Section(spec.name, spec.template, spec.title, run_parameters, spec.part))
            continue
        for priority in force.priorities:
            planned.append(
                Section(
                    f"{spec.name}-{priority.id}",
                    spec.template,
                    f"{spec.title}: {priority.title}",
                    {**run_parameters, "priority_id": priority.id},
                    spec.part,
                )
            )
    return planned
