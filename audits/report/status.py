"""A finding's status as the report says it: the status alone.

The report goes to departments and beyond (``audit send --with-report``), so it carries no
personal data. A waiver's reason and its approver's name, and an acknowledgement's note, are
free text that may name people; they stay in the worklist and the department's own packet.
"""

from __future__ import annotations

from audits.exports import ReportItem
from governance.i18n import t


def public_status(item: ReportItem) -> str:
    """``öppen``, ``kvitterad`` or ``undantagen``: never the note on it."""
    return t(f"audit.status.{item.status}")
