"""Export from the app: ask where (and in which format), then save, or download in a browser.

In a terminal the dialog offers a folder (the one the app was told to use, else the user's
Downloads if it exists, else the current directory) and writes the file there through
:func:`governance.export_target.write_export` (never into the data directory, never creating a
folder); a folder that is refused (:mod:`screens.audit.export_folder`: empty, not there, not a
folder, in the data directory …) is marked, and the dialog keeps what was typed. A file of the
export's name already there is replaced only once the user says yes. The notification names the
full path. Served in a browser (textual-serve) there is no folder to
choose: the file downloads through ``deliver_text`` / ``deliver_binary``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from audits.exports import FORMATS
from audits.quarters import Quarter
from governance.i18n import t
from screens.audit.export_folder import DIRECTORY, check_target, export_folder, on_the_folder_box
from screens.audit.review_dialog import AskFirst, ReviewDialog

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: Set in the texts once the user has said yes to replacing the file that is there.
REPLACE = "replace"
MIME_TYPES = {
    "csv": "text/csv",
    "md": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_name(quarter: Quarter, fmt: str) -> str:
    """The export's file name: ``kontokoll-avvikelser-2026Q4.csv``."""
    return f"kontokoll-avvikelser-{quarter}.{fmt}"


def download(app: KontokollApp, data: bytes, filename: str, fmt: str) -> None:
    """Hand an export to the browser (textual-serve); the app says when it has been delivered."""
    mime = MIME_TYPES[fmt]
    if fmt == "xlsx":
        app.deliver_binary(io.BytesIO(data), save_filename=filename, mime_type=mime, name=filename)
    else:
        app.deliver_export(data, filename, mime)


def open_export_dialog(app: KontokollApp, quarter: Quarter) -> None:
    """Ask where to save ``quarter``'s findings and in which format; save when confirmed."""
    services, web = app.services, app.is_web
    default = app.export_dir or services.export_directory()
    fields = [] if web else [(DIRECTORY, t("worklist.export.directory"), str(default))]
    formats = [(t(f"worklist.export.formats.{fmt}"), fmt) for fmt in FORMATS]

    def submit(texts: dict[str, str]) -> str:
        fmt = texts["format"]
        filename = export_name(quarter, fmt)
        if web:
            data = services.export_findings(quarter, fmt=fmt)
            app.call_from_thread(download, app, data, filename, fmt)
            return ""  # the app tells when the browser has it
        # The folder checked before the export is made: a refusal comes at once.
        folder = export_folder(texts[DIRECTORY], default=default)
        target = folder / filename
        if check_target(target, data_dir=services.data_dir) and REPLACE not in texts:
            question = t("export_folder.exists", path=str(target))
            raise AskFirst(question, t("export_folder.replace"), REPLACE, DIRECTORY)
        data = services.export_findings(quarter, fmt=fmt)
        with on_the_folder_box():  # (write_export checks everything again as it writes)
            path, replaced = services.save_export(str(folder), filename, data)
        return t(
            "worklist.export.replaced" if replaced else "worklist.export.saved", path=str(path)
        )

    def done(notice: str | None) -> None:
        if notice:
            app.notify(notice, title=t("tui.export.title"), timeout=10)

    app.push_screen(
        ReviewDialog(
            t("worklist.export.title", quarter=str(quarter)),
            fields,
            t("worklist.export.save"),
            submit,
            dialog_id="export-dialog",
            choice=("format", t("worklist.export.format"), formats, "csv"),
            note=t(
                "worklist.export.web" if web else "worklist.export.file",
                name=export_name(quarter, ""),
            ),
        ),
        done,
    )
