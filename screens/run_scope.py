"""Which accounts the latest audit run judged, for the accounts table's rules column.

The column shows ✓ for an account the run judged and found nothing against, the broken rules'
names where it found some, and – (unknown) where the run says nothing of the account: before
any run, for an account that is not active, and for one the run never judged. A run judges the
register as it stood when it ran, as of its day D (:func:`audits.engine.evaluate`), so an
account registered after D, or after the run itself (a run as of today, then a new account the
same day), was not judged: no finding of it is no sign that it breaks no rule.

The run stores no list of the accounts it judged, only how many; whether it judged one is told
by the account's registration stamp (``created``), as the audit itself tells it
(:func:`governance.registration_day.registered_after`, which also refuses a damaged stamp). An
account stored before the stamp existed has none, and was judged as before. Both stamps are
whole seconds, so an account registered in the second of the run's stamp may have been judged
or not: unless the run found something against it, it is unknown (–), never a ✓ it may not have
earned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from governance.registration_day import next_day_starts, registered_after

if TYPE_CHECKING:
    from audits.runs import RunInfo
    from audits.service import AuditReport


@dataclass(frozen=True)
class RunScope:
    """The latest run's broken rules per account id, and the moment from which an account was
    registered too late for it (the start of the day after D, or the run itself if earlier)."""

    broken: Mapping[str, tuple[str, ...]]
    judged_before: datetime

    @classmethod
    def of(cls, report: AuditReport) -> RunScope:
        """The scope of a stored run with its findings."""
        found: dict[str, list[str]] = {}
        for item in report.items:
            if item.finding.account_id:
                found.setdefault(item.finding.account_id, []).append(item.finding.rule)
        broken = {key: tuple(rules) for key, rules in found.items()}
        return cls(broken, cutoff(report.info))

    def rules_of(
        self, account_id: str, status: str, created: datetime | None
    ) -> tuple[str, ...] | None:
        """The rules the account breaks in the run; () when the run judged it and found none;
        None when the run did not judge it (not active, or registered too late). A stamp of the
        wrong shape raises ValueError naming the field (the store's damage, as the audit says)."""
        if status != "active":
            return None
        if (broken := self.broken.get(account_id)) is not None:
            return broken  # (found by the run, so judged by it, whatever its stamp)
        if created is not None and registered_after(created, self.judged_before):
            return None
        return ()


def cutoff(info: RunInfo) -> datetime:
    """The first moment at which a registered account was not judged by the run ``info``."""
    return min(next_day_starts(info.as_of), info.at)
