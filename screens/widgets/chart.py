"""24 months of reach, interactions and followers, or a plain note when there are no stats yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from governance.i18n import t
from screens.view_models import CHART_MONTHS, ChartPoint


class ActivityChart(Vertical):
    """A plot of the account's monthly figures; unknown months are gaps, never zero."""

    DEFAULT_CSS = """
    ActivityChart {
        height: 1fr;
        & > PlotextPlot { height: 1fr; }
        & > .chart-note { color: $text-muted; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(t("tui.chart.loading"), id="chart-note", classes="chart-note")

    def show(self, points: list[ChartPoint]) -> None:
        """Draw ``points`` (oldest first); with none, say that no stats have been read yet.

        An account read again (after every change) redraws the plot already mounted: a removal
        is only done at the next idle, so a new plot mounted now would clash with the old one.
        """
        note = self.query_one("#chart-note", Static)
        shown = self.query(PlotextPlot)
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
        plot = shown.first() if shown else PlotextPlot(id="activity-plot")
        labels = [p.month for p in points]
        series = (
            ("reach", [p.reach for p in points], "left"),
            ("interactions", [p.interactions for p in points], "left"),
            ("followers", [p.followers for p in points], "right"),
        )
        plt = plot.plt
        if plot.parent is not None:
            plt.clear_data()  # the settings below are set afresh anyway
        for name, values, side in series:
            xs = [i for i, v in enumerate(values) if v is not None]
            ys = [v for v in values if v is not None]
            if xs:
                plt.plot(xs, ys, label=t(f"tui.chart.{name}"), yside=side, marker="braille")
        step = max(1, len(labels) // 8)
        plt.xticks(list(range(0, len(labels), step)), labels[::step])
        if plot.parent is None:
            self.mount(plot, before=note)
        else:
            plot.refresh()
