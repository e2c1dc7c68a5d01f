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
    as well as the police.uk monthly table (its source note names them). ``reads`` names the
    report-folder inputs (:data:`INPUTS`) the section's notebook reads: the cache runs it with
    only those present and reuses it while their content is unchanged, so a read missing here
    fails the build (or shows "not available") rather than serving a stale section.
    """

    name: str
    template: str
    title: str
    part: str = "main"  # "main" or "appendix"
    reads_returns: bool = False
    per_priority: bool = False
    reads: tuple[str, ...] = ("tidy", "inputs")
    extra_parameters: dict[str, object] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, object]:
        """Every parameter the template declares, with its declared (default) value."""
        return {**RUN_PARAMETERS, **self.extra_parameters}


@dataclass(frozen=True)
class Input:
    """One input a section may read: files of the report folder, or of the project.

    ``pattern`` is a glob relative to the report folder (``root="report"``) or to the
    project (``root="project"``, e.g. the expectation suites). ``keys`` limits a JSON file to
    those top-level keys: the section is given (and keyed on) only that part of the file.
    """

    pattern: str
    root: str = "report"
    keys: tuple[str, ...] | None = None


#: Everything a section can read besides its parameters and the package, by name.
INPUTS: dict[str, Input] = {
    "tidy": Input("data/street_monthly.parquet"),  # the police.uk monthly table
    "inputs": Input("data/inputs.json"),  # which files and returns were read (every section)
    "returns": Input("data/returns/*.csv"),  # each force return, its own content
    "breakdowns": Input("data/breakdowns/*"),  # the edition's district breakdowns (editions.py)
    "provenance": Input("data/provenance.json"),  # code, environment, input hashes, commands
    "revision": Input("data/provenance.json", keys=("revision",)),  # only the revision
    "validation": Input("validation/validation.json"),  # the validation results
    "evidence": Input("data/evidence.json"),  # the evidence digest and signing key (evidence.py)
    "suites": Input("expectations/*.json", root="project"),  # the expectation suites
    "funding": Input("data/returns/funding.csv"),  # Part 3: the funding return (part3.py)
    "scrutiny-plan": Input("data/returns/scrutiny-plan.csv"),  # Part 3: the scrutiny plan
    # this meeting's front sheet (pcc_report.front_matter); the prose files are no section's
    "front_sheet": Input("data/narrative/front-sheet.yml"),
    "home_office": Input("data/home_office.csv"),  # recorded crime by force area (peers.py)
}

_BASE = ("tidy", "inputs")

REGISTRY: tuple[SectionSpec, ...] = (
    SectionSpec("front-sheet", "front_sheet.ipynb", "Front sheet and headlines",
                reads=(*_BASE, "revision", "evidence", "front_sheet")),
    # Performance by exception first: what needs the panel's attention, before the full tables.
    SectionSpec("exceptions", "exceptions.ipynb", "Performance by exception",
                reads_returns=True, reads=(*_BASE, "returns")),
    SectionSpec("performance", "performance.ipynb", "Part 2: performance against the plan",
                reads_returns=True, reads=(*_BASE, "returns")),
    SectionSpec("dashboard", "dashboard.ipynb", "Performance dashboard", "appendix",
                reads_returns=True, reads=(*_BASE, "returns", "home_office")),
    SectionSpec("recorded-crime", "recorded_crime.ipynb", "Recorded crime"),
    SectionSpec("priority", "priority.ipynb", "Priority", reads_returns=True, per_priority=True,
                reads=(*_BASE, "returns"), extra_parameters={"priority_id": "tackle-crime"}),
    # the detail behind each priority page, appended (pcc_report.main_paper)
    SectionSpec("comparisons", "priority_detail.ipynb", "Priority detail", "appendix",
                reads_returns=True, per_priority=True, reads=(*_BASE, "returns", "breakdowns"),
                extra_parameters={"priority_id": "tackle-crime"}),
    SectionSpec("districts", "districts.ipynb", "Districts", "appendix"),
    SectionSpec("outcomes", "outcomes.ipynb", "Outcomes", "appendix"),
    SectionSpec("part3", "part3.ipynb",
                "Part 3: the Commissioner's activity, funding and forthcoming scrutiny",
                reads_returns=True, reads=(*_BASE, "funding", "scrutiny-plan")),
    SectionSpec("definitions", "definitions.ipynb", "Measure definitions", "appendix",
                reads_returns=True),
    SectionSpec("data-quality", "data_quality.ipynb", "Data quality and validation", "appendix",
                reads=(*_BASE, "validation", "suites")),
    SectionSpec("audit-trail", "audit_trail.ipynb", "Audit trail", "appendix",
                reads=(*_BASE, "provenance")),
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
