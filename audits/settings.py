"""The audit's thresholds, read from ``DATA_DIR/settings.toml`` (table ``[audit]``).

Every key is optional; a missing file means the defaults. The defaults are AKN's application of
the guideline, not its words (the guideline names no number of days and no share): each rule
declares which of its figures are the guideline's and which are these settings
(:mod:`audits.attribution`), and its findings say so. A bad value is refused with the file and
key named, never silently replaced by a default. Each audit run stores the settings it used
(:meth:`AuditSettings.to_doc`), so changing a threshold later never rewrites an earlier run.
Each threshold is read by the rule in :mod:`audits.rules` whose docstring names it
(``inactive_days`` by ``inactive``, and so on).

    [audit]
    inactive_days = 60                     # a post more than this many days before D is too old
    min_reply_rate = 0.90                  # share of replies due that must be on time
    revision_due_soon_days = 30            # warn this many days before the revision deadline
    editors_confirmed_days = 92            # a lead confirms each editor list every quarter
    revision_interval_months = 6           # the guideline is revised every half year
    first_revision_deadline = 2024-03-31   # "nästa revidering sker i mars 2024"
    request_pending_days = 10              # AKN:s tillämpning: working days a request may wait
    revision_acknowledge_days = 30         # AKN:s tillämpning: days editors have to acknowledge
    waiver_max_days = 366                  # AKN:s tillämpning: the longest a waiver may last

    [audit.severity]                       # override a rule's severity: critical | warning
    single-editor = "critical"

    [audit.inactive_days_per_platform]     # inactive_days for one platform (the rest keep it)
    youtube = 120

    [kc]                                   # Kontaktcenter (audits.responsibility)
    department = "Kontaktcenter"           # the register's department that KC is
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from audits.rules import RULE_IDS
from governance.errors import InputError
from governance.fields import FIRST_YEAR, LAST_YEAR, PLATFORMS
from governance.i18n import t
from governance.kc import KC_DEPARTMENT, parse_kc
from governance.settings_document import read_settings_document
from governance.text_safety import visible

SETTINGS_FILE = "settings.toml"
SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class AuditSettings:
    """The thresholds of one audit run."""

    inactive_days: int = 60
    min_reply_rate: Fraction = Fraction(9, 10)
    revision_due_soon_days: int = 30
    #: A lead confirms each editor list every quarter; older confirmations count as missing.
    editors_confirmed_days: int = 92
    revision_interval_months: int = 6
    first_revision_deadline: date = date(2024, 3, 31)
    #: AKN:s tillämpning: working days (governance.worktime) a request may wait for a decision.
    request_pending_days: int = 10
    #: AKN:s tillämpning: days after a revision (or an editor's appointment) to acknowledge it.
    revision_acknowledge_days: int = 30
    #: AKN:s tillämpning: the most days a waiver may run past the day its run judged (a waiver is
    #: temporary: a finding kept for good is a matter for the guideline, not for a waiver).
    waiver_max_days: int = 366
    #: Severity overrides by rule id; rules not named keep their default severity.
    severity: Mapping[str, str] = field(default_factory=dict)
    #: ``inactive_days`` of the platforms named here (``[audit.inactive_days_per_platform]``).
    inactive_days_per_platform: Mapping[str, int] = field(default_factory=dict)
    #: The register's department that Kontaktcenter is (``[kc] department``, not ``[audit]``).
    kc_department: str = KC_DEPARTMENT

    def inactive_limit(self, platform: str) -> int:
        """The inactivity limit of ``platform``: its own if the table names it, else the default."""
        return self.inactive_days_per_platform.get(platform, self.inactive_days)

    def to_doc(self) -> dict[str, Any]:
        """The JSON form stored with each run (the rate as text, so 0.9 stays exactly 0.9)."""
        return {
            "inactive_days": self.inactive_days,
            "min_reply_rate": str(self.min_reply_rate),
            "revision_due_soon_days": self.revision_due_soon_days,
            "editors_confirmed_days": self.editors_confirmed_days,
            "revision_interval_months": self.revision_interval_months,
            "first_revision_deadline": self.first_revision_deadline.isoformat(),
            "request_pending_days": self.request_pending_days,
            "revision_acknowledge_days": self.revision_acknowledge_days,
            "waiver_max_days": self.waiver_max_days,
            "severity": dict(self.severity),
            "inactive_days_per_platform": dict(self.inactive_days_per_platform),
            "kc_department": self.kc_department,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> AuditSettings:
        """The settings stored with a run, held to the same limits as ``settings.toml``.

        Raises KeyError, TypeError, ValueError or InputError for a document we did not write.
        """
        rate = Fraction(str(doc["min_reply_rate"]))
        if not 0 <= rate <= 1:
            raise ValueError(f"min_reply_rate {rate}")
        # Runs stored before a setting existed were judged without it: its default stands in.
        table = {
            key: doc.get(key, _ADDED_LATER[key]) if key in _ADDED_LATER else doc[key]
            for key in _INT_KEYS
        }
        table["first_revision_deadline"] = date.fromisoformat(doc["first_revision_deadline"])
        table["severity"] = doc.get("severity", {})
        table["inactive_days_per_platform"] = doc.get("inactive_days_per_platform", {})
        kc = parse_kc({"department": doc.get("kc_department", KC_DEPARTMENT)}, "<run>")
        return replace(parse_settings(table, "<run>"), min_reply_rate=rate, kc_department=kc)


_INT_KEYS = {
    "inactive_days": (1, 3650),
    "revision_due_soon_days": (0, 3650),
    "editors_confirmed_days": (1, 3650),
    "revision_interval_months": (1, 120),
    "request_pending_days": (1, 3650),
    "revision_acknowledge_days": (1, 3650),
    "waiver_max_days": (1, 3650),
}
#: Settings that came after the first runs were stored, with the defaults those runs stand for.
_ADDED_LATER = {
    "editors_confirmed_days": 92,
    "request_pending_days": 10,
    "revision_acknowledge_days": 30,
    "waiver_max_days": 366,
}


def load_settings(data_dir: Path) -> AuditSettings:
    """The settings in ``data_dir/settings.toml``, or the defaults if there is no such file."""
    document, path = read_settings_document(data_dir, key="audit.settings.syntax")
    settings = parse_settings(document.get("audit", {}), str(path))
    return replace(settings, kc_department=parse_kc(document.get("kc", {}), str(path)))


def parse_settings(table: Any, path: str = SETTINGS_FILE) -> AuditSettings:
    """Check the ``[audit]`` table of a settings document."""

    def bad(key: str, reason_key: str, **params: Any) -> InputError:
        return InputError(
            "audit.settings.bad_value",
            path=path,
            key=f"audit.{key}",
            reason=t(reason_key, **params),
        )

    if not isinstance(table, dict):
        raise bad("", "audit.settings.not_table")
    known = {f.name for f in fields(AuditSettings)} - {"kc_department"}  # its own table
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise bad(key, "audit.settings.unknown_key", allowed=", ".join(sorted(known)))
        values[key] = _checked(key, value, bad)
    return AuditSettings(**values)


def _checked(key: str, value: Any, bad: Callable[..., InputError]) -> Any:
    """One known key's value, converted, or the error ``bad`` makes for it."""
    if key in _INT_KEYS:
        low, high = _INT_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad(key, "audit.settings.not_int", low=low, high=high)
        return value
    if key == "min_reply_rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise bad(key, "audit.settings.not_rate")
        return Fraction(str(value))  # via str: 0.9 is 9/10, not the nearest double
    if key == "first_revision_deadline":
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise bad(key, "audit.settings.not_date")
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise bad(key, "input.year_out_of_range", value=value, first=FIRST_YEAR, last=LAST_YEAR)
        return value
    if not isinstance(value, dict):
        raise bad(key, "audit.settings.not_table")
    if key == "inactive_days_per_platform":
        return _per_platform(key, value, bad)
    # The only key left is the table of severity overrides.
    for rule, severity in value.items():
        if rule not in RULE_IDS:
            raise bad(
                f"severity.{rule}", "audit.settings.unknown_rule", allowed=", ".join(RULE_IDS)
            )
        if severity not in SEVERITIES:
            raise bad(f"severity.{rule}", "audit.settings.not_severity")
    return dict(value)


def _per_platform(
    key: str, table: dict[str, Any], bad: Callable[..., InputError]
) -> dict[str, int]:
    """``[audit.inactive_days_per_platform]``: known platforms only, each a whole number of days
    in ``inactive_days``'s range."""
    low, high = _INT_KEYS["inactive_days"]
    limits: dict[str, int] = {}
    for platform, days in table.items():
        if platform not in PLATFORMS:
            raise bad(f"{key}.{visible(platform)}", "goals.settings.unknown_platform",
                      allowed=", ".join(PLATFORMS))  # fmt: skip
        if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
            raise bad(f"{key}.{platform}", "audit.settings.not_int", low=low, high=high)
        limits[platform] = days
    return limits
