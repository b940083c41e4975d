"""24 months of reach, interactions and followers, and under them the engagemangsgrad (the month's
total rate and the mean of its posts' rates, in percent); a plain note when there are no stats."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from governance.i18n import t
from governance.post_figures import PostView, account_months
from screens.view_models import CHART_MONTHS, ChartPoint


class ActivityChart(Vertical):
    """Plots of the account's monthly figures; unknown months are gaps, never zero."""

    DEFAULT_CSS = """
    ActivityChart {
        height: 1fr;
        & > PlotextPlot { height: 1fr; }
        & > #rate-plot { height: 2fr; max-height: 12; min-height: 6; }
        & > .chart-note { color: $text-muted; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(t("tui.chart.loading"), id="chart-note", classes="chart-note")

    def show(self, points: list[ChartPoint]) -> None:
        """Draw ``points`` (oldest first); with none, say that no stats have been read yet.

        An account read again (after every change) redraws the plots already mounted: a removal
        is only done at the next idle, so a new plot mounted now would clash with the old one.
        """
        note = self.query_one("#chart-note", Static)
        shown = self.query(PlotextPlot)
        self._points = points
        if not points:
            shown.remove()
            note.update(t("tui.chart.no_stats", months=CHART_MONTHS))
            return
        known = sum(
            1
            for p in points
            if p.reach is not None or p.interactions is not None or p.followers is not None
        )
        note.update(t("tui.chart.legend", months=len(points), known=known))
        series = (
            ("reach", [p.reach for p in points], "left"),
            ("interactions", [p.interactions for p in points], "left"),
            ("followers", [p.followers for p in points], "right"),
        )
        self._draw("activity-plot", [p.month for p in points], series)
        self.show_post_rates(getattr(self, "_views", []))

    def show_post_rates(self, views: Sequence[PostView]) -> None:
        """Draw the engagemangsgrad plot (:func:`governance.post_figures.account_months`): each
        month's total rate (interactions ÷ followers) and the mean rate of its posts (``views``,
        the account's posts with their rates), in percent."""
        self._views = list(views)
        points: list[ChartPoint] = getattr(self, "_points", [])
        if not points:
            return
        records = [p.record for p in points if p.record is not None]
        months = account_months(records, self._views, [p.month for p in points])
        series = (
            ("total_rate", [_percent(m.total_rate) for m in months], "left"),
            ("post_rate", [_percent(m.mean_post_rate) for m in months], "left"),
        )
        self._draw("rate-plot", [p.month for p in points], series)

    def _draw(
        self, plot_id: str, labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | int | None], str]],
    ) -> None:
        found = self.query(f"#{plot_id}")
        plot = found.first(PlotextPlot) if found else PlotextPlot(id=plot_id)
        plt = plot.plt
        if plot.parent is not None:
            plt.clear_data()  # the settings below are set afresh anyway
        for name, values, side in series:
            xs = [i for i, v in enumerate(values) if v is not None]
            ys = [v for v in values if v is not None]
            if xs:
                plt.plot(xs, ys, label=t(f"tui.chart.{name}") if "rate" not in name
                         else t(f"posts.chart.{name}"), yside=side, marker="braille")
        step = max(1, len(labels) // 8)
        plt.xticks(list(range(0, len(labels), step)), list(labels[::step]))
        if plot.parent is None:
            self.mount(plot, before=self.query_one("#chart-note", Static))
        else:
            plot.refresh()


def _percent(rate: float | None) -> float | None:
    return None if rate is None else rate * 100
