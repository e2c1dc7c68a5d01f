"""The independent check of small-number suppression, shared by the unit and e2e tests.

From the *public* output only (display table, labels), a linear program is built from the
published totals and derived cells, and each hidden cell is minimised and maximised with
scipy's linprog; a protected cell has at least two possible values.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog


def ranges(display, rule, value_columns, total_row=None, total_column=None):
    """(min, max) of every hidden count over all completions consistent with the display.

    Knows only what a reader knows: shown cells, "fewer than t" = [lo, t-1], "withheld" count
    = at least t (the strongest reading), the line sums declared by the table's shape, and
    any change (latest - previous) and % change still shown.
    """
    counts = list(value_columns) + ([total_column] if total_column else [])
    unknown = [(r, c) for r in display.index for c in counts if isinstance(display.at[r, c], str)]
    if not unknown:
        return {}
    index = {cell: k for k, cell in enumerate(unknown)}
    lo = 0 if rule.suppress_zero else 1

    def term(r, c):  # (coefficients, constant) of one cell
        coef = np.zeros(len(unknown))
        if (r, c) in index:
            coef[index[(r, c)]] = 1.0
            return coef, 0.0
        return coef, float(display.at[r, c])

    rows_a, rows_b = [], []

    def equal(terms_left, terms_right):
        coef = sum(t[0] for t in terms_left) - sum(t[0] for t in terms_right)
        const = sum(t[1] for t in terms_left) - sum(t[1] for t in terms_right)
        rows_a.append(coef)
        rows_b.append(-const)

    body = [r for r in display.index if r != total_row]
    if total_row is not None:
        for c in counts:
            equal([term(r, c) for r in body], [term(total_row, c)])
    if total_column is not None:
        for r in display.index:
            equal([term(r, c) for c in value_columns], [term(r, total_column)])
    for r in display.index:
        if "change" in display.columns and not isinstance(display.at[r, "change"], str):
            change = float(display.at[r, "change"])
            equal([term(r, "latest")], [term(r, "previous"), (np.zeros(len(unknown)), change)])
        if "pct" in display.columns and not isinstance(display.at[r, "pct"], str):
            pct = float(display.at[r, "pct"])
            if not math.isnan(pct):  # 100 * (latest - previous) = pct * previous
                latest, previous = term(r, "latest"), term(r, "previous")
                coef = 100 * latest[0] - (100 + pct) * previous[0]
                const = 100 * latest[1] - (100 + pct) * previous[1]
                rows_a.append(coef)
                rows_b.append(-const)
    bounds = [(lo, rule.threshold - 1) if display.at[r, c] == rule.label else (rule.threshold, None)
              for r, c in unknown]
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(rows_b) if rows_b else None
    out = {}
    for k, cell in enumerate(unknown):
        found = []  # [min, max]
        for sign in (1, -1):
            objective = np.zeros(len(unknown))
            objective[k] = sign
            res = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded above: as free as it gets
                found.append(-sign * math.inf)
                continue
            assert res.status == 0, res.message
            found.append(sign * res.fun)
        out[cell] = (found[0], found[1])
    return out
