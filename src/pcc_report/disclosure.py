"""Small-number disclosure control for the breakdown tables of the public edition.

Why: a measure in the catalogue can carry a disclosure rule (counts below 5 in a district or
month breakdown are shown as "fewer than 5"). Hiding the small cell is not enough when the
table also shows a total, a change or a percentage: the hidden value could be worked out by
subtraction. :func:`suppress` hides the small cells (primary suppression), withholds the
derived cells beside them, and hides further cells (secondary suppression) until no hidden
count can be worked out from what is shown. It returns the display table and the list of
hidden cells with their reasons (for the manifest); the reasons never contain a value, so
the list can be published. The raw table stays with the caller, for the restricted edition.

The table model. A breakdown is one row per category (district or month), one or more count
columns (``value_columns``, e.g. "previous" and "latest"), optionally a total row (the sum of
the rows) and a total column (the sum of the count columns), and derived columns (change,
% change, rate, RAG) that are functions of their own row's counts. Every published relation
is then a line sum, so the table is a circulation in a network: body cell (i, j) is an arc
row_i -> column_j, row total i an arc hub -> row_i, column total j an arc column_j -> hub'
and the grand total an arc hub' -> hub. What the reader knows is: every shown cell, and for a
hidden cell the range its label implies: a primary cell is in [1, threshold - 1] ([0, ...] if
zeros are suppressed too), a secondary cell is at least the threshold (secondaries are only
chosen among shown non-zero cells, which are all >= threshold). A totals line that is not
published is unconstrained.

Why this is enough for these tables. A hidden cell is "pinned" (its value follows from what is
shown) exactly when no cycle of hidden cells through it can carry a small change within every
cell's range: that is the residual-graph test of network flows, exact for real completions,
and for integer ones too because network matrices are totally unimodular. The classic rule
"every hidden cell has another hidden cell in each of its published lines" is necessary but
not sufficient: two blocks joined by one hidden cell (a bridge) pin it, and the label ranges
can pin a pair (a "fewer than 5" beside a hidden 5 with their sum known: 1 + 5 = 6 forces 1
and 5). So the loop does not stop at two per line: while some hidden cell is pinned, it hides
the smallest shown cell (then the first row, then the first column; body cells before totals)
in a published line of the first pinned cell, and tests again. If no shown cell is left in
the lines of any pinned cell it raises :class:`DisclosureError` rather than publish: with zeros
shown this happens when hidden counts of at least 1 must add up to a small hidden total
(four 1s under a total "fewer than 5"); hiding zeros too (``suppress_zero``) avoids it.

Limits (say so when publishing):
* Only relations inside this table are seen. The same counts shown elsewhere (another table,
  a headline force total, quarters that add up to the 12 months, last quarter's edition) can
  undo the protection; suppress those consistently.
* "Not pinned" means at least two possible values, not a protection interval of a given width:
  a hidden 4 may be known to be 3 or 4.
* A reader who knows the selection rule (smallest first) also knows a secondary cell is no
  larger than the cells left shown in its line; the range test above does not model that.
* Greedy, not minimal: an optimiser could sometimes hide fewer cells.
* Derived columns are withheld for a whole row when any count in it is hidden; a derived
  column that mixes rows (a share of a total is fine; a rank is not) is not modelled.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["primary", "secondary", "derived"]
_RULE_KEYS = ("threshold", "suppress_zero", "label", "withheld_label")
_ROW_HUB, _COL_HUB = ("hub", "rows"), ("hub", "columns")


class DisclosureError(ValueError):
    """A disclosure rule or table that cannot be used; ``problems`` lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def _rule_problems(values: Mapping[str, object]) -> list[str]:
    """Every problem with the given rule fields (only the fields present are checked)."""
    problems = []
    threshold = values.get("threshold")
    if "threshold" in values:
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            problems.append(f"threshold must be a whole number, not {threshold!r}")
        elif threshold < 2:
            problems.append(f"threshold must be at least 2, not {threshold}")
        elif threshold == 2 and not values.get("suppress_zero", False):
            # with zeros shown, "fewer than 2" can only mean 1: the label would reveal it
            problems.append("threshold 2 with zeros shown reveals every hidden count as 1")
    if "suppress_zero" in values and not isinstance(values["suppress_zero"], bool):
        problems.append(f"suppress_zero must be true or false, not {values['suppress_zero']!r}")
    for key in ("label", "withheld_label"):
        if key in values and not (isinstance(values[key], str) and values[key].strip()):
            problems.append(f"{key} must be non-empty text, not {values[key]!r}")
    if values.get("label") and values.get("label") == values.get("withheld_label"):
        # a secondary cell may hold any count: calling it "fewer than 5" would be untrue
        problems.append("label and withheld_label must differ")
    return problems


@dataclass(frozen=True)
class DisclosureRule:
    """Counts strictly below ``threshold`` are hidden and shown as ``label``.

    Zeros are shown by default (``suppress_zero=False``), as official statistics in England and
    Wales usually publish true zeros; set it when a zero is itself sensitive. ``label``
    defaults to "fewer than <threshold>"; cells hidden only to protect others, and derived
    cells, show ``withheld_label``.
    """

    threshold: int
    suppress_zero: bool = False
    label: str = ""
    withheld_label: str = "withheld"

    def __post_init__(self) -> None:
        fields = {"threshold": self.threshold, "suppress_zero": self.suppress_zero,
                  "withheld_label": self.withheld_label}
        if self.label != "":
            fields["label"] = self.label
        problems = _rule_problems(fields)
        if problems:
            raise DisclosureError(problems)
        if self.label == "":
            object.__setattr__(self, "label", f"fewer than {self.threshold}")

    @classmethod
    def parse(cls, mapping: object) -> DisclosureRule:
        """Validate a catalogue entry such as ``{"threshold": 5}``, listing every problem."""
        if not isinstance(mapping, Mapping):
            raise DisclosureError([f"a disclosure rule must be a mapping, not {mapping!r}"])
        problems = [f"unknown key {key!r} (known: {', '.join(_RULE_KEYS)})"
                    for key in mapping if key not in _RULE_KEYS]
        if "threshold" not in mapping:
            problems.append("threshold is missing")
        problems += _rule_problems({k: v for k, v in mapping.items() if k in _RULE_KEYS})
        if problems:
            raise DisclosureError(problems)
        return cls(**{k: mapping[k] for k in _RULE_KEYS if k in mapping})

    @property
    def primary_range(self) -> tuple[int, int]:
        """What a reader knows of a cell showing ``label``."""
        return (0 if self.suppress_zero else 1, self.threshold - 1)

    def is_small(self, value: int) -> bool:
        """Whether a count is hidden by this rule itself (primary suppression)."""
        return value < self.threshold and (value > 0 or self.suppress_zero)

    def to_manifest(self) -> dict[str, object]:
        """The rule as the manifest records it."""
        return {"threshold": self.threshold, "suppress_zero": self.suppress_zero,
                "label": self.label, "withheld_label": self.withheld_label}


@dataclass(frozen=True)
class SuppressedCell:
    """One hidden cell: where it is and why, never its value."""

    row: Hashable
    column: str
    kind: Kind
    reason: str


@dataclass(frozen=True)
class SuppressedTable:
    """The public display table and the cells hidden in it, in table order."""

    display: pd.DataFrame
    cells: tuple[SuppressedCell, ...]
    rule: DisclosureRule

    def mask(self) -> pd.DataFrame:
        """True where a cell is hidden (same shape as ``display``)."""
        mask = pd.DataFrame(False, index=self.display.index, columns=self.display.columns)
        for cell in self.cells:
            mask.loc[cell.row, cell.column] = True
        return mask

    def manifest(self) -> dict[str, object]:
        """The rule and every hidden cell with its reason, safe to publish."""
        return {"rule": self.rule.to_manifest(),
                "suppressed": [{"row": str(c.row), "column": c.column, "reason": c.reason}
                               for c in self.cells]}


@dataclass
class _Arc:
    """A count cell as an arc of the circulation (``row`` None: a total not published)."""

    row: Hashable | None
    column: str | None
    tail: Hashable
    head: Hashable
    value: int
    key: tuple[int, int, int, int]  # candidate order: total?, value, row, column
    state: str = "shown"  # shown | primary | secondary | free
    reason: str = ""


def _check_table(table: pd.DataFrame, value_columns: Sequence[str],
                 derived_columns: Sequence[str], total_row: Hashable | None,
                 total_column: str | None) -> list[str]:
    """Every problem that stops the table being protected as described."""
    problems = []
    counts = list(value_columns) + ([total_column] if total_column is not None else [])
    declared = counts + list(derived_columns)
    if not value_columns:
        problems.append("value_columns is empty")
    if len(set(declared)) != len(declared):
        problems.append("a column is declared more than once")
    problems += [f"column {c!r} is not in the table" for c in declared if c not in table.columns]
    problems += [f"column {c!r} is not declared: say whether it is a count or derived from one"
                 for c in table.columns if c not in declared]
    if not table.index.is_unique:
        problems.append("row keys are not unique")
    if total_row is not None and total_row not in table.index:
        problems.append(f"total row {total_row!r} is not in the table")
    if problems:
        return problems
    for c in counts:
        col = pd.to_numeric(table[c], errors="coerce")
        if col.isna().any() or (col < 0).any() or (col % 1 != 0).any():
            problems.append(f"column {c!r} must hold non-negative whole counts")
    if problems:
        return problems
    body = table.drop(index=total_row) if total_row is not None else table
    if total_row is not None:
        problems += [f"total row {total_row!r} is not the sum of the rows in {c!r}"
                     for c in counts if table.at[total_row, c] != body[c].sum()]
    if total_column is not None:
        problems += [f"total column {total_column!r} is not the sum of the counts in row {r!r}"
                     for r in table.index
                     if table.at[r, total_column] != table.loc[r, list(value_columns)].sum()]
    return problems


def _reaches(arcs: list[_Arc], bounds: dict[str, tuple[float, float]], start: Hashable,
             goal: Hashable, skip: int) -> bool:
    """Whether the residual graph of the hidden and unpublished cells joins start to goal."""
    graph: dict[Hashable, list[Hashable]] = {}
    for n, arc in enumerate(arcs):
        if n == skip or arc.state == "shown":
            continue
        low, high = bounds[arc.state]
        if arc.value < high:
            graph.setdefault(arc.tail, []).append(arc.head)
        if arc.value > low:
            graph.setdefault(arc.head, []).append(arc.tail)
    seen, todo = {start}, deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            return True
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _pinned(arcs: list[_Arc], bounds: dict[str, tuple[float, float]], n: int) -> bool:
    """Whether hidden cell ``n`` can neither rise nor fall in any consistent completion."""
    arc = arcs[n]
    low, high = bounds[arc.state]
    up = arc.value < high and _reaches(arcs, bounds, arc.head, arc.tail, n)
    down = arc.value > low and _reaches(arcs, bounds, arc.tail, arc.head, n)
    return not (up or down)


def suppress(table: pd.DataFrame, rule: DisclosureRule, *, value_columns: Sequence[str],
             derived_columns: Sequence[str] = (), total_row: Hashable | None = None,
             total_column: str | None = None) -> SuppressedTable:
    """Hide small counts, and whatever would reveal them, in a breakdown table.

    ``table`` has one row per category (its index is the row key), the count columns
    ``value_columns``, the ``derived_columns`` computed from each row's counts (change,
    % change), optionally the row ``total_row`` (sum of the other rows, in every count column)
    and the column ``total_column`` (sum of the value columns, in every row). Every column must
    be declared, so that nothing revealing is passed through by mistake. Totals are counts
    like any other: a total below the threshold is hidden too. Raises :class:`DisclosureError`
    listing every problem with the table. See the module docstring for the rules and limits.
    """
    problems = _check_table(table, value_columns, derived_columns, total_row, total_column)
    if problems:
        raise DisclosureError(problems)
    t = rule.threshold
    bounds = {"primary": rule.primary_range, "secondary": (t, float("inf")),
              "free": (0, float("inf"))}
    position = {r: p for p, r in enumerate(table.index)}
    colpos = {c: p for p, c in enumerate(table.columns)}
    body = [r for r in table.index if r != total_row]
    values = list(value_columns)

    def arc(row: Hashable, column: str | None, tail: Hashable, head: Hashable, value: int,
            published: bool, margin: bool) -> _Arc:
        if not published:
            return _Arc(None, None, tail, head, int(value), (1, 0, 0, 0), state="free")
        key = (int(margin), int(value), position[row], colpos[column])
        return _Arc(row, column, tail, head, int(value), key)

    has_rows, has_cols = total_row is not None, total_column is not None
    sums = table.loc[body, values]
    arcs = [arc(r, c, ("row", i), ("col", j), table.at[r, c], True, False)
            for i, r in enumerate(body) for j, c in enumerate(values)]
    arcs += [arc(r, total_column, _ROW_HUB, ("row", i), sums.loc[r].sum(), has_cols, True)
             for i, r in enumerate(body)]
    arcs += [arc(total_row, c, ("col", j), _COL_HUB, sums[c].sum(), has_rows, True)
             for j, c in enumerate(values)]
    arcs.append(arc(total_row, total_column, _COL_HUB, _ROW_HUB, sums.to_numpy().sum(),
                    has_rows and has_cols, True))

    def line(node: Hashable) -> str | None:
        """The published total whose line meets at ``node``, if any."""
        if node[0] == "row":
            return "row total" if has_cols else None
        if node[0] == "col":
            return "column total" if has_rows else None
        return "grand total" if has_rows and has_cols else None

    for a in arcs:
        if a.state == "shown" and rule.is_small(a.value):
            a.state, a.reason = "primary", f"primary: below {t}"

    while True:
        hidden = sorted((n for n, a in enumerate(arcs) if a.state in ("primary", "secondary")),
                        key=lambda n: (arcs[n].key[2], arcs[n].key[3]))
        pinned = [n for n in hidden if _pinned(arcs, bounds, n)]
        if not pinned:
            break
        choice = None
        for n in pinned:
            options = [(arcs[m].key, m, line(node)) for node in (arcs[n].tail, arcs[n].head)
                       if line(node) for m, a in enumerate(arcs)
                       if node in (a.tail, a.head) and a.state == "shown" and a.value >= t]
            if options:
                _, m, via = min(options)
                choice = (m, n, via)
                break
        if choice is None:
            raise DisclosureError([
                f"{arcs[n].row}/{arcs[n].column} is still revealed with every cell in its lines "
                "hidden: the label ranges pin it (e.g. with zeros shown, hidden counts of at "
                "least 1 adding up to a hidden total below the threshold); hide zeros too "
                "(suppress_zero) or publish the total without its breakdown" for n in pinned])
        m, n, via = choice
        arcs[m].state = "secondary"
        arcs[m].reason = f"secondary: protects {arcs[n].row}/{arcs[n].column} from the {via}"

    found = {(a.row, a.column): a for a in arcs if a.state in ("primary", "secondary")}
    cells = [SuppressedCell(r, c, a.state, a.reason) for (r, c), a in found.items()]
    for r in table.index:
        first = min((key for key in found if key[0] == r), key=lambda k: colpos[k[1]],
                    default=None)
        if first is not None:
            cells += [SuppressedCell(r, c, "derived", f"derived: would reveal {r}/{first[1]}")
                      for c in derived_columns]
    cells.sort(key=lambda cell: (position[cell.row], colpos[cell.column]))

    display = table.copy()
    for column in {cell.column for cell in cells}:
        display[column] = display[column].astype(object)
    for cell in cells:
        display.at[cell.row, cell.column] = (rule.label if cell.kind == "primary"
                                             else rule.withheld_label)
    return SuppressedTable(display, tuple(cells), rule)
