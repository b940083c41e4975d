"""The report's figures, read from the stored monthly rows: per account and month, and summed.

Definitions (the README's *The quarterly report* repeats them for readers):

- **Interactions** are reactions + comments + shares + saves (the guideline's *interaktioner*,
  "reaktioner, kommentarer, dela eller spara"). A part that is unknown in *every* stored month of
  the account is one its platform does not report (saves on Facebook, shares on YouTube) and is
  left out; a month in which a part the account does report is unknown is unknown as a whole,
  never a smaller number.
- **Engagemangsgrad** (total rate) is the month's interactions ÷ the channel's followers that
  month: "hur stor andel av kanalens följare som har engagerat sig". Unknown when either is
  unknown, or when there are no followers to divide by.
- **Sums** over several accounts (a department, the city) add the accounts whose figure is known
  and say how many of how many they are (:class:`Total`); with none known the sum is unknown. A
  total rate divides the interactions by the followers of the accounts that know both.

Reply figures come in pairs (due, on time) summed over the quarter's months where both are known.
The pairs are those the monthly record has: ``replies`` always, ``questions`` and ``dms`` once
the record carries them (checked once, at import, against :class:`MonthlyStats`'s fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from governance.monthly import STORED_FIELDS, MonthlyStats

Row = Sequence[Any]

#: The parts of an interaction, in the guideline's order.
INTERACTION_PARTS: tuple[str, ...] = ("reactions", "comments", "shares", "saves")
#: Reply duties (name, due field, on-time field), in the order the report shows them.
_REPLY_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("replies", "replies_due", "replies_on_time"),
    ("questions", "questions_due", "questions_on_time"),
    ("dms", "dms_due", "dms_on_time"),
)
_RECORD_FIELDS = frozenset(f.name for f in fields(MonthlyStats))
_INDEX = {name: index for index, name in enumerate(STORED_FIELDS)}
#: The reply pairs this version of the monthly record keeps (questions and DMs came later).
REPLY_KINDS: tuple[str, ...] = tuple(
    name
    for name, due, on_time in _REPLY_PAIRS
    if {due, on_time} <= _RECORD_FIELDS and due in _INDEX and on_time in _INDEX
)
#: Hidden comments per month (a moderation figure from the platforms), once the record has it.
HAS_HIDDEN = "hidden" in _RECORD_FIELDS and "hidden" in _INDEX


def value(row: Row | None, name: str) -> int | None:
    """One stored figure of a month row; None when unknown, absent, or not a whole number.

    A row written before a field was appended to the record is shorter: the field is unknown.
    """
    if row is None:
        return None
    index = _INDEX.get(name)
    if index is None or index >= len(row):
        return None
    figure = row[index]
    return figure if isinstance(figure, int) and not isinstance(figure, bool) else None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One account's figures for one month; None is unknown."""

    month: str
    reach: int | None
    interactions: int | None
    followers: int | None
    new_followers: int | None

    @property
    def rate(self) -> float | None:
        """Engagemangsgrad: interactions ÷ followers (a fraction, 0.012 = 1.2 %)."""
        return rate(self.interactions, self.followers)


def rate(interactions: int | None, followers: int | None) -> float | None:
    """``interactions / followers``; unknown when either is unknown or there are no followers."""
    if interactions is None or followers is None or followers <= 0:
        return None
    return interactions / followers


def reported_parts(rows: Mapping[str, Row]) -> tuple[str, ...]:
    """The interaction parts known in at least one of the account's stored months."""
    stored = list(rows.values())
    return tuple(p for p in INTERACTION_PARTS if any(value(r, p) is not None for r in stored))


def interactions(row: Row | None, parts: Sequence[str]) -> int | None:
    """The month's interactions over ``parts``; unknown if any of them is (or there are none)."""
    if row is None or not parts:
        return None
    total = 0
    for part in parts:
        figure = value(row, part)
        if figure is None:
            return None
        total += figure
    return total


def account_months(rows: Mapping[str, Row], months: Sequence[str]) -> tuple[MonthFigures, ...]:
    """One account's figures for each of ``months`` (a month without a row is all unknown)."""
    parts = reported_parts(rows)
    result = []
    for month in months:
        row = rows.get(month)
        result.append(
            MonthFigures(
                month,
                value(row, "reach"),
                interactions(row, parts),
                value(row, "followers"),
                value(row, "new_followers"),
            )
        )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Total:
    """A sum over accounts: the value (None if no account knew it) and how many knew it."""

    value: int | None
    known: int
    of: int


def total(figures: Iterable[int | None], of: int) -> Total:
    """Sum the known figures of ``of`` accounts; say how many were known."""
    known = [f for f in figures if f is not None]
    return Total(sum(known) if known else None, len(known), of)


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """One month summed over a group of accounts."""

    month: str
    accounts: int
    reach: Total
    interactions: Total
    new_followers: Total
    #: Interactions ÷ followers over the accounts that know both; and how many those are.
    rate: float | None
    rate_known: int


def month_totals(
    per_account: Sequence[Sequence[MonthFigures]], months: Sequence[str]
) -> tuple[MonthTotals, ...]:
    """Each month's sums over accounts (each account's figures in ``months`` order)."""
    count = len(per_account)
    result = []
    for index, month in enumerate(months):
        column = [figures[index] for figures in per_account]
        both = [
            (f.interactions, f.followers)
            for f in column
            if f.interactions is not None and f.followers is not None and f.followers > 0
        ]
        shared = rate(sum(i for i, _ in both), sum(f for _, f in both)) if both else None
        result.append(
            MonthTotals(
                month,
                count,
                total((f.reach for f in column), count),
                total((f.interactions for f in column), count),
                total((f.new_followers for f in column), count),
                shared,
                len(both),
            )
        )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Replies:
    """One reply duty over the quarter: messages due and answered on time (None: unknown)."""

    kind: str
    due: int | None
    on_time: int | None

    @property
    def share(self) -> float | None:
        """On time ÷ due; unknown when unknown or nothing was due."""
        if self.due is None or self.on_time is None or self.due == 0:
            return None
        return self.on_time / self.due


def quarter_replies(rows: Mapping[str, Row], months: Sequence[str]) -> tuple[Replies, ...]:
    """Each reply duty the record keeps, summed over ``months`` where both figures are known."""
    result = []
    for kind in REPLY_KINDS:
        due_name, on_time_name = f"{kind}_due", f"{kind}_on_time"
        known = [
            (due, on_time)
            for month in months
            if (due := value(rows.get(month), due_name)) is not None
            and (on_time := value(rows.get(month), on_time_name)) is not None
        ]
        if known:
            result.append(Replies(kind, sum(d for d, _ in known), sum(o for _, o in known)))
        else:
            result.append(Replies(kind, None, None))
    return tuple(result)


def sum_replies(groups: Iterable[Sequence[Replies]]) -> tuple[Replies, ...]:
    """The reply duties of several accounts added up (known ones only; none known: unknown)."""
    due: dict[str, list[int]] = {kind: [] for kind in REPLY_KINDS}
    on_time: dict[str, list[int]] = {kind: [] for kind in REPLY_KINDS}
    for replies in groups:
        for item in replies:
            if item.due is not None and item.on_time is not None:
                due[item.kind].append(item.due)
                on_time[item.kind].append(item.on_time)
    return tuple(
        Replies(kind, sum(due[kind]), sum(on_time[kind]))
        if due[kind]
        else Replies(kind, None, None)
        for kind in REPLY_KINDS
    )


def quarter_hidden(rows: Mapping[str, Row], months: Sequence[str]) -> int | None:
    """Comments hidden on the account in the quarter (from the platform); None if unknown."""
    if not HAS_HIDDEN:
        return None
    known = [h for month in months if (h := value(rows.get(month), "hidden")) is not None]
    return sum(known) if known else None
