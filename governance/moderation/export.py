"""``moderation export``: the register as a CSV for Swedish Excel or an xlsx workbook.

No screenshots and no personal data beyond the recorder's login: the note (which refuses e-mail
addresses on the way in) is the only free text. Headers are in the current language; cells that
are ids, codes and times stay as stored, so a script can read any language's file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from governance.csvio import render_csv
from governance.i18n import t
from governance.moderation.service import Listed
from governance.monthly import STOCKHOLM

COLUMNS = (
    "id", "account", "department", "at", "action", "reason", "comment_id", "notified", "note",
    "screenshot_sha256", "screenshot_deleted_at", "recorded_by", "recorded_at", "sent_at",
    "sent_by", "diarienummer", "diarienummer_at",
)  # fmt: skip
FORMATS = ("csv", "xlsx")


def export_rows(items: Sequence[Listed]) -> list[list[str]]:
    """One row per record, in :data:`COLUMNS` order."""
    rows = []
    for listed in items:
        r = listed.record
        shot = r.screenshot
        notified = "" if r.notified is None else ("ja" if r.notified else "nej")
        rows.append([
            r.id, listed.ref, listed.department, _time(r.at), r.action, r.reason, r.comment_id,
            notified, r.note, shot.sha256 if shot else "",
            _time(shot.deleted_at) if shot else "", r.recorded_by, _time(r.recorded_at),
            _time(r.sent_at), r.sent_by, r.diarienummer, _time(r.diarienummer_at),
        ])  # fmt: skip
    return rows


def render_export(items: Sequence[Listed], file_format: str, delimiter: str = ";") -> bytes:
    """The export's bytes in ``csv`` or ``xlsx``."""
    header = [t(f"moderation.column.{name}") for name in COLUMNS]
    rows = export_rows(items)
    if file_format == "xlsx":
        return _xlsx(header, rows)
    return render_csv(header, rows, delimiter)


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    import xlsxwriter  # only this export needs it (0.1 s at start-up otherwise)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(t("moderation.sheet"))
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True, "num_format": "@"})
    sheet.set_column(0, len(header) - 1, 20, text)
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, bold)
    for number, cells in enumerate(rows, start=1):
        for column, value in enumerate(cells):
            sheet.write_string(number, column, value, text)  # text, never a formula
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _time(moment: datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).isoformat() if moment else ""
