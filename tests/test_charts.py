"""The charts draw what they are given (series, labels, shading, markers); a saved PNG holds
exactly the pixels matplotlib draws for it, opaque, at the dpi that sets its printed size."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from pcc_report import charts
from pcc_report.periods import Month, Window
from pcc_report.spc import spc

MONTHS = [f"2022-{m:02d}" for m in range(1, 7)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_monthly_trend_plots_each_month_and_shades_the_highlighted_window() -> None:
    series = pd.DataFrame({"month": MONTHS, "count": [5, 7, 6, 9, 4, 8]})
    window = Window("latest_12", "latest", Month(2022, 4), Month(2022, 6))
    fig = charts.monthly_trend(series, title="Crime", ylabel="Crimes", highlight=window)
    ax = fig.axes[0]
    [line] = ax.get_lines()
    assert list(line.get_ydata()) == [5, 7, 6, 9, 4, 8]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Crime", "Month", "Crimes")
    # quarter months as "Jan 22", and the last month (June) always labelled
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Jan 22", "Apr 22", "Jun 22"]
    assert list(ax.get_xticks(minor=True)) == [-0.5]  # the year marked at its January
    [band] = ax.patches
    # Months 4 to 6 are positions 3 to 5; the band covers them to their half-way marks.
    assert band.get_x() == pytest.approx(2.5) and band.get_width() == pytest.approx(3.0)
    assert band.get_label() == "Latest 12 months"


def test_monthly_trend_without_the_window_in_range_shades_nothing() -> None:
    series = pd.DataFrame({"month": MONTHS, "count": [1] * 6})
    later = Window("latest_12", "latest", Month(2023, 1), Month(2023, 3))
    assert not charts.monthly_trend(series, title="t", ylabel="y", highlight=later).axes[0].patches
    assert not charts.monthly_trend(series, title="t", ylabel="y").axes[0].patches


def test_monthly_trend_by_type_has_one_series_per_type_in_its_legend() -> None:
    series = pd.DataFrame({
        "month": MONTHS * 2, "crime_type": ["Arson"] * 6 + ["Robbery"] * 6,
        "count": [1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1]})
    ax = charts.monthly_trend(series, title="t", ylabel="y", by="crime_type").axes[0]
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Crime type"
    assert [t.get_text() for t in legend.get_texts()] == ["Arson", "Robbery"]
    ydata = [list(line.get_ydata()) for line in ax.get_lines() if len(line.get_ydata()) == 6]
    assert [1, 2, 3, 4, 5, 6] in ydata and [6, 5, 4, 3, 2, 1] in ydata


def test_comparison_bars_pair_previous_and_latest_with_hatching() -> None:
    table = pd.DataFrame({"District": ["North", "South"], "previous": [30, 10],
                          "latest": [25, 15]})
    ax = charts.comparison_bars(table, label="District", title="By district",
                                xlabel="Crimes", previous="Before", latest="Now").axes[0]
    before, now = ax.containers
    assert [bar.get_width() for bar in before] == [30, 10]
    assert [bar.get_width() for bar in now] == [25, 15]
    assert {bar.get_hatch() for bar in before} == {"///"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Before", "Now"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["North", "South"]


def test_share_bars_are_labelled_with_their_values() -> None:
    table = pd.DataFrame({"group": ["Charged", "Open"], "share": [12.5, 87.5]})
    ax = charts.share_bars(table, label="group", value="share", title="Outcomes",
                           xlabel="Share (%)").axes[0]
    [bars] = ax.containers
    assert [bar.get_width() for bar in bars] == [12.5, 87.5]
    assert [t.get_text() for t in ax.texts] == ["12.5%", "87.5%"]
    assert ax.get_title() == "Outcomes"


def test_spc_chart_draws_centre_limits_target_and_marks_special_causes() -> None:
    # 15 points (enough for limits), the first 12 as a firm baseline, the last far above.
    values = pd.Series([10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 40],
                       index=[f"m{i:02d}" for i in range(15)])
    result = spc(values, "lower_is_better", target=12.0, baseline=12)
    ax = charts.spc_chart(result, title="Burglary", ylabel="Count").axes[0]
    assert result.chart_type == "xmr" and not result.trial_limits
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == ["Monthly value", "Mean (centre line)", "Process limits", "Target"]
    assert "Special cause: concern" in labels  # 40 is far above the limits, and worse
    flat = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()[1:]}
    assert flat["Mean (centre line)"] == pytest.approx(result.centre)
    assert flat["Process limits"] == pytest.approx(result.upper)
    assert flat["Target"] == pytest.approx(12.0)
    assert list(ax.get_lines()[0].get_ydata()) == list(values)


def test_large_counts_read_as_whole_numbers_under_a_title_clear_of_the_axes() -> None:
    # 100,000-100,060 a month: matplotlib's default labels the y axis 0-60, "+1e5" above it,
    # printed above it, where the title is; the charts print the counts themselves.
    values = pd.Series([100_000 + (i * 7) % 60 for i in range(24)],
                       index=[f"{2022 + i // 12}-{i % 12 + 1:02d}" for i in range(24)])
    fig = charts.spc_chart(spc(values, "lower_is_better"), title="All crime", ylabel="Count")
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t.get_text().replace(",", "").replace("\N{MINUS SIGN}", "-")
              for t in ax.get_yticklabels() if t.get_text()]
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert labels and all(float(label) >= 99_000 for label in labels)
    title = ax.title.get_window_extent(renderer)
    assert title.y0 >= ax.get_window_extent(renderer).y1  # above the axes, clear of them
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and not any(title.overlaps(box) for box in ticks)


def test_spc_chart_of_a_short_series_is_a_run_chart_around_the_median() -> None:
    result = spc(pd.Series([3, 5, 4, 8], index=["a", "b", "c", "d"]), "neutral")
    ax = charts.spc_chart(result, title="Calls", ylabel="Count").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Monthly value", "Median"]
    assert ax.get_lines()[1].get_ydata()[0] == pytest.approx(4.5)  # median of 3, 4, 5, 8


def test_small_multiples_one_series_per_panel_with_own_axes() -> None:
    months = [f"2022-{m:02d}" for m in range(1, 7)]
    rows = [(m, t, c) for m in months for t, c in (("Anti-social behaviour", 1000),
                                                   ("Drugs", 70), ("Other crime", 30))]
    series = pd.DataFrame(rows, columns=["month", "crime_type", "count"])
    labels = {"Anti-social behaviour": "ASB incidents per month"}
    fig = charts.small_multiples(series, by="crime_type", title="Safer", ylabels=labels)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["Anti-social behaviour", "Drugs", "Other crime"]
    assert all(len(ax.get_lines()) <= charts.MAX_SERIES for ax in shown)
    assert shown[0].get_ylabel() == "ASB incidents per month"
    assert shown[1].get_ylabel() == "Count per month"
    # own y-axes: the drugs panel is scaled to ~70, not to ASB's 1,000
    assert shown[1].get_ylim()[1] < 200 < shown[0].get_ylim()[1]
    assert fig.get_size_inches()[0] == charts.WIDTH
    assert shown[0].get_xticklabels()[-1].get_text() == "Jun 22"


def test_spc_chart_draws_each_segment_and_marks_the_recalculation() -> None:
    from pcc_report.spc import ProcessChange, spc

    labels = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
    values = pd.Series([100.0, 104.0] * 9 + [60.0, 64.0] * 9, index=labels)
    result = spc(values, "lower_is_better", changes=[ProcessChange("2021-07", "lockdown")])
    fig = charts.spc_chart(result, title="Crime", ylabel="Recorded crimes per month")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Limits recalculated" in legend
    # the centre line is drawn once per segment: at 102 for the first, 62 for the second
    centre = [line for line in ax.get_lines() if line.get_label() in ("Mean (centre line)",
                                                                      "_child1")]
    assert centre and set(centre[0].get_ydata()) == {102.0}
    assert ax.get_ylabel() == "Recorded crimes per month"


def test_month_label() -> None:
    assert charts.month_label("2022-09") == "Sep 22"
    assert charts.month_label("Q1") == "Q1"


def _trend() -> object:
    series = pd.DataFrame({"month": MONTHS, "count": [5, 7, 6, 9, 4, 8]})
    window = Window("latest_12", "latest", Month(2022, 4), Month(2022, 6))
    return charts.monthly_trend(series, title="Crime", ylabel="Crimes", highlight=window)


def _trend_by_type() -> object:
    series = pd.DataFrame({"month": MONTHS * 2, "crime_type": ["Arson"] * 6 + ["Robbery"] * 6,
                           "count": [1, 2, 3, 4, 5, 6, 60, 50, 40, 30, 20, 10]})
    return charts.monthly_trend(series, title="By type", ylabel="Crimes", by="crime_type")


def _small_multiples() -> object:
    rows = [(m, t, c + i) for i, m in enumerate(MONTHS)
            for t, c in (("Anti-social behaviour", 1000), ("Drugs", 70), ("Other crime", 3))]
    series = pd.DataFrame(rows, columns=["month", "crime_type", "count"])
    return charts.small_multiples(series, by="crime_type", title="Safer",
                                  ylabels={"Drugs": "Drugs offences per month"})


def _comparison_bars() -> object:  # its legend is placed "best", which is found at draw time
    table = pd.DataFrame({"District": ["North", "South", "East"], "previous": [30, 10, 22],
                          "latest": [25, 15, 31]})
    return charts.comparison_bars(table, label="District", title="By district",
                                  xlabel="Crimes", previous="Before", latest="Now")


def _share_bars() -> object:
    table = pd.DataFrame({"group": ["Charged", "Open", "No suspect"], "share": [12.5, 7.5, 80]})
    return charts.share_bars(table, label="group", value="share", title="Outcomes",
                             xlabel="Share (%)")


def _spc_chart() -> object:  # special causes, a recalculation and its annotation, a target
    from pcc_report.spc import ProcessChange

    labels = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(30)]
    values = pd.Series([100.0, 104.0, 98.0] * 6 + [60.0, 64.0, 58.0] * 3 + [90.0, 20.0, 61.0],
                       index=labels)
    result = spc(values, "lower_is_better", target=70.0,
                 changes=[ProcessChange("2021-07", "lockdown")])
    return charts.spc_chart(result, title="Crime", ylabel="Recorded crimes per month")


def _translucent() -> object:  # a figure that is not the theme's opaque white
    fig = _trend()
    fig.patch.set_alpha(0.4)
    fig.axes[0].patch.set_alpha(0.0)
    return fig


CHARTS = [_trend, _trend_by_type, _small_multiples, _comparison_bars, _share_bars, _spc_chart,
          _translucent]


def _on_white(path: Path) -> bytes:
    """The pixels of a PNG as RGB, composited over white as a page shows them."""
    from PIL import Image

    with Image.open(path) as image:
        rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


@pytest.mark.parametrize("draw", CHARTS, ids=lambda draw: draw.__name__.strip("_"))
def test_save_png_writes_the_pixels_matplotlib_draws_as_opaque_rgb_at_the_dpi(
    tmp_path: Path, draw
) -> None:
    from PIL import Image

    draw().savefig(tmp_path / "matplotlib.png", dpi=charts.DPI)  # RGBA
    fig = draw()  # the same chart, drawn afresh, as a section saves it
    before = (fig.get_size_inches().tolist(), fig.dpi, fig.get_layout_engine(), fig.canvas)
    charts.save_png(fig, tmp_path / "a.png")
    charts.save_png(fig, tmp_path / "b.png")
    # the figure is left as it was: its size, dpi, layout engine and canvas
    assert (fig.get_size_inches().tolist(), fig.dpi, fig.get_layout_engine(), fig.canvas) == before
    with Image.open(tmp_path / "a.png") as saved, Image.open(tmp_path / "matplotlib.png") as own:
        assert saved.mode == "RGB" and "transparency" not in saved.info  # opaque
        assert saved.info["dpi"] == pytest.approx((charts.DPI, charts.DPI), abs=0.013)
        assert saved.info["dpi"] == pytest.approx(own.info["dpi"], abs=1e-6)  # pdfTeX's size
        assert saved.size == own.size
        assert saved.tobytes() == _on_white(tmp_path / "matplotlib.png").tobytes()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


@pytest.mark.parametrize("draw", CHARTS[:-1], ids=lambda draw: draw.__name__.strip("_"))
def test_nothing_a_chart_draws_is_cut_off_at_the_edges_of_its_png(tmp_path: Path, draw) -> None:
    """The whole figure is saved, not a crop of what was drawn: titles, rotated month labels
    and legends outside the axes must lie inside it, with white margins all round."""
    import numpy as np
    from PIL import Image

    charts.save_png(draw(), tmp_path / "chart.png")
    with Image.open(tmp_path / "chart.png") as saved:
        ink = (np.asarray(saved) != 255).any(axis=2)
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    margins = (rows[0], ink.shape[0] - 1 - rows[-1], columns[0], ink.shape[1] - 1 - columns[-1])
    assert min(margins) >= 5, margins  # pixels of white above, below, left and right


def test_save_png_of_a_translucent_figure_shows_it_on_white(tmp_path: Path) -> None:
    from PIL import Image

    fig = _translucent()
    fig.patch.set_facecolor((0.0, 0.0, 0.0, 0.4))  # 40% black over white
    charts.save_png(fig, tmp_path / "b.png")
    with Image.open(tmp_path / "b.png") as saved:
        assert saved.getpixel((0, 0)) == (153, 153, 153)  # 255 * 0.6


def test_png_encodes_every_pixel_and_row(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(13).integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    (tmp_path / "noise.png").write_bytes(charts._png(noise, 96))
    with Image.open(tmp_path / "noise.png") as decoded:
        assert decoded.mode == "RGB" and decoded.size == (53, 37)
        assert decoded.info["dpi"] == pytest.approx((96, 96), abs=0.013)  # whole px per metre
        assert np.array_equal(np.asarray(decoded), noise)
