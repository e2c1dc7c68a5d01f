"""RAG ratings, direction arrows and survey significance for the performance tables.

Why: the panel's performance table rates each measure against a comparator (the previous
12 months, last financial year, a baseline year) in the Lancashire style, and survey
measures are only called better or worse when the change is statistically significant.
These rules decide what councillors are told, so every one of them lives here, as small
pure functions with their conventions spelt out:

* **The RAG key** (:data:`RAG_KEY`, stated in the book by :func:`rag_key`): Green = at or
  better than the comparator; Amber = worse, but within the measure's tolerance; Red =
  worse beyond it (:func:`compare`).
* **Polarity** decides "better": fewer is better (``lower_is_better``), more is better
  (``higher_is_better``), more reporting is the aim (``increase_is_aim``, rated like higher
  is better) or no preferred direction (``neutral``: "Not rated", direction only).
* **Missing figures** are "Not available", never zero.
* **The survey rule** (:func:`survey_rating`; DOMAIN: a change is an improvement or a
  deterioration only when statistically significant at 95%, two-proportion z-test,
  :func:`proportion_change`). Significant improvement = Green; significant deterioration =
  Red; no significant change = Green when the point estimate is at or better than the
  comparator and Amber when it is worse. This keeps the Lancashire key (Amber = "marginally
  below the comparative position") but lets sampling error, not an arbitrary tolerance,
  define "marginal", and never calls a non-significant fall a deterioration.
* **The incomplete-data override** (:func:`rate`, ``partial_total``): a total over fewer
  months than its window is not rated. A total over 11 months compared with one over 12
  would look like a fall: a false "improvement" for crime. The rating is "Not available"
  (the tables still show the values, marked "incomplete data"). Percentages and snapshots
  over the months present remain fair estimates, so they are rated (and marked).
* Every rating carries its RAG word and an arrow, so that nothing is conveyed by colour
  alone (WCAG 2.2 AA, 1.4.1); the book's stylesheet colours cells from that word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Literal

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
    "Green": "at or better than the comparator",
    "Amber": "worse but within the measure's tolerance",
    "Red": "worse beyond it",
    "Not rated": "a measure with no preferred direction",
}

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


NOT_AVAILABLE = Rating("Not available", None, None, None, None)


def rag_key() -> str:
    """The RAG key as the book states it: "Green = at or better than the comparator; ..."."""
    return "; ".join(f"{rag} = {meaning}" for rag, meaning in RAG_KEY.items())


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
    significance: ProportionChange | None = None,
    partial_total: bool = False,
) -> Rating:
    """The performance tables' rating: :func:`compare`, then the two exceptions.

    ``significance`` (survey measures) applies the survey rule (:func:`survey_rating`).
    ``partial_total`` says that the figures are totals and at least one of them covers
    fewer months than its window: then the rating is "Not available" (the incomplete-data
    override; see the module docstring for why).
    """
    rating = compare(current, comparator, polarity, tolerance, tolerance_kind)
    if significance is not None:
        rating = survey_rating(rating, significance)
    if partial_total:
        return NOT_AVAILABLE
    return rating


def survey_rating(base: Rating, significance: ProportionChange) -> Rating:
    """Re-rate a survey comparison by its significance test (the survey rule above)."""
    if base.rag in ("Not available", "Not rated"):
        return base
    verdict = significance.classification
    if verdict == "significant improvement":
        return replace(base, rag="Green")
    if verdict == "significant deterioration":
        return replace(base, rag="Red")
    return base if base.rag == "Green" else replace(base, rag="Amber")


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


def proportion_change(
    successes_now: int,
    n_now: int,
    successes_before: int,
    n_before: int,
    polarity: Polarity = "higher_is_better",
    level: float = 0.95,
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

    if p_value >= 1 - level:
        classification = "no significant change"
    elif polarity == "neutral":
        classification = "significant increase" if z > 0 else "significant decrease"
    else:
        improved = (z < 0) if polarity == "lower_is_better" else (z > 0)
        classification = "significant improvement" if improved else "significant deterioration"
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
