"""Seaborn charts for the report: titled, labelled, readable in print and on screen.

Charts only draw what the analysis computed; they compute nothing themselves. Colours
come from a colour-blind-safe palette and every series is also told apart by line
style or marker, so nothing is conveyed by colour alone (WCAG 2.2 1.4.1).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from pcc_report.periods import Window  # noqa: E402

matplotlib.rcParams["svg.hashsalt"] = "pcc-report"
matplotlib.rcParams["path.simplify"] = False
sns.set_theme(style="whitegrid", palette="colorblind", font_scale=0.95)

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _month_axis(ax, months: list[str]) -> None:  # noqa: ANN001
    """Label every third month so the axis stays readable at A4 width."""
    ticks = list(range(0, len(months), 3))
    ax.set_xticks(ticks)
    ax.set_xticklabels([months[i] for i in ticks], rotation=45, ha="right")


def monthly_trend(
    series: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    by: str | None = None,
    highlight: Window | None = None,
):
    """Line chart of monthly counts; ``highlight`` shades a window (the latest 12 months)."""
    months = sorted(series["month"].unique())
    frame = series.assign(position=series["month"].map({m: i for i, m in enumerate(months)}))
    fig, ax = plt.subplots(figsize=(8, 3.8))
    if by:
        levels = sorted(frame[by].unique())
        sns.lineplot(
            data=frame, x="position", y="count", hue=by, style=by, hue_order=levels,
            style_order=levels, markers=MARKERS[: len(levels)], dashes=True, ax=ax,
        )
        ax.legend(title=by.replace("_", " ").capitalize(), fontsize=8, title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        sns.lineplot(data=frame, x="position", y="count", marker="o", ax=ax)
    first, last = (str(highlight.first), str(highlight.last)) if highlight else (None, None)
    if first in months and last in months:
        ax.axvspan(months.index(first) - 0.5, months.index(last) + 0.5,
                   color="0.85", alpha=0.5, label="Latest 12 months", zorder=0)
    _month_axis(ax, months)
    ax.set_title(title)
    ax.set_xlabel("Month")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    return fig


def comparison_bars(
    table: pd.DataFrame, *, label: str, title: str, xlabel: str, previous: str, latest: str
):
    """Horizontal paired bars: previous vs latest window, hatched to differ without colour."""
    long = table.melt(id_vars=[label], value_vars=["previous", "latest"],
                      var_name="period", value_name="count")
    long["period"] = long["period"].map({"previous": previous, "latest": latest})
    height = max(3.0, 0.42 * len(table) + 1.2)
    fig, ax = plt.subplots(figsize=(8, height))
    sns.barplot(data=long, y=label, x="count", hue="period", hue_order=[previous, latest],
                orient="h", ax=ax)
    for bar_container, hatch in zip(ax.containers, ["///", ""], strict=False):
        for patch in bar_container:
            patch.set_hatch(hatch)
            patch.set_edgecolor("0.2")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(title="Period", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    return fig


def share_bars(table: pd.DataFrame, *, label: str, value: str, title: str, xlabel: str):
    """Horizontal bars of shares (per cent), labelled with their values."""
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.45 * len(table) + 1.0)))
    sns.barplot(data=table, y=label, x=value, orient="h", color=sns.color_palette()[0], ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.1f%%", fontsize=8, padding=2)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    fig.tight_layout()
    return fig


# Special-cause points are told apart by marker shape as well as colour.
_SPC_MARKERS = {
    "special cause improvement": ("^", "#1d70b8", "Special cause: improvement"),
    "special cause concern": ("X", "#d4351c", "Special cause: concern"),
    "special cause neutral": ("D", "#6f72af", "Special cause: neutral"),
}


def spc_chart(result, *, title: str, ylabel: str):  # noqa: ANN001
    """An XmR chart (or a run chart) drawn from a computed :class:`pcc_report.spc.SpcResult`.

    Centre line solid, process limits dashed, target dash-dotted; special-cause points
    marked with a distinct shape per kind, with a legend.
    """
    frame = result.to_frame()
    labels = list(frame.index)
    x = list(range(len(labels)))
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(x, frame["value"], color="0.35", marker="o", markersize=3.5, linewidth=1.2,
            label="Monthly value", zorder=2)
    centre_label = "Median" if result.chart_type == "run" else "Mean (centre line)"
    ax.axhline(result.centre, color="0.1", linewidth=1.2, label=centre_label, zorder=1)
    if result.upper is not None:
        limits = "Process limits" + (" (trial)" if result.trial_limits else "")
        ax.axhline(result.upper, color="#505a5f", linestyle="--", linewidth=1, label=limits)
        ax.axhline(result.lower, color="#505a5f", linestyle="--", linewidth=1)
    if result.target is not None:
        ax.axhline(result.target, color="#00703c", linestyle="-.", linewidth=1.3, label="Target")
    for variation, (marker, colour, name) in _SPC_MARKERS.items():
        picked = [i for i, v in enumerate(frame["variation"]) if v == variation]
        if picked:
            ax.scatter([x[i] for i in picked], frame["value"].iloc[picked], marker=marker,
                       s=60, color=colour, edgecolor="black", linewidth=0.6, label=name,
                       zorder=3)
    _month_axis(ax, labels)
    ax.set_title(title)
    ax.set_xlabel("Month")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
