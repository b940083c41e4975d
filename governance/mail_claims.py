"""A claim on a mail about to go out, so that two processes never send the same mail.

Checking "not sent yet" under a read and recording "sent" under a later write lets two senders
(cron and a person, the app and the CLI) both pass the check and both mail. So a sender first
*claims* the mail under the store's write lock, in the same transaction that checks it is still
unsent and unclaimed; it talks to the SMTP server only after that commit, then records the mail
as sent (which ends the claim), or releases the claim if the server took nothing.

A claim says who claimed it, when, and which process on which host. It is *live* while that
process runs and for at most :data:`STALE_AFTER` (one mail's send takes seconds; the SMTP
timeouts are 30 s). A claim whose process is gone (``kill -9`` between the claim and the record)
or that is older than that is *stale*: the mail may or may not have gone out, and only a person
can find out (ask the recipients). So a stale claim blocks a plain send, with a message naming
when the mail may have gone out, and ``--resend`` takes it over; a live claim blocks even
``--resend``, which must never race a send under way.

The record that holds the claim (a moderation record, a packet's row in ``audit/sent.json``)
stores it as :meth:`SendClaim.to_doc`; :func:`claim_problems` checks a stored one field by field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from governance.fields import FIRST_YEAR, LAST_YEAR
from governance.i18n import t
from governance.monthly import STOCKHOLM
from governance.text_safety import MAX_TEXT, UNSAFE

#: After this long a claim is stale even if its process still runs (a hung send, a reused pid).
STALE_AFTER = timedelta(minutes=10)
#: The largest process id a claim may hold (Linux's ceiling is 2**22; anything past a C int
#: would overflow ``os.kill``).
MAX_PID = 2**31 - 1
_TOKEN = re.compile(r"[0-9a-f]{16}")

#: What a sender may do about the claim it found: ``free`` (none), ``busy`` (a live one: send
#: nothing), ``unfinished`` (a stale one, and no ``--resend``), ``take_over`` (a stale one, and
#: ``--resend``).
Verdict = Literal["free", "busy", "unfinished", "take_over"]


@dataclass(frozen=True)
class SendClaim:
    """One process's claim on one mail: ``token`` tells its own claim from a later one."""

    token: str
    user: str  # the login that is sending
    at: datetime  # when it claimed the mail (aware)
    host: str
    pid: int

    def to_doc(self) -> dict[str, Any]:
        return {"token": self.token, "user": self.user, "at": self.at.isoformat(),
                "host": self.host, "pid": self.pid}

    @classmethod
    def from_doc(cls, doc: Any) -> SendClaim:
        """A stored claim; ValueError naming the field if it is not one that Kontokoll writes."""
        for field, _reason in claim_problems(doc):
            raise ValueError(field)  # the readers check first; this keeps a bad one out anyway
        return cls(doc["token"], doc["user"], datetime.fromisoformat(doc["at"]), doc["host"],
                   doc["pid"])

    def same(self, other: SendClaim | None) -> bool:
        """Whether ``other`` is this very claim (not one that took it over)."""
        return other is not None and other.token == self.token


def new_claim(user: str, now: datetime) -> SendClaim:
    """A claim by this process, now."""
    return SendClaim(os.urandom(8).hex(), user, now, _host(), os.getpid())


def verdict(claim: SendClaim | None, now: datetime, *, resend: bool) -> Verdict:
    """What a sender that found ``claim`` on its mail may do (see the module docstring)."""
    if claim is None:
        return "free"
    if not is_stale(claim, now):
        return "busy"
    return "take_over" if resend else "unfinished"


def is_stale(claim: SendClaim, now: datetime) -> bool:
    """Too old, or its process (on this host) is gone. A claim from another host is judged by
    its age alone: its process cannot be seen from here."""
    if abs(now - claim.at) > STALE_AFTER:  # a time ahead of the clock is none Kontokoll wrote
        return True
    return claim.host == _host() and not _running(claim.pid)


def claim_params(claim: SendClaim, now: datetime | None = None) -> dict[str, str]:
    """The claim's facts as a message's parameters: ``user``, ``at`` (Stockholm time), ``pid``,
    ``host``; ``until``, the time (HH:MM) after which it counts as unfinished even if its
    process still runs; and ``sent_when``, when a mail may have gone out: at the claim's time,
    unless that is ahead of this clock (``now``, the real time if not given). A clock set back
    since the claim makes that time one that has not happened, and the message says so."""
    at = claim.at.astimezone(STOCKHOLM).isoformat(timespec="seconds")
    until = f"{(claim.at + STALE_AFTER).astimezone(STOCKHOLM):%H:%M}"
    ahead = claim.at > (now or datetime.now(UTC))
    sent_when = t("mail_claims.sent_when.ahead" if ahead else "mail_claims.sent_when.at", at=at)
    return {"user": claim.user, "at": at, "pid": str(claim.pid), "host": claim.host,
            "until": until, "sent_when": sent_when}


def _host() -> str:
    """This machine's name (``gethostname``, without loading the socket module)."""
    return os.uname().nodename


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process (the app) is still sending it in another thread
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but belongs to another user (EPERM)
    return True


def claim_problems(doc: Any, where: str = "sending") -> Iterator[tuple[str, str]]:
    """Each (field, problem) of a claim stored under the field ``where``, the problem as a
    message key of ``mail_claims.reason``; nothing for a claim as Kontokoll writes it."""
    if not isinstance(doc, dict):
        yield where, "mail_claims.reason.object"
        return
    if not isinstance(doc.get("token"), str) or not _TOKEN.fullmatch(doc["token"]):
        yield f"{where}.token", "mail_claims.reason.token"
    for name in ("user", "host"):
        value = doc.get(name)
        if not isinstance(value, str) or not value or len(value) > MAX_TEXT or UNSAFE.search(value):
            yield f"{where}.{name}", "mail_claims.reason.text"
    if not is_stored_moment(doc.get("at")):
        yield f"{where}.at", "mail_claims.reason.moment"
    pid = doc.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= MAX_PID:
        yield f"{where}.pid", "mail_claims.reason.pid"


def is_stored_moment(value: Any) -> bool:
    """An aware ISO 8601 time within the project's years (so arithmetic on it never overflows):
    how a stored time is checked here and in the moderation records."""
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.tzinfo is not None and FIRST_YEAR <= moment.year <= LAST_YEAR
