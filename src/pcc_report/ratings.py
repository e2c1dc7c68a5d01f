"""RAG ratings, direction arrows and survey significance for the performance tables.

Why: the panel's performance table rates each measure against a comparator (the previous
12 months, last financial year, a baseline year) in the Lancashire style, and survey
measures are only called better or worse when the change is statistically significant.
These rules decide what councillors are told, so every one of them lives here, as small
pure functions with their conventions spelt out:

* **The RAG key** (:data:`RAG_KEY`, stated in the book by :func:`rag_key`): Green = better
  than the comparator, or no significant change; Amber = significantly worse, but within the
  measure's tolerance; Red = significantly worse beyond it.
* **Polarity** decides "better": fewer is better (``lower_is_better``), more is better
  (``higher_is_better``), more reporting is the aim (``increase_is_aim``, rated like higher
  is better) or no preferred direction (``neutral``: "Not rated", direction only).
* **Missing figures** are "Not available", never zero.
* **The significance rule** (:data:`SIGNIFICANCE`, the default; :func:`significance_rating`).
  A change is rated worse (Amber or Red) only when it is in the bad direction *and*
  statistically significant at 95%; otherwise it is "no significant change", shown Green.
  DOMAIN: 256 robberies becoming 279 is within chance (p = 0.33) and a 0.0007-point change
  in 999 call handling is no change, so neither may be called a worsening. The test depends
  on what is measured (:func:`change_test`):

  - counts (crimes, incidents, referrals): the exact test for the ratio of two Poisson
    counts, conditional on their total (:func:`poisson_change`);
  - survey percentages: the two-proportion z-test on respondents (:func:`proportion_change`);
  - call-handling and other percentages of events: the same two-proportion test on the
    events (calls answered within target out of calls offered);
  - snapshots (officers in post) and means (mean answer time) are not samples of events
    and have no such test: they are rated by the simple rule, and the notes say so.

  Amber and Red then keep their Lancashire meaning: a significant worsening within the
  measure's tolerance is Amber, beyond it Red.
* **The simple rule** (:data:`SIMPLE`, ``rating: simple`` for a measure in the catalogue or
  for a force in its configuration; :func:`compare`): the plain rule of the Lancashire
  papers. Green = at or better than the comparator; Amber = worse within the tolerance;
  Red = worse beyond it, whatever the size of the samples.
* **The incomplete-data override** (:func:`rate`, ``partial_total``): a total over fewer
  months than its window is not rated. A total over 11 months compared with one over 12
  would look like a fall: a false "improvement" for crime. The rating is "Not available"
  (the tables still show the values, marked "incomplete data"). Percentages and snapshots
  over the months present remain fair estimates, so they are rated (and marked).
* **False alarms** (:func:`false_alarms`): every test at 95% has a 5% chance of calling a
  change significant when nothing changed, so a report making many tests will show some;
  the method notes state how many tests the report makes and what that means.
* Every rating carries its RAG word and an arrow, so that nothing is conveyed by colour
  alone (WCAG 2.2 AA, 1.4.1); the book's stylesheet colours cells from that word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

Polarity = Literal["higher_is_better", "lower_is_better", "increase_is_aim", "neutral"]
POLARITIES: tuple[str, ...] = (
    "higher_is_better",
    "lower_is_better",
    "increase_is_aim",
    "neutral",
)
TOLERANCE_KINDS: tuple[str, ...] = ("relative", "points")
ARROWS: dict[str, str] = {"up": "↑", "down": "↓", "no change": "→"}

# What each rating means, in the words the book prints (see :func:`rag_key`).
RAG_KEY: dict[str, str] = {
    "Green": "better than the comparator, or no significant change",
    "Amber": "significantly worse, but within the measure's tolerance",
    "Red": "significantly worse, beyond the tolerance",
    "Not rated": "a measure with no preferred direction",
}
# The plain Lancashire key, for measures rated by the simple rule.
SIMPLE_KEY: dict[str, str] = {
    "Green": "at or better than the comparator",
    "Amber": "worse but within the measure's tolerance",
    "Red": "worse beyond it",
}
SIGNIFICANCE = "significance"
SIMPLE = "simple"
RATING_RULES: tuple[str, ...] = (SIGNIFICANCE, SIMPLE)
RatingRule = Literal["significance", "simple"]
LEVEL = 0.95  # the confidence level of every significance test in the report

_REL_EPS = 1e-9


@dataclass(frozen=True)
class Rating:
    """A rated comparison of ``current`` against ``comparator``.

    ``change`` is current - comparator in the measure's units; ``pct_change`` is that as a
    percentage of the comparator's magnitude (``5.0`` means 5%), ``None`` when the
    comparator is zero. ``direction``, ``arrow`` and the changes are ``None`` when not
    available.
    """

    rag: Literal["Green", "Amber", "Red", "Not rated", "Not available"]
    direction: Literal["up", "down", "no change"] | None
    arrow: str | None
    change: float | None
    pct_change: float | None
    # Which rule rated it ("significance" or "simple") and, for the significance rule,
    # whether the change was significant; None when not rated.
    rule: str | None = None
    significant: bool | None = None


NOT_AVAILABLE = Rating("Not available", None, None, None, None)


def rag_key(rule: str = SIGNIFICANCE) -> str:
    """The RAG key as the book states it: "Green = better than the comparator, or ..."."""
    key = RAG_KEY if rule == SIGNIFICANCE else {**SIMPLE_KEY, "Not rated": RAG_KEY["Not rated"]}
    return "; ".join(f"{rag} = {meaning}" for rag, meaning in key.items())


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    return value is None or bool(pd.isna(value))


def compare(
    current: float | None,
    comparator: float | None,
    polarity: Polarity,
    tolerance: float = 0.0,
    tolerance_kind: Literal["relative", "points"] = "relative",
) -> Rating:
    """Rate ``current`` against ``comparator`` by the RAG key (:data:`RAG_KEY`).

    Green: at or better than the comparator. Amber: worse, but by no more than
    ``tolerance``. Red: worse by more than ``tolerance``. A change exactly at the tolerance
    is Amber (differences below 1e-9 relative are treated as rounding).

    ``tolerance_kind`` fixes the unit of ``tolerance``:

    * ``"relative"`` (counts): a fraction of the comparator, ``0.05`` = up to 5% worse is
      Amber. A zero comparator makes any worsening Red.
    * ``"points"`` (percentages and rates): the same units as the values, e.g. ``2.0`` =
      up to 2 percentage points worse is Amber.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    if tolerance_kind not in TOLERANCE_KINDS:
        raise ValueError(f"tolerance_kind must be 'relative' or 'points', not {tolerance_kind!r}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be zero or positive, not {tolerance!r}")
    if is_missing(current) or is_missing(comparator):
        return NOT_AVAILABLE

    current, comparator = float(current), float(comparator)  # type: ignore[arg-type]
    change = current - comparator
    scale = max(abs(current), abs(comparator))
    if abs(change) <= _REL_EPS * scale:
        change = 0.0
    direction: Literal["up", "down", "no change"] = (
        "up" if change > 0 else "down" if change < 0 else "no change"
    )
    pct = None if comparator == 0 else 100 * change / abs(comparator)

    def rating(rag) -> Rating:
        return Rating(rag, direction, ARROWS[direction], change, pct)

    if polarity == "neutral":
        return rating("Not rated")
    better = (change < 0) if polarity == "lower_is_better" else (change > 0)
    if change == 0 or better:
        return rating("Green")
    worse_by = abs(change) if tolerance_kind == "points" else _relative(change, comparator)
    if worse_by <= tolerance or math.isclose(worse_by, tolerance, rel_tol=_REL_EPS):
        return rating("Amber")
    return rating("Red")


def _relative(change: float, comparator: float) -> float:
    return math.inf if comparator == 0 else abs(change) / abs(comparator)


def rate(
    current: float | None,
    comparator: float | None,
    polarity: Polarity,
    tolerance: float = 0.0,
    tolerance_kind: Literal["relative", "points"] = "relative",
    *,
    test: ChangeTest | None = None,
    rule: str = SIGNIFICANCE,
    partial_total: bool = False,
) -> Rating:
    """The performance tables' rating: :func:`compare`, then the rule and the override.

    ``rule`` is "significance" (the default) or "simple" (see the module docstring).
    Under the significance rule ``test`` (:func:`change_test`) decides whether a worsening
    counts; without a test (snapshots, means) the simple rule rates the measure and the
    rating says so (``rule="simple"``). ``partial_total`` says that the figures are totals
    and at least one covers fewer months than its window: then the rating is "Not
    available" (the incomplete-data override).
    """
    if rule not in RATING_RULES:
        raise ValueError(f"rule must be one of {RATING_RULES}, not {rule!r}")
    rating = compare(current, comparator, polarity, tolerance, tolerance_kind)
    if partial_total:
        return NOT_AVAILABLE
    if rule == SIGNIFICANCE and test is not None:
        return significance_rating(rating, test)
    if rating.rag in ("Not available", "Not rated"):
        return rating
    return replace(rating, rule=SIMPLE)


def significance_rating(base: Rating, test: ChangeTest) -> Rating:
    """Re-rate a :func:`compare` rating by its significance test (the significance rule).

    Not significant: Green ("no significant change"). Significant improvement: Green.
    Significant deterioration: Amber within the tolerance, Red beyond it (the base rating).
    A test that could not be made leaves the simple rule's rating, marked as such.
    """
    if base.rag in ("Not available", "Not rated"):
        return base
    if test.classification == "not available":
        return replace(base, rule=SIMPLE)
    if test.classification == "no significant change":
        return replace(base, rag="Green", rule=SIGNIFICANCE, significant=False)
    if test.classification == "significant improvement":
        return replace(base, rag="Green", rule=SIGNIFICANCE, significant=True)
    rag = base.rag if base.rag in ("Amber", "Red") else "Amber"
    return replace(base, rag=rag, rule=SIGNIFICANCE, significant=True)


@dataclass(frozen=True)
class PoissonChange:
    """A count now versus before, with the exact test for the ratio of two Poisson counts.

    ``ratio`` is the rate now over the rate before (counts divided by their exposures, the
    months each covers); ``None`` when the count before is zero. Every numeric field is
    ``None`` when ``classification`` is "not available".
    """

    count_now: float | None
    count_before: float | None
    ratio: float | None
    p_value: float | None
    classification: str
    test: str = "exact test for two Poisson counts"


def poisson_change(
    count_now: float | None,
    count_before: float | None,
    polarity: Polarity = "lower_is_better",
    *,
    exposure_now: float = 1.0,
    exposure_before: float = 1.0,
    level: float = LEVEL,
) -> PoissonChange:
    """Is the change between two counts (crimes in two periods) more than chance?

    Method: the exact conditional test for two Poisson rates. Given the total
    ``n = count_now + count_before``, ``count_now`` is Binomial(n, q) under "no change",
    with ``q = exposure_now / (exposure_now + exposure_before)`` (0.5 for two 12-month
    periods). The two-sided p-value adds the probabilities of every outcome no more likely
    than the one observed (the "minlike" p-value of ``scipy.stats.binomtest``). Significant
    iff ``p_value < 1 - level``. Counts are rounded to whole numbers. Robbery 256 -> 279
    gives p = 0.34: no significant change.

    Classification as :func:`proportion_change`: "significant improvement" or "significant
    deterioration" by polarity ("significant increase"/"decrease" for neutral), "no
    significant change", or "not available" when a count is missing or negative.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    if is_missing(count_now) or is_missing(count_before) or count_now < 0 or count_before < 0:
        return PoissonChange(None, None, None, None, "not available")
    if not (exposure_now > 0 and exposure_before > 0):
        raise ValueError("exposures must be positive")
    x1, x0 = round(float(count_now)), round(float(count_before))
    rate_now, rate_before = x1 / exposure_now, x0 / exposure_before
    ratio = None if x0 == 0 else rate_now / rate_before
    p_value = _binomial_two_sided(x1, x1 + x0, exposure_now / (exposure_now + exposure_before))
    if p_value >= 1 - level:
        classification = "no significant change"
    else:
        classification = _significant(rate_now - rate_before, polarity)
    return PoissonChange(float(x1), float(x0), ratio, p_value, classification)


def _binomial_two_sided(k: int, n: int, q: float) -> float:
    """Two-sided exact binomial p-value: P(X with pmf <= pmf(k)), X ~ Binomial(n, q)."""
    if n == 0:
        return 1.0
    # log k! for k = 0..n by a cumulative sum of logs: exact enough (errors ~1e-12) and fast.
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    ks = np.arange(n + 1)
    log_pmf = (
        log_factorial[n] - log_factorial[ks] - log_factorial[n - ks]
        + ks * math.log(q) + (n - ks) * math.log1p(-q)
    )  # fmt: skip
    no_more_likely = log_pmf <= log_pmf[k] + math.log1p(1e-7)
    return float(min(1.0, np.exp(log_pmf[no_more_likely]).sum()))


def _significant(difference: float, polarity: str) -> str:
    if polarity == "neutral":
        return "significant increase" if difference > 0 else "significant decrease"
    improved = (difference < 0) if polarity == "lower_is_better" else (difference > 0)
    return "significant improvement" if improved else "significant deterioration"


def change_test(
    unit: str,
    polarity: Polarity,
    now: tuple[float | None, float | None],
    before: tuple[float | None, float | None],
    *,
    exposures: tuple[float, float] = (1.0, 1.0),
) -> ChangeTest | None:
    """The significance test for a measure's change, by what it measures; None when none.

    ``now`` and ``before`` are (numerator, denominator) of the two periods. Counts get
    :func:`poisson_change` (``exposures`` are the periods' lengths), percentages (survey
    respondents, calls offered) :func:`proportion_change` on the underlying counts; other
    units (snapshots, means) have no test: None.
    """
    if unit == "count":
        return poisson_change(
            now[0], before[0], polarity, exposure_now=exposures[0], exposure_before=exposures[1]
        )
    if unit == "percentage":
        counts = (now[0], now[1], before[0], before[1])
        if any(is_missing(c) for c in counts):
            return proportion_change(None, None, None, None, polarity)  # type: ignore[arg-type]
        return proportion_change(*(round(float(c)) for c in counts), polarity=polarity)
    return None


def false_alarms(tests: int, level: float = LEVEL) -> tuple[float, float]:
    """(expected number of false alarms, chance of at least one) among ``tests`` tests.

    If nothing had really changed, each test at ``level`` would still call a change
    significant with probability ``1 - level``; with independent tests the expected number
    is ``tests * (1 - level)`` and the chance of one or more ``1 - level ** tests``. (The
    report's tests are not independent, since windows overlap, so these are a guide.)
    """
    if tests < 0:
        raise ValueError("tests must be zero or more")
    return tests * (1 - level), 1 - level**tests


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``successes / n``.

    With p = successes/n and z the two-sided normal quantile for ``level`` (1.959964 for
    95%): ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``. Unlike the simple
    p ± z·SE interval it stays within [0, 1] and behaves for small samples and for p near
    0 or 1, which is why survey reports use it.
    """
    _check_count(successes, n)
    if n == 0:
        raise ValueError("a proportion needs n > 0")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # exact ends: the formula gives 0 when successes == 0 and 1 when successes == n
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


@dataclass(frozen=True)
class ProportionChange:
    """A survey proportion now versus before, with its significance test.

    Proportions are fractions (0..1); ``difference_pp`` is in percentage points.
    Every numeric field is ``None`` when ``classification`` is "not available".
    """

    p_now: float | None
    p_before: float | None
    ci_now: tuple[float, float] | None
    ci_before: tuple[float, float] | None
    difference_pp: float | None
    z: float | None
    p_value: float | None
    classification: str
    test: str = "two-proportion z-test"


def proportion_change(
    successes_now: int,
    n_now: int,
    successes_before: int,
    n_before: int,
    polarity: Polarity = "higher_is_better",
    level: float = LEVEL,
) -> ProportionChange:
    """Is the change in a survey proportion (e.g. victim satisfaction) significant?

    Method: a two-sided two-proportion z-test with pooled variance,
    ``z = (p_now - p_before) / sqrt(P(1-P)(1/n_now + 1/n_before))`` where
    ``P = (successes_now + successes_before) / (n_now + n_before)``, and
    ``p_value = 2·(1 - Φ(|z|))``. The change is significant iff ``p_value < 1 - level``
    (p < 0.05 at the default 95%). If both samples are all successes or all failures the
    variance is zero: z = 0, p = 1, no significant change. Wilson intervals at ``level``
    are given for each proportion for display; they do not decide significance.

    Classification: "significant improvement", "no significant change" or "significant
    deterioration" by polarity (``increase_is_aim`` as higher is better); for ``neutral``
    polarity "significant increase" / "significant decrease". "not available" when either
    sample is empty (n = 0) or a count is missing.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    counts = (successes_now, n_now, successes_before, n_before)
    if any(is_missing(c) for c in counts) or n_now == 0 or n_before == 0:
        return ProportionChange(None, None, None, None, None, None, None, "not available")
    _check_count(successes_now, n_now)
    _check_count(successes_before, n_before)

    p1, p0 = successes_now / n_now, successes_before / n_before
    pooled = (successes_now + successes_before) / (n_now + n_before)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_before))
    z = 0.0 if se == 0 else (p1 - p0) / se
    p_value = math.erfc(abs(z) / math.sqrt(2))  # = 2 * (1 - Phi(|z|))

    classification = "no significant change" if p_value >= 1 - level else _significant(z, polarity)
    return ProportionChange(
        p_now=p1,
        p_before=p0,
        ci_now=wilson_interval(successes_now, n_now, level),
        ci_before=wilson_interval(successes_before, n_before, level),
        difference_pp=100 * (p1 - p0),
        z=z,
        p_value=p_value,
        classification=classification,
    )


def _check_count(successes: int, n: int) -> None:
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")


# A significance test of a change: a count's (Poisson) or a proportion's.
ChangeTest = PoissonChange | ProportionChange
