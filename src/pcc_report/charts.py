"""Seaborn charts for the report: titled, labelled, readable in print and on screen.

Charts only draw what the analysis computed; they compute nothing themselves. Colours
come from a colour-blind-safe palette and every series is also told apart by line
style or marker, so nothing is conveyed by colour alone (WCAG 2.2 1.4.1). No panel holds
more than :data:`MAX_SERIES` series: several crime types become small multiples, each with
its own y-axis, so a type of ~70 a month is not flattened by one of ~1,000. Month axes read
"Sep 22", mark every year and always label the last month. Figures are :data:`WIDTH` inches
wide: the text width of an A4 page, and legible on the web page.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backend_bases import register_backend
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from pcc_report.periods import Window

_themed = False


def _theme() -> None:
    """The report's look (seaborn's whitegrid, colour-blind palette), set by the first chart.

    Set when a chart is first drawn, not when this module is imported: importing it then
    changes no global setting, so the kernel fork server (:mod:`pcc_report.kernels`) can
    import it before it forks a section's kernel, and a section that draws no chart runs
    with matplotlib's settings untouched, as it would in a fresh kernel.
    """
    global _themed
    if not _themed:
        matplotlib.use("Agg")  # files, never a window (the build also sets MPLBACKEND=Agg)
        matplotlib.rcParams["svg.hashsalt"] = "pcc-report"
        matplotlib.rcParams["path.simplify"] = False
        sns.set_theme(style="whitegrid", palette="colorblind", font_scale=0.95)
        # Tick labels are whole numbers, never an offset ("+1e4") printed above the axes: a
        # panel member reads the count itself. With no offset text above the axes, a title
        # has nothing to dodge, so it is placed once at the top of its axes; matplotlib
        # would otherwise measure every y tick label at every layout pass to check (a tenth
        # of the time a chart took to draw), and put the title in the same place.
        matplotlib.rcParams["axes.formatter.useoffset"] = False
        matplotlib.rcParams["axes.titley"] = 1.0
        _themed = True

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DASHES = ["-", "--", "-.", ":"]
MAX_SERIES = 4
WIDTH = 7.0  # inches: an A4 page's text width
DPI = 110  # pixels per inch of a saved chart: sharp on screen, and its size in the PDF
_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec")  # fmt: skip


def month_label(month: str) -> str:
    """"2022-09" -> "Sep 22"; other labels unchanged."""
    try:
        year, number = str(month).split("-")
        return f"{_SHORT_MONTHS[int(number) - 1]} {year[2:]}"
    except (ValueError, IndexError):
        return str(month)


def _month_axis(ax, months: list[str]) -> None:  # noqa: ANN001
    """Quarter-month ticks ("Jan 21", "Apr 21", ...) plus the last month; a line each January.

    Every year is marked by a faint vertical line at its January, and the last month is
    always labelled, so the reader can see where the series ends.
    """
    quarters = [i for i, m in enumerate(months) if str(m)[5:7] in ("01", "04", "07", "10")]
    ticks = quarters if len(quarters) >= 2 else list(range(0, len(months), 3))
    last = len(months) - 1
    ticks = [t for t in ticks if last - t >= 2 or t == last]  # keep the last label clear
    if last >= 0 and last not in ticks:
        ticks.append(last)
    ax.set_xticks(ticks)
    ax.set_xticklabels([month_label(months[i]) for i in ticks], rotation=45, ha="right")
    januaries = [i - 0.5 for i, m in enumerate(months) if str(m)[5:7] == "01"]
    ax.set_xticks(januaries, minor=True)
    ax.grid(which="minor", axis="x", color="0.6", linewidth=0.9)


def monthly_trend(
    series: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    by: str | None = None,
    highlight: Window | None = None,
):
    """Line chart of monthly counts; ``highlight`` shades a window (the latest 12 months)."""
    _theme()
    months = sorted(series["month"].unique())
    frame = series.assign(position=series["month"].map({m: i for i, m in enumerate(months)}))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
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


def small_multiples(
    series: pd.DataFrame,
    *,
    by: str,
    title: str,
    ylabels: dict[str, str],
    highlight: Window | None = None,
    columns: int = 2,
):
    """One panel per value of ``by`` (a crime type), each with its own y-axis from zero.

    ``ylabels`` says what each panel counts ("Recorded crimes per month", "ASB incidents
    per month"). One series per panel, so no panel needs a legend to be read.
    """
    _theme()
    months = sorted(series["month"].unique())
    levels = list(dict.fromkeys(sorted(series[by].unique())))
    rows = max(1, -(-len(levels) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(WIDTH, 2.3 * rows + 0.6), squeeze=False)
    palette = sns.color_palette("colorblind", len(levels))
    first, last = (str(highlight.first), str(highlight.last)) if highlight else (None, None)
    for number, (ax, level) in enumerate(zip(axes.flat, levels, strict=False)):
        frame = series[series[by] == level].set_index("month")["count"].reindex(months)
        ax.plot(range(len(months)), frame.to_numpy(), color=palette[number],
                marker=MARKERS[number % len(MARKERS)], markersize=3,
                linestyle=DASHES[number % len(DASHES)], linewidth=1.2)
        if first in months and last in months:
            ax.axvspan(months.index(first) - 0.5, months.index(last) + 0.5, color="0.85",
                       alpha=0.5, zorder=0)
        ax.set_title(level, fontsize=9)
        ax.set_ylabel(ylabels.get(level, "Count per month"), fontsize=8)
        ax.set_ylim(bottom=0)
        _month_axis(ax, months)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(levels):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def comparison_bars(
    table: pd.DataFrame, *, label: str, title: str, xlabel: str, previous: str, latest: str
):
    """Horizontal paired bars: previous vs latest window, hatched to differ without colour."""
    _theme()
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
    _theme()
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
}


def _segment_line(ax, frame: pd.DataFrame, column: str, **style) -> None:  # noqa: ANN001
    """A line per segment (broken at each recalculation), drawn as steps for p′ limits."""
    position = {label: i for i, label in enumerate(frame.index)}
    for _, rows in frame.groupby("segment", sort=True):
        positions = [position[label] for label in rows.index]
        values = rows[column].to_numpy()
        if len(values) and not pd.isna(values).all():
            ax.step(positions, values, where="mid", **style)
            style.pop("label", None)


def spc_chart(result, *, title: str, ylabel: str):  # noqa: ANN001
    """An XmR, p′ or run chart drawn from a computed :class:`pcc_report.spc.SpcResult`.

    Centre line solid, process limits dashed (per segment, and per point on a p′ chart),
    target dash-dotted; a dotted vertical line where the limits were recalculated, with its
    reason; special-cause points marked with a distinct shape per kind, with a legend.
    """
    _theme()
    frame = result.to_frame()
    labels = list(frame.index)
    x = list(range(len(labels)))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    ax.plot(x, frame["value"], color="0.35", marker="o", markersize=3.5, linewidth=1.2,
            label="Monthly value", zorder=2)
    centre_label = "Median" if result.chart_type == "run" else "Mean (centre line)"
    _segment_line(ax, frame, "centre", color="0.1", linewidth=1.2, label=centre_label,
                  zorder=1)
    if frame["upper"].notna().any():
        limits = "Process limits" + (" (trial)" if result.trial_limits else "")
        _segment_line(ax, frame, "upper", color="#505a5f", linestyle="--", linewidth=1,
                      label=limits)
        _segment_line(ax, frame, "lower", color="#505a5f", linestyle="--", linewidth=1)
    if result.target is not None:
        ax.axhline(result.target, color="#00703c", linestyle="-.", linewidth=1.3, label="Target")
    for number, segment in enumerate(result.segments[1:], start=1):
        at = labels.index(segment.first) - 0.5
        ax.axvline(at, color="#6f72af", linestyle=":", linewidth=1.4,
                   label="Limits recalculated" if number == 1 else None)
        ax.annotate(f"{number}", xy=(at, 1.0), xycoords=("data", "axes fraction"),
                    ha="center", va="bottom", fontsize=8, color="#6f72af")
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


def save_png(fig, path: Path, dpi: int = DPI) -> None:  # noqa: ANN001 - a matplotlib Figure
    """Write ``fig`` as an opaque RGB PNG with fixed metadata, so two builds write equal bytes.

    The pixels are those of ``fig.savefig(path, dpi=dpi)`` on white: the whole figure, which
    each chart has laid out with ``tight_layout`` (its titles, labels and legends inside the
    figure, with a margin). Why RGB: pdfTeX re-encodes every PNG with an alpha channel
    (splitting off a soft mask) on every pass, which made a pass of the demonstration's PDF
    3.6 s instead of 1.0 s; an RGB PNG's stream is copied as it is. The theme's figures are
    opaque white, and a translucent one is composited over white, so it prints as it showed
    on white. The PNG keeps the ``dpi`` (its pHYs chunk), from which pdfTeX takes the
    chart's printed size.

    Why not ``savefig(bbox_inches="tight")``: cropping to the drawn content measured every
    text of the figure once more before it rendered (a fifth of the time of a section's
    charts), to trim a margin of a few pixels that ``tight_layout`` leaves. Nor savefig's own
    PNG writer: it wrote an RGBA PNG that had to be decoded, composited and encoded again.
    Here the figure is rendered once, with no layout engine run again at draw time, and its
    pixels are encoded once (:func:`_png`). ``tests/test_charts.py`` checks the pixels
    against savefig's own for every chart function, and that nothing drawn reaches an edge.
    """
    register_backend(_FORMAT, _OpaqueCanvas)
    engine = fig.get_layout_engine()
    fig.set_layout_engine(None)  # the layout is done: savefig need not lay it out again
    try:
        fig.savefig(path, format=_FORMAT, dpi=dpi)
    finally:
        fig.set_layout_engine(engine)


_FORMAT = "opaquepng"  # the savefig format that _OpaqueCanvas prints


class _OpaqueCanvas(FigureCanvasAgg):
    """An Agg canvas that writes its pixels, on white, as an RGB PNG (format "opaquepng")."""

    def print_opaquepng(self, path, **_savefig) -> None:  # noqa: ANN001, ANN003
        """Render the figure once and write its pixels (savefig's other settings are done)."""
        FigureCanvasAgg.draw(self)
        rgba = np.asarray(self.buffer_rgba())
        if (rgba[:, :, 3] == 255).all():
            rgb = rgba[:, :, :3]
        else:  # translucent pixels show as they would on the white page
            drawn = Image.fromarray(rgba, "RGBA")
            white = Image.new("RGBA", drawn.size, "white")
            rgb = np.asarray(Image.alpha_composite(white, drawn).convert("RGB"))
        Path(path).write_bytes(_png(rgb, self.figure.dpi))


def _png(rgb: np.ndarray, dpi: float) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (rows of pixels), with its ``dpi`` and nothing else.

    Every row is stored unfiltered and deflated at zlib level 3. A chart is mostly flat
    colour, which deflate packs well as it is: PIL's writer picks the best of five filters
    for every row and deflates at level 6, which took six times the CPU for files of about
    the same size (Kent's charts 3% smaller, the demonstration's 7% larger).
    """
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # filter byte 0 ("None")
    rows[:, 1:] = rgb.reshape(height, 3 * width)
    per_metre = int(dpi / 0.0254 + 0.5)  # as PIL writes it: 110 dpi -> 4331
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # RGB
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),  # 1: per metre
        _chunk(b"IDAT", zlib.compress(rows.tobytes(), 3)),
        _chunk(b"IEND", b""),
    ))


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, and the CRC of type and data."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))
