"""The demonstration report's narrative: fictional prose for Demoshire, written by the code.

Why: ``make report`` should show the whole panel paper (front sheet of a meeting, executive
summary, Part 1 progress per priority, Part 3), not boxes saying the narrative is missing.
The prose reads like the real papers' Part 1 (``../shared/seeds``), names no real person or
place and says on every piece that it is demonstration text. Every number in it is a
placeholder (:mod:`pcc_report.placeholders`), so it always matches the demonstration data
the tables are computed from.
"""

from __future__ import annotations

from pathlib import Path

from pcc_report.front_matter import FILE_NAME as FRONT_SHEET
from pcc_report.narrative_files import PART3, SUMMARY, part1_name

LABEL = "*Demonstration text: fictional, written by pcc-report for the demonstration report.*"

SUMMARY_TEXT = f"""## Executive summary

{LABEL}

The purpose of this report is to provide Members of the Panel with an update on progress in
delivering the Police and Crime Plan for Demoshire, including the performance against the
measures in the Plan and a brief outline of other key activity of the Commissioner.

Recorded crime (excluding anti-social behaviour) was {{{{ all-crime.latest_12 }}}} in the
latest 12 months, {{{{ all-crime.change }}}} on the previous 12 months. Anti-social behaviour
incidents were {{{{ asb-incidents.latest_12 }}}} ({{{{ asb-incidents.change }}}}). The
Commissioner continues to hold the Chief Constable to account for these figures at the
quarterly Strategic Scrutiny meeting.
"""

PART1: dict[str, str] = {
    "tackle-crime": f"""## Progress against the priority

{LABEL}

1. Burglary remains the Commissioner's first concern in this priority. There were
   {{{{ burglary.latest_12 }}}} burglaries in the latest 12 months,
   {{{{ burglary.change }}}} on the previous 12 months, rated {{{{ burglary.rating }}}}. The
   monthly figures show {{{{ burglary.spc }}}}.
2. Shoplifting was {{{{ shoplifting.latest_12 }}}} ({{{{ shoplifting.change }}}}); the
   Constabulary's retail crime team has met the town centre business partnerships twice
   this quarter.
3. Vehicle crime stood at {{{{ vehicle-crime.latest_12 }}}} in the latest 12 months and
   {{{{ vehicle-crime.latest_quarter }}}} in the latest quarter.

### Activity this quarter

- The *Safer Homes* scheme fitted locks for repeat burglary victims in two districts.
- The Commissioner's Community Safety Fund supported three youth diversion projects.
""",
    "protect-vulnerable": f"""## Progress against the priority

{LABEL}

1. Violence and sexual offences were {{{{ violence-sexual-offences.latest_12 }}}} in the
   latest 12 months, {{{{ violence-sexual-offences.change }}}} on the previous 12 months
   ({{{{ violence-sexual-offences.rating }}}}).
2. Domestic abuse referrals to support services were
   {{{{ domestic-abuse-referrals.latest_12 }}}}; an increase in referrals is the aim, as it
   shows that victims are reaching help.
3. Victim satisfaction was {{{{ victim-satisfaction.latest_12 }}}}, against
   {{{{ victim-satisfaction.previous_12 }}}} in the previous 12 months.

### Activity this quarter

- The Independent Domestic Violence Advisers service was recommissioned for three years.
- Hate crime reports were {{{{ hate-crime-reports.latest_12 }}}}; the third-party reporting
  centres are promoted during Hate Crime Awareness Week.
""",
    "safer-communities": f"""## Progress against the priority

{LABEL}

1. Anti-social behaviour incidents were {{{{ asb-incidents.latest_12 }}}} in the latest 12
   months, {{{{ asb-incidents.change }}}} ({{{{ asb-incidents.rating }}}}).
2. Drug offences were {{{{ drugs.latest_12 }}}}; more proactive policing raises these
   figures, so they are read with the neighbourhood teams' activity.
3. Public confidence was {{{{ public-confidence.latest_12 }}}} in the latest 12 months.
4. 999 calls answered within the target time: {{{{ calls-999.latest_12 }}}}
   ({{{{ calls-999.rating }}}}); 101 calls: {{{{ calls-101.latest_12 }}}}.

### Activity this quarter

- Police officer numbers stood at {{{{ police-officers.latest_quarter }}}} at the end of the
  quarter.
- The Commissioner visited all four neighbourhood policing teams.
""",
}

PART3_TEXT = f"""## Commissioner's activity

{LABEL}

The Commissioner attended the regional collaboration board and the Local Criminal Justice
Board, and took part in two public engagement events in market towns of the county.

## Forthcoming events

- The Commissioner's annual report is presented to the Panel at its next meeting.
- Public consultation on the police precept opens in December.
"""

FRONT_SHEET_TEXT = """# Front sheet of the demonstration report's meeting (fictional)
meeting_date: 12 December 2022
agenda_item: 7
author: Performance and Evaluation Analyst, OPCC (demonstration)
contact: performance@demoshire-pcc.example
publication_status: Open (demonstration report)
"""


def generate_narrative(out_dir: Path) -> list[Path]:
    """Write the demonstration narrative folder (``out_dir``); return the files written."""
    out_dir = Path(out_dir)
    files = {SUMMARY: SUMMARY_TEXT, PART3: PART3_TEXT, FRONT_SHEET: FRONT_SHEET_TEXT,
             **{part1_name(pid): text for pid, text in PART1.items()}}
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
