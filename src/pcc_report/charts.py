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
    highlight: tuple[str, str] | None = None,
):
    """Line chart of monthly counts; ``highlight`` shades the latest 12 months."""
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
    if highlight and highlight[0] in months and highlight[1] in months:
        ax.axvspan(months.index(highlight[0]) - 0.5, months.index(highlight[1]) + 0.5,
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
