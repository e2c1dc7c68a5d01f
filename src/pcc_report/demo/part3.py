"""Demonstration Part 3 returns: the Commissioner's funding and the forward scrutiny plan.

Fictional, like every demonstration return (see :mod:`pcc_report.demo`). The funding goes to
the districts named in Demoshire's configuration (``config/forces/demoshire.yml``), as in the
Lancashire 2015 paper: £10,000 to each district's community safety partnership, with a 20%
uplift for two that work together (one joint row, "Kingsford Vale & Southmere"), and two
projects that are not districts. Spending is a deterministic share of each allocation, in
whole pence, so spent + available is the allocation exactly. The scrutiny plan lists the
scrutiny meetings around the data's last month (the report shows those after its period).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from pcc_report.config import load_force_config
from pcc_report.demo.street import FORCE_SLUG
from pcc_report.periods import Month

DISTRICT_ALLOCATION_PENCE = 1_000_000  # £10,000 per district
JOINT = ("Kingsford Vale", "Southmere")  # funded together, with a 20% uplift
PROJECTS: dict[str, int] = {  # project: allocation in pence
    "Demoshire Youth Diversion Scheme": 1_500_000,
    "Rural Crime Watch (Demoshire)": 650_000,
}
# (months after the last data month, theme, lead, areas, rationale): with the default months
# (to March 2023), meetings in July and November 2022, February and May 2023, so a report for
# July to September 2022 shows the three after it and leaves out July's.
SCRUTINY: tuple[tuple[int, str, str, str, str], ...] = (
    (-8, "Answer the public", "Chief Superintendent (Contact Management)",
     "999 call answering in the summer peak",
     "999 calls answered within 10 seconds fell below the target in June"),
    (-4, "Tackle crime", "Assistant Chief Constable (Local Policing)",
     "Vehicle crime in Kingsford Vale; repeat burglary victims",
     "Vehicle crime in Kingsford Vale has risen for nine months (special cause concern)"),
    (-4, "Support victims", "Head of Victim Services, OPCC",
     "Victim satisfaction by crime group; referrals to support services",
     "Satisfaction of victims of violent crime is lower than last year"),
    (-1, "Keep people safe", "Detective Chief Superintendent (Public Protection)",
     "Domestic abuse referrals; hate crime reporting by district",
     "Standing item: quarterly review of protecting vulnerable people"),
    (2, "Answer the public", "Chief Superintendent (Contact Management)",
     "101 call answering against the 80% target; online reporting",
     "101 calls are answered within 40 seconds less often than the target"),
)


def funding_rows(last_month: int, rng: np.random.Generator,
                 force: str = FORCE_SLUG) -> list[tuple]:
    """One row per district of ``force``'s configuration (Demoshire's joint pair as one row)
    and project, for the last month's financial year; spent is 10% to 90% of the allocation,
    in whole pence. Another force's districts let its real police.uk files be reported with
    demonstration returns."""
    month = Month.from_index(last_month)
    year = f"{month.financial_year_start}-{(month.financial_year_start + 1) % 100:02d}"
    joint = " & ".join(JOINT)
    recipients: list[tuple[str, str, int]] = []
    for name in load_force_config(force).districts:
        if name == JOINT[0]:
            recipients.append((joint, "district", DISTRICT_ALLOCATION_PENCE * 2 * 12 // 10))
        elif name not in JOINT:
            recipients.append((name, "district", DISTRICT_ALLOCATION_PENCE))
    recipients += [(name, "project", pence) for name, pence in PROJECTS.items()]
    rows = []
    for name, kind, allocation in recipients:
        spent = int(allocation * rng.uniform(0.1, 0.9))
        rows.append((year, name, kind, _pounds(allocation), _pounds(spent),
                     _pounds(allocation - spent)))  # fmt: skip
    return rows


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def scrutiny_rows(last_month: int, rng: np.random.Generator) -> list[tuple]:
    """The forward scrutiny plan: meetings around the last month (see :data:`SCRUTINY`), on
    weekdays."""
    meetings: dict[int, date] = {}
    rows = []
    for ahead, theme, lead, areas, rationale in SCRUTINY:
        if ahead not in meetings:  # one meeting a month, several themes at it
            month = Month.from_index(last_month + ahead)
            day = date(month.year, month.month, int(rng.integers(8, 22)))
            while day.weekday() >= 5:  # meetings are on weekdays
                day = date.fromordinal(day.toordinal() + 1)
            meetings[ahead] = day
        rows.append((meetings[ahead].isoformat(), theme, lead, areas, rationale))
    return rows
