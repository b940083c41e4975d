"""``kontokoll doctor``'s check of the stored audit runs, with the audit's own reader.

Governance's checks (:mod:`governance.doctor`) cannot read what is inside a run (the store layer
never imports the audit), so the command composes them: after them, each run file is read
exactly as ``audit show``, ``audit export`` and ``report`` read it
(:func:`audits.runs.load_run`), and whatever they would refuse is named here, file and field.
Two things no reader checks are named too, as doctor names an index that disagrees with the
shards: a run whose quarter is not the one its file name says, and counts per severity that do
not match its findings.

Read-only like the rest of doctor: under the shared lock if its file exists (never creating it),
without the recovery or the whole-store check a command's transaction starts with (doctor reports
a leftover journal or a missing file itself).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.doctor import Problem, shared_lock
from governance.errors import StoreCorrupt, StoreError
from governance.storage.layout import AUDIT_RUNS_FOLDER, run_file

if TYPE_CHECKING:
    from governance.storage.transactions import ReadTransaction

#: A run file's name (the run's id, ``2026Q4-7``): other names are doctor's "unexpected" files.
_RUN_NAME = re.compile(r"(\d{4}Q[1-4])-\d+\.json", re.ASCII)


def run_problems(root: Path) -> list[Problem]:
    """Every problem inside the run files of the data directory ``root``; none if it has none."""
    from governance.storage.database import Database, ReadTransaction

    folder = root / AUDIT_RUNS_FOLDER
    if any(p.is_symlink() for p in (root, folder.parent, folder)) or not folder.is_dir():
        return []  # no runs, or a planted link: the tree check names it
    names = sorted(name for name in _names(folder) if _RUN_NAME.fullmatch(name))
    if not names:
        return []
    problems: list[Problem] = []
    with shared_lock(root):
        database = Database(root)  # root exists (the folder is in it): nothing is created
        try:
            txn = ReadTransaction(database)
            for name in names:  # (listed or not: the audit reads any run the index names)
                problems += _run_file_problems(txn, root, run_file(name.removesuffix(".json")))
        except StoreError:
            pass  # an unusable manifest or folder: governance's checks name it
        finally:
            database.close()
    return problems


def _names(folder: Path) -> list[str]:
    try:
        return [entry.name for entry in folder.iterdir()]
    except OSError:
        return []


def _run_file_problems(txn: ReadTransaction, root: Path, rel: str) -> list[Problem]:
    """What the audit's reader refuses in one run file, and what in it disagrees."""
    from audits import runs, stored
    from governance.i18n import t
    from governance.store import repos

    run_id = rel.rsplit("/", 1)[1].removesuffix(".json")
    path = str(root / rel)
    repository = repos(txn).runs
    try:
        doc = repository.document(run_id)
    except StoreError:
        return []  # not JSON, too new, a link: governance's checks name it
    try:
        with stored.reading(repository.where_run(run_id), run_id):
            if not isinstance(doc, dict):
                raise stored.BadField("run")
            info = runs.RunInfo.from_doc(doc)
            if info.id != run_id:
                raise stored.BadField("id")
        findings = runs.load_run(txn, info).findings
    except StoreCorrupt as error:
        if str(error.params.get("path")) != path:
            return []  # another file the reader needed: governance's checks name it
        return [Problem(path, "doctor.problem.shape", {"detail": error.params.get("detail")})]
    except StoreError:
        return []  # a link or special file: the tree check names it
    problems = []
    quarter = _RUN_NAME.fullmatch(f"{run_id}.json")
    if quarter is not None and str(info.quarter) != quarter[1]:
        detail = t("storecheck.run_quarter", quarter=str(info.quarter), name=f"{run_id}.json")
        problems.append(Problem(path, "doctor.problem.shape", {"detail": detail}))
    found = Counter(finding.severity for finding in findings)
    stored_counts = {k: v for k, v in info.counts.items() if v}
    if stored_counts != dict(found):
        detail = t("storecheck.run_counts", stored=_counts(stored_counts), found=_counts(found))
        problems.append(Problem(path, "doctor.problem.shape", {"detail": detail}))
    return problems


def _counts(counts: dict[str, Any] | Counter[str]) -> str:
    return ", ".join(f"{severity} {count}" for severity, count in sorted(counts.items())) or "0"
