"""The latest audit run with its findings' status, built once and reused while nothing changed.

The app asks for the latest report at start (the accounts table's rules column, the overview)
and again on every account it opens (the account's row and its findings). Building it gives each
of about 15,000 findings its status from the acknowledgements and waivers, a good third of a
second at 10,000 accounts; reading which run is the latest and the reviews themselves takes about
a millisecond. So the report is kept with what it was built from — the run, the reviews, the
language of its notes — and built again only when one of them differs. A run never changes once
stored; a new run, a new acknowledgement or waiver (from the app or from the CLI in another
process) makes the key differ.
"""

from __future__ import annotations

import threading
from datetime import datetime

from audits.runs import Reviews, latest_runs, list_runs, load_reviews
from audits.service import AuditReport, AuditService
from governance.i18n import current_language
from governance.store import Store

#: What a latest report is built from: its run (id, number, time), the language of its notes.
RunKey = tuple[str, int, datetime, str]
#: The run's key and the reviews that decide each finding's status.
Inputs = tuple[RunKey, Reviews]


class LatestReport:
    """The latest quarter's latest run as a report, rebuilt only when its inputs change."""

    def __init__(self, store: Store, audits: AuditService) -> None:
        self._store = store
        self._audits = audits
        self._lock = threading.Lock()  # the app reads from more than one worker thread
        self._kept: tuple[RunKey, Reviews, AuditReport] | None = None

    def inputs(self) -> Inputs | None:
        """What the latest report is built from: its run's key and the reviews (a read of about
        a millisecond); None before the first audit."""
        with self._store.read() as txn:
            latest = latest_runs(list_runs(txn))
            if not latest:
                return None
            info = latest[max(latest)]
            reviews = load_reviews(txn)
        return (info.id, info.number, info.at, current_language()), reviews

    def get(self) -> AuditReport | None:
        """The latest report, or None before the first audit."""
        inputs = self.inputs()
        if inputs is None:
            return None
        key, reviews = inputs
        with self._lock:
            kept = self._kept
            if kept is not None and kept[0] == key and kept[1] == reviews:
                return kept[2]
            # Built from a later read than ``reviews``: if a review came in between, the key
            # holds the older reviews and the next call builds again (never a stale report).
            report = self._audits.report(run_id=key[0])
            self._kept = (key, reviews, report)
            return report

    def offer(self, before: Inputs | None, report: AuditReport) -> bool:
        """Keep ``report``, built elsewhere (the audit screen's worklist) from a read made after
        ``before`` (this object's ``inputs()``), as the latest report — if it is the latest run's
        and its inputs are still ``before``. The reviews are append-only records, so inputs equal
        before and after mean the report was built from exactly them. Whether it was kept."""
        after = self.inputs()
        if before is None or after != before or report.info.id != after[0][0]:
            return False
        with self._lock:
            self._kept = (after[0], after[1], report)
        return True
