"""Numbers as the report's reader writes them: ``1 234`` and ``1,2 %`` in Swedish, ``1,234`` and
``1.2%`` in English; an unknown figure is the word for unknown, never 0 or a dash."""

from __future__ import annotations

from collections.abc import Sequence

from governance.i18n import current_language, t

_NBSP = "\u00a0"


def whole(number: int | float | None) -> str:
    """A count with thousands grouped; unknown as the word."""
    if number is None:
        return t("report.unknown")
    text = f"{round(number):,}"
    return text.replace(",", _NBSP) if current_language() == "sv" else text


def percent(share: float | None, decimals: int = 1) -> str:
    """A share (0.012) as a percentage (``1,2 %``); unknown as the word."""
    if share is None:
        return t("report.unknown")
    text = f"{share * 100:,.{decimals}f}"
    if current_language() == "sv":
        return text.replace(",", _NBSP).replace(".", ",") + f"{_NBSP}%"
    return f"{text}%"


def axis_number(number: float, is_percent: bool) -> str:
    """A chart axis label: whole numbers grouped, shares as percentages (no unknowns here)."""
    if is_percent:
        return percent(number, 1 if number < 0.1 else 0)
    return whole(number)


def describe(name: str, months: Sequence[str], values: Sequence[float | None], pct: bool) -> str:
    """Every month's value in words, for a chart's ``<desc>`` (screen readers, grayscale)."""
    shown = [
        f"{month}: {percent(v, 2) if pct else whole(v)}"
        for month, v in zip(months, values, strict=True)
    ]
    return t("report.chart.desc", measure=name, values="; ".join(shown))
