"""An audit history for the demo register, so that a newcomer sees every rule and a diff.

Called by the demo setup after the demo's stats are in. It records one guideline revision and
runs the previous quarter's audit (as of its last day) and the current one (as of today). The
revision is dated so that its deadline falls just after the previous quarter's end and before
today: the previous run shows ``revision-due-soon`` and the current one ``revision-overdue``
(the two cannot fire in the same run). The demo's accounts, built to break the register rules,
and its activity levels (dormant, never, slow-replies, platforms without stats) give the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from audits.quarters import Quarter, add_months_to_date
from audits.service import AuditReport, AuditService
from governance.monthly import STOCKHOLM
from governance.store import Store

#: How many days after the previous quarter's end the seeded revision deadline falls.
DEADLINE_AFTER_DAYS = 15


def seed_demo_audits(store: Store, now: datetime) -> tuple[AuditReport, AuditReport] | None:
    """Record a revision and run the previous and current quarters; None if already seeded."""
    service = AuditService(store, clock=lambda: now)
    if service.runs():
        return None
    today = now.astimezone(STOCKHOLM).date()
    previous_end = Quarter.of(today).previous().last_day
    # On or after the previous quarter's end (due soon then) and before today (overdue now).
    gap = min(DEADLINE_AFTER_DAYS, (today - previous_end).days - 1)
    deadline = previous_end + timedelta(days=gap)
    interval = service.settings().revision_interval_months
    revised = add_months_to_date(deadline, -interval)
    while add_months_to_date(revised, interval) < deadline:  # month-end clamping can fall short
        revised += timedelta(days=1)
    service.record_revision(revised, "Halvårsrevidering (demo)")
    earlier = service.run(Quarter.of(previous_end))
    current = service.run(as_of=today)
    return earlier, current
