"""The report's editions: what the public edition may hold and what only the restricted one may.

Why a module of its own: one run can build both editions side by side
(``rN/public/`` and ``rN/RESTRICTED-not-for-publication/``), and the public one goes on the
website. Every rule that decides what an edition holds is here, so that the build, the book and
the tests read the same rules:

* A return that feeds only ``restricted`` measures (partner data with no agreement to publish)
  is *withheld* from the public edition: not validated for it, not copied into its folder, not
  opened by any of its sections, and not hashed in its manifest (the hash of a small CSV can be
  brute-forced); the manifest names it and says why (:func:`withheld_returns`).
* A return behind a measure with a disclosure rule (a district breakdown of small counts) is
  copied into the public edition only at force level: the same columns with every district
  summed per month (:func:`force_level`), which the public edition publishes anyway as the
  measure's monthly figures. Its breakdown table is published after small-number suppression
  (:func:`pcc_report.disclosure.suppress`), and every hidden cell is listed, never its value.
* The restricted edition shows everything, unsuppressed, and says so on every page.

:func:`prepare_data` writes one edition's returns and breakdown tables; it is pure apart from
the files it writes into the folder it is given.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pcc_report import measures, returns
from pcc_report.catalogue import Measure, in_edition
from pcc_report.disclosure import DisclosureError, DisclosureRule, suppress
from pcc_report.periods import Window

RESTRICTED_BANNER = "RESTRICTED: not for publication"
#: What a force-level copy of a disclosure-controlled return puts in its breakdown column.
ALL_DISTRICTS = "All districts"
BREAKDOWNS_DIR = "breakdowns"
SUPPRESSED_FILE = "suppressed.json"


@dataclass(frozen=True)
class Edition:
    """One edition: its name, its folder in the revision, and what it may show.

    ``banner`` is shown on every HTML page and in every PDF page header (None: no banner);
    ``shows_restricted`` says restricted measures and their returns are included;
    ``raw_breakdowns`` says breakdown tables are shown unsuppressed and raw district returns
    are copied.
    """

    name: str
    folder: str
    banner: str | None
    shows_restricted: bool
    raw_breakdowns: bool

    def pdf_name(self, force: str, quarter: str) -> str:
        """The PDF's file name; the restricted one says so, so a copy is marked by its name."""
        suffix = "-RESTRICTED" if self.banner else ""
        return f"{force}-{quarter}{suffix}.pdf"


PUBLIC = Edition("public", "public", None, shows_restricted=False, raw_breakdowns=False)
RESTRICTED = Edition("restricted", "RESTRICTED-not-for-publication", RESTRICTED_BANNER,
                     shows_restricted=True, raw_breakdowns=True)
EDITIONS: dict[str, Edition] = {e.name: e for e in (PUBLIC, RESTRICTED)}
#: What ``--edition`` accepts: one edition, or both.
CHOICES: tuple[str, ...] = ("public", "restricted", "both")


def editions_for(choice: str) -> list[Edition]:
    """The editions one run builds, public first."""
    if choice == "both":
        return [PUBLIC, RESTRICTED]
    if choice not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(CHOICES)}, not {choice!r}")
    return [EDITIONS[choice]]


def edition_folders(revision_dir: Path) -> list[Path]:
    """The edition folders inside a revision folder, in :data:`EDITIONS` order."""
    return [revision_dir / e.folder for e in EDITIONS.values()
            if (revision_dir / e.folder).is_dir()]


# --------------------------------------------------------------------------------------------
# Which returns an edition may hold


def withheld_returns(catalogue: Iterable[Measure], edition: Edition) -> dict[str, str]:
    """Return name -> reason, for the returns that feed only measures this edition withholds.

    A return that no measure uses is not withheld (it is not restricted data); one that feeds
    a measure the edition shows is needed and is kept.
    """
    measured = list(catalogue)
    shown, withheld = in_edition(measured, "restricted" if edition.shows_restricted else "public")
    needed = {m.source for m in shown}
    found: dict[str, str] = {}
    for measure in withheld:
        if measure.source in needed or measure.source in found:
            continue
        found[measure.source] = (
            "feeds only restricted measures: partner data that may not be published")
    return {name: found[name] for name in returns.RETURNS if name in found}


def disclosure_measures(catalogue: Iterable[Measure], edition: Edition) -> list[Measure]:
    """The measures this edition shows that have a breakdown table, in catalogue order."""
    shown, _ = in_edition(catalogue, "restricted" if edition.shows_restricted else "public")
    return [m for m in shown if m.breakdown is not None]


def force_level(raw: pd.DataFrame, source: str, breakdown: str) -> pd.DataFrame:
    """A return with its ``breakdown`` column summed away: one row per remaining key.

    ``raw`` is the return as text (every column a string, as in the file). Count columns are
    summed; other columns (the month, any filter column) are kept as keys; the breakdown
    column says :data:`ALL_DISTRICTS`. An empty count stays empty only if every count it
    sums is empty. Row order follows the first appearance of each key, columns the file's.
    """
    kinds = returns.RETURN_COLUMNS[source]
    counts = [c for c in raw.columns if kinds.get(c) == "int"]
    others = [c for c in raw.columns if c != breakdown and c not in counts]
    if any(kinds.get(c) == "float" for c in others):
        raise ValueError(f"{source}: a force-level copy can only sum whole counts")
    frame = raw.copy()
    for column in counts:
        frame[column] = pd.to_numeric(frame[column].replace("", pd.NA)).astype("Int64")
    summed = frame.groupby(others, sort=False, dropna=False)[counts].sum(min_count=1)
    summed = summed.reset_index()
    summed[breakdown] = ALL_DISTRICTS
    return summed[list(raw.columns)]


# --------------------------------------------------------------------------------------------
# One edition's data folder


@dataclass
class EditionData:
    """What :func:`prepare_data` wrote and what the edition's manifest says about it."""

    returns: list[str] = field(default_factory=list)  # file names copied into data/returns
    raw_inputs: list[str] = field(default_factory=list)  # returns whose input hash may be listed
    withheld: list[dict] = field(default_factory=list)  # {input, reason}
    suppressed: list[dict] = field(default_factory=list)  # {table, row, column, reason}
    breakdowns: list[dict] = field(default_factory=list)  # one summary per breakdown table

    def manifest_block(self, edition: Edition) -> dict:
        """The manifest's ``edition`` entry: no value and no hash of anything withheld."""
        return {"name": edition.name, "banner": edition.banner, "withheld": self.withheld,
                "suppressed": self.suppressed, "breakdowns": self.breakdowns}


def _read_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def prepare_data(
    edition: Edition,
    catalogue: Sequence[Measure],
    returns_dir: Path | None,
    data_dir: Path,
    window: Window,
) -> EditionData:
    """Write ``data/returns`` and ``data/breakdowns`` of one edition from the validated returns.

    Only known returns present in ``returns_dir`` are considered. Withheld returns are never
    opened. A return behind a breakdown measure is copied raw into the restricted edition and
    at force level into the public one; each breakdown table (``window``'s months by district)
    is written to ``data/breakdowns/<measure id>.csv``, suppressed in the public edition, and
    ``data/breakdowns/suppressed.json`` lists every table's status and hidden cells.
    """
    result = EditionData()
    (data_dir / "returns").mkdir(parents=True)
    out = data_dir / BREAKDOWNS_DIR
    out.mkdir()
    present = [] if returns_dir is None else [
        name for name in returns.RETURNS if (Path(returns_dir) / f"{name}.csv").is_file()]
    withheld = withheld_returns(catalogue, edition)
    with_breakdown = disclosure_measures(catalogue, edition)
    controlled = {m.source: m for m in with_breakdown if not edition.raw_breakdowns}
    for name in present:
        file_name, source = f"{name}.csv", Path(returns_dir) / f"{name}.csv"
        if name in withheld:
            result.withheld.append({"input": f"returns/{file_name}", "reason": withheld[name]})
            continue
        result.returns.append(file_name)
        if name in controlled:
            measure = controlled[name]
            _write_csv(force_level(_read_text(source), name, measure.breakdown),
                       data_dir / "returns" / file_name)
            result.withheld.append({
                "input": f"returns/{file_name}",
                "reason": f"{measure.breakdown}-level counts under disclosure control: this "
                f"edition holds its force-level totals (data/returns/{file_name})"})
        else:
            shutil.copy(source, data_dir / "returns" / file_name)
            result.raw_inputs.append(file_name)
    for measure in with_breakdown:
        if measure.source not in present:
            continue
        raw = returns.read_return(Path(returns_dir) / f"{measure.source}.csv", measure.source)
        summary, cells = _write_breakdown(edition, measure, raw, window, out)
        result.breakdowns.append(summary)
        result.suppressed += cells
    (out / SUPPRESSED_FILE).write_text(
        json.dumps({"edition": edition.name, "tables": result.breakdowns}, indent=2) + "\n",
        encoding="utf-8")
    return result


def _write_breakdown(
    edition: Edition, measure: Measure, raw: pd.DataFrame, window: Window, out: Path
) -> tuple[dict, list[dict]]:
    """One breakdown table into ``out``: its summary for suppressed.json and its hidden cells."""
    summary: dict = {"table": measure.id, "measure": measure.title, "window": window.label,
                     "by": measure.breakdown, "rule": None, "status": "unsuppressed",
                     "reason": None, "suppressed": []}
    try:
        table = measures.breakdown_table(measure, raw, window)
    except ValueError as exc:
        summary.update(status="withheld", reason=f"the table could not be made: {exc}")
        return summary, []
    if edition.raw_breakdowns or measure.disclosure_threshold is None:
        _write_csv(table.reset_index(), out / f"{measure.id}.csv")
        return summary, []
    rule = DisclosureRule(measure.disclosure_threshold)
    summary["rule"] = rule.to_manifest()
    months = [str(m) for m in window.months]
    try:
        done = suppress(table, rule, value_columns=months, total_row=measures.TOTAL,
                        total_column=measures.TOTAL)
    except DisclosureError as exc:
        summary.update(status="withheld", reason=f"the table cannot be protected: {exc}")
        return summary, []
    _write_csv(done.display.reset_index(), out / f"{measure.id}.csv")
    cells = [{"table": measure.id, "row": str(c.row), "column": c.column, "reason": c.reason}
             for c in done.cells]
    summary.update(status="suppressed", suppressed=[
        {k: v for k, v in c.items() if k != "table"} for c in cells])
    return summary, cells


def read_breakdowns(data_dir: Path) -> dict:
    """The edition's ``suppressed.json`` (tables and their status); empty when absent."""
    path = Path(data_dir) / BREAKDOWNS_DIR / SUPPRESSED_FILE
    if not path.is_file():
        return {"edition": None, "tables": []}
    return json.loads(path.read_text(encoding="utf-8"))
