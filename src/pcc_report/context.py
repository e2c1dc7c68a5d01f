"""What every section notebook starts from, built from its papermill parameters alone.

A notebook's parameters (force, quarter, period end, data folder, incomplete months) are
the whole of its input besides the report folder's data, so re-executing it with the
recorded parameters reproduces it. This module turns them into the loaded table, the
windows and the output helpers, keeping that set-up out of the notebooks.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from pcc_report import catalogue, measures, returns, sections
from pcc_report.config import ForceConfig, Priority, load_force_config
from pcc_report.crime import load_tidy
from pcc_report.periods import Month, Quarter, Window, report_windows
from pcc_report.present import Outputs
from pcc_report.tables import INCOMPLETE

TIDY_FILE = "street_monthly.parquet"
INPUTS_FILE = "inputs.json"
PROVENANCE_FILE = "provenance.json"


@dataclass
class SectionContext:
    force: ForceConfig
    quarter: Quarter
    period_end: Month
    windows: dict[str, Window]
    tidy: pd.DataFrame
    data_dir: Path
    incomplete_months: tuple[str, ...]
    meeting: str | None
    edition: str
    out: Outputs

    @classmethod
    def load(
        cls,
        force: str,
        quarter: str,
        period_end: str,
        data_dir: str,
        incomplete_months: list[str] | tuple[str, ...] = (),
        meeting: str | None = None,
        edition: str = "public",
    ) -> SectionContext:
        data = Path(data_dir)
        inputs = json.loads((data / INPUTS_FILE).read_text(encoding="utf-8"))
        config = load_force_config(force, falls_within=inputs.get("falls_within"))
        return cls(
            force=config,
            quarter=Quarter.parse(quarter),
            period_end=Month.parse(period_end),
            windows=report_windows(Month.parse(period_end), config.baseline_fy),
            tidy=load_tidy(data / TIDY_FILE),
            data_dir=data,
            incomplete_months=tuple(incomplete_months),
            meeting=meeting,
            edition=edition,
            out=Outputs(data / "tables"),
        )

    def missing_in(self, window: Window) -> list[str]:
        """Months of ``window`` with no data received (only under --allow-missing)."""
        months = {str(m) for m in window.months}
        return sorted(months.intersection(self.incomplete_months))

    def label(self, key: str) -> str:
        """A window's label, marked "incomplete data" when any of its months is missing.

        Every table header and sentence takes its period label from here, so a figure
        computed over fewer months can never appear without the mark.
        """
        window = self.windows[key]
        missing = self.missing_in(window)
        if not missing:
            return window.label
        return f"{window.label} ({INCOMPLETE}: no data for {', '.join(missing)})"

    @cached_property
    def assessments(self) -> measures.Assessments:
        """Every catalogue measure this edition shows, assessed over the report's windows.

        Force returns are read from ``data/returns`` in the report folder (copied there
        after validation); a return that was not supplied makes its measures "not
        available".
        """
        return self.assessed()

    def priority_assessments(self, priority: Priority) -> list[measures.MeasureAssessment]:
        """The assessed measures of one priority, in catalogue order: what ``assessments``
        holds for it.

        Only that priority's measures are assessed (a measure's assessment reads no other
        measure's), not every measure of the edition: a priority's page and its detail need
        a third of them, and assessing the rest was most of their sections' own time.
        """
        ids = [m.id for m in self._catalogue if m.priority == priority.id]
        return list(self.assessed(only=ids))

    @cached_property
    def _catalogue(self) -> list[catalogue.Measure]:
        return catalogue.load_catalogue(priorities=[p.id for p in self.force.priorities])

    def assessed(self, only: Collection[str] | None = None) -> measures.Assessments:
        """:attr:`assessments`, or only the measures with the ids in ``only`` (see
        :func:`pcc_report.measures.assess_all`)."""
        return measures.assess_all(
            self._catalogue,
            self.tidy,
            returns.load_returns(self.data_dir / "returns"),
            self.period_end,
            baseline_fy=self.force.baseline_fy,
            edition=self.edition,
            incomplete_months=self.incomplete_months,
            settings=measures.Settings(
                self.force.rating, self.force.spc_baseline_points, self.force.spc_changes
            ),
            only=only,
        )

    @cached_property
    def crime_type_mapping(self) -> dict[str, tuple[str, ...]]:
        """The catalogue's mapping of retired police.uk crime types onto today's."""
        return catalogue.load_crime_type_mapping()

    def priority_types(self, priority: Priority) -> tuple[str, ...]:
        """The crime types a priority counts: its plan's types and the retired types that
        held them (a plan names today's types; months before May 2013 hold the old ones)."""
        return catalogue.counted_types(priority.crime_types, self.crime_type_mapping)

    @property
    def priority_titles(self) -> dict[str, str]:
        return {p.id: p.title for p in self.force.priorities}

    def validation(self) -> dict:
        """The validation results written before the sections ran."""
        path = self.data_dir.parent / "validation" / "validation.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def source_note(self, template: str) -> str:
        """Which notebook and which inputs made this section: the reader's audit trail.

        What the section reads (the monthly table, and the force returns or not) is its
        registry entry's (:mod:`pcc_report.sections`), so the note cannot disagree with it.
        """
        inputs = self.inputs
        text = (
            f"Source: computed by the section notebook {template} (its executed copy is in "
            f"the report folder's notebooks folder) from the monthly table "
            f"data/{TIDY_FILE}, built from the {len(inputs['files'])} police.uk files "
            f"listed in the audit trail"
        )
        if sections.spec_for(template).reads_returns:
            supplied = ", ".join(inputs.get("returns") or []) or "none supplied"
            text += f", and the force returns ({supplied})"
        return text + ". Every table here is also in the report folder's data/tables as CSV."

    @property
    def provenance(self) -> dict:
        """Code version, environment, input hashes, validation outcome and commands."""
        return json.loads((self.data_dir / PROVENANCE_FILE).read_text(encoding="utf-8"))

    @property
    def evidence(self) -> dict | None:
        """The evidence digest and signing key (:mod:`pcc_report.evidence`), if recorded."""
        path = self.data_dir / "evidence.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @property
    def inputs(self) -> dict:
        return json.loads((self.data_dir / INPUTS_FILE).read_text(encoding="utf-8"))
