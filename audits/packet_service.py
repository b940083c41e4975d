"""Packets for the departments, and mailing them: what ``audit packets`` and ``audit send`` do.

    service = PacketService(store)
    packets = service.packets("2026Q4")                     # anyone who may read (and so export)
    plan = service.plan("2026Q4", resend=False)             # admin: who gets what, who is skipped
    outgoing = service.messages(plan, settings.sender)      # a Swedish cover text and the xlsx
    with smtp_session(settings, password) as session:
        for delivery in service.deliver(outgoing, session, resend=False): ...

What was sent is recorded per department and quarter (``repos(txn).sent``,
:mod:`audits.packet_ledger`), one transaction per department right after the server took its
message, so a run that dies half-way still knows what went out and a retry sends nothing twice.
Each department is claimed before its mail (:mod:`governance.mail_claims`), so two ``audit send``
at once (cron and a person) never both mail it. A record holds the department, the quarter, the
run, who sent it and how many recipients took it: never an address, so ``editors forget`` has
nothing to find there. The change log gets the same, and never the address list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from audits.packet_formats import render_packet
from audits.packet_ledger import SentRecord, load_ledger, save_claim, save_release, save_sent
from audits.packets import Packet, department_packets, packet_file_names
from audits.quarters import Quarter
from audits.runs import RunInfo
from audits.service import AuditService
from governance import access
from governance.errors import InputError
from governance.i18n import t, tn
from governance.mail import Attachment, MailError, SmtpSession, build_message
from governance.mail_claims import SendClaim, new_claim, verdict
from governance.model import Department, Person, department_key
from governance.service import Service
from governance.store import log_change, repos

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_TYPE = "text/html"


@dataclass(frozen=True)
class Delivery:
    """How one department's mail went: ``sent``, ``failed``, ``already_sent``, ``no_contacts``,
    or not tried because another sender's claim is on it: ``busy`` (live) or ``unfinished``
    (stale, no ``--resend``).

    ``refused`` (address -> the server's answer) lives only in memory, for the report.
    """

    department: str
    outcome: str
    recipients: int = 0
    refused: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    previous: SentRecord | None = None
    claim: SendClaim | None = None  # another sender's: live (busy), stale, or taken over (sent)


@dataclass(frozen=True)
class SendPlan:
    """Who gets their packet, and who is skipped (already sent, or nobody to send it to)."""

    run: RunInfo
    outgoing: tuple[tuple[Packet, tuple[Person, ...]], ...]
    skipped: tuple[Delivery, ...]


@dataclass(frozen=True)
class Outgoing:
    """One department's message, ready to send or to write as an ``.eml`` file."""

    packet: Packet
    recipients: tuple[Person, ...]
    message: EmailMessage


class PacketService(Service):
    """Per-department packets of a quarter's audit, and sending them by mail."""

    def packets(
        self, quarter: Quarter | str | None = None, departments: Sequence[str] | None = None
    ) -> list[Packet]:
        """A packet for every department (or those named), from the quarter's latest run."""
        return self._packets(quarter, departments)[1]

    def _packets(
        self, quarter: Quarter | str | None, departments: Sequence[str] | None
    ) -> tuple[RunInfo, list[Packet]]:
        with self._read() as txn:
            chosen = _choose(repos(txn).departments.all(), departments)
        audits = AuditService(self.store, user=self.user, clock=self._clock)
        report = audits.report(quarter)
        diff = audits.previous_diff(report.info.quarter)
        names = [d.name for d in chosen]
        return report.info, department_packets(report.info, report.items, diff, names)

    def plan(
        self,
        quarter: Quarter | str | None = None,
        departments: Sequence[str] | None = None,
        *,
        resend: bool = False,
    ) -> SendPlan:
        """Who gets their packet: every department with contacts not yet sent this quarter
        (or sent already, with ``resend``). Admin only."""
        self.require(access.SEND_PACKETS, target=str(quarter or ""))
        run, packets = self._packets(quarter, departments)
        with self._read() as txn:
            contacts = {d.key: d.contacts for d in repos(txn).departments.all()}
        sent = self.sent(run.quarter)
        outgoing, skipped = [], []
        for packet in packets:
            key = department_key(packet.department)
            people = _distinct(contacts.get(key, ()))
            if not people:
                reason = t("packets.send.no_contacts_reason", department=packet.department)
                skipped.append(Delivery(packet.department, "no_contacts", reason=reason))
            elif key in sent and not resend:
                skipped.append(Delivery(packet.department, "already_sent", previous=sent[key]))
            else:
                outgoing.append((packet, people))
        return SendPlan(run, tuple(outgoing), tuple(skipped))

    def messages(
        self, plan: SendPlan, sender: str, *, with_report: bool = False
    ) -> list[Outgoing]:
        """Each outgoing department's message: a short cover text and its packet as xlsx (and,
        ``with_report``, the department's quarterly report as HTML: :mod:`audits.report`).

        Rendered in the current language: the CLI renders what goes out by mail in Swedish.
        """
        packets = [packet for packet, _people in plan.outgoing]
        names = packet_file_names(packets, "xlsx")
        reports = packet_file_names(packets, "html")
        result = []
        for (packet, people), name, report in zip(plan.outgoing, names, reports, strict=True):
            attachments = [Attachment(name, render_packet(packet, "xlsx"), XLSX_TYPE)]
            if with_report:
                attachments.append(Attachment(report, self.report_html(packet), HTML_TYPE))
            subject = t(
                "packets.mail.subject", quarter=packet.quarter, department=packet.department
            )
            message = build_message(
                sender, [(p.name, p.email) for p in people], subject, _cover(packet), attachments
            )
            result.append(Outgoing(packet, people, message))
        return result

    def report_html(self, packet: Packet) -> bytes:
        """The department's quarterly report (``kontokoll report --department``) for the packet's
        quarter, as one self-contained HTML file; matplotlib loads only here."""
        from audits.report.data import ReportService
        from audits.report.document import render_report

        service = ReportService(self.store, user=self.user, clock=self._clock)
        report = service.build(packet.quarter, packet.department)
        return render_report(report, self.today())

    def deliver(
        self, outgoing: Sequence[Outgoing], session: SmtpSession, *, resend: bool = False
    ) -> Iterator[Delivery]:
        """Send each message and record each department the server took it for, as it goes.

        Each department is claimed just before its mail (:meth:`_claim`): one sent or claimed
        by another sender since the plan is skipped, and said so. After a failure (a lost
        connection, a refused sender) the rest are not tried: they are reported as failed with
        the same reason, and a later ``audit send`` sends them.
        """
        failure: str | None = None
        for item in outgoing:
            department = item.packet.department
            if failure is not None:
                yield Delivery(department, "failed", reason=failure)
                continue
            claimed = self._claim(item.packet, resend=resend)
            if isinstance(claimed, Delivery):
                yield claimed
                continue
            ours, taken_over = claimed
            try:
                refused = session.send(item.message)
            except MailError as error:
                self._release(item.packet, ours)
                failure = str(error)
                yield Delivery(department, "failed", reason=failure)
                continue
            accepted = len(item.recipients) - len(refused)
            if accepted <= 0:
                self._release(item.packet, ours)
                yield Delivery(
                    department, "failed", refused=refused, reason=t("packets.send.all_refused")
                )
                continue
            self._record(item.packet, accepted, len(refused), ours)
            yield Delivery(department, "sent", accepted, refused, claim=taken_over)

    def sent(self, quarter: Quarter) -> dict[str, SentRecord]:
        """The latest record of each department (by key) whose packet of ``quarter`` went out."""
        with self._read() as txn:
            return load_ledger(txn).latest(quarter)

    def _claim(
        self, packet: Packet, *, resend: bool
    ) -> Delivery | tuple[SendClaim, SendClaim | None]:
        """Claim the department's mail (:mod:`governance.mail_claims`): this sender's claim and
        the stale one it took over; or, if it may not send, why (``already_sent``, ``busy``,
        ``unfinished``). The check and the claim are one transaction: two senders never both
        pass."""
        department = packet.department
        with self._write() as txn:
            self._authorize(txn, access.SEND_PACKETS, target=department)
            ledger = load_ledger(txn)
            previous = ledger.latest(packet.quarter).get(department_key(department))
            if previous is not None and not resend:
                return Delivery(department, "already_sent", previous=previous)
            found = ledger.claims.get((packet.quarter, department_key(department)))
            now = self._clock()
            judged = verdict(found, now, resend=resend)
            if judged in ("busy", "unfinished"):
                return Delivery(department, judged, claim=found)
            ours = new_claim(self.user, now)
            save_claim(txn, packet.quarter, department, ours)
        return ours, found

    def _release(self, packet: Packet, claim: SendClaim) -> None:
        with self._write() as txn:
            save_release(txn, packet.quarter, packet.department, claim)

    def _record(self, packet: Packet, accepted: int, refused: int, claim: SendClaim) -> None:
        with self._write() as txn:
            self._authorize(txn, access.SEND_PACKETS, target=packet.department)
            record = SentRecord(
                packet.quarter,
                packet.department,
                packet.run.id,
                self._clock(),
                self.user,
                accepted,
                refused,
                claim.token,
            )
            save_sent(txn, record)
            entry = self._entry(
                "packet-sent",
                account=packet.department,
                field=str(packet.quarter),
                new=f"{packet.run.id}: {accepted}",
            )
            log_change(txn, entry)


def _choose(known: Sequence[Department], wanted: Sequence[str] | None) -> list[Department]:
    """The departments named (in any letter case), or all of them; an unknown name is refused."""
    if not wanted:
        return list(known)
    by_key = {d.key: d for d in known}
    chosen: dict[str, Department] = {}
    for name in wanted:
        department = by_key.get(department_key(name))
        if department is None:
            known_names = ", ".join(d.name for d in known) or "–"
            raise InputError("packets.unknown_department", name=name, known=known_names)
        chosen[department.key] = department
    return list(chosen.values())


def _distinct(people: Sequence[Person]) -> tuple[Person, ...]:
    """Each address once (in any letter case), in the order listed."""
    seen: set[str] = set()
    result = []
    for person in people:
        if person.email and person.email.casefold() not in seen:
            seen.add(person.email.casefold())
            result.append(person)
    return tuple(result)


def _cover(packet: Packet) -> str:
    """The short cover text of a department's mail."""
    info = packet.run
    lines = [
        t("packets.mail.greeting"),
        "",
        t(
            "packets.mail.intro",
            department=packet.department,
            quarter=info.quarter,
            as_of=info.as_of,
        ),
        t(
            "packets.mail.totals",
            findings=tn("noun.finding", len(packet.items)),
            critical=tn("noun.critical", packet.count(severity="critical")),
            open=tn("noun.open", packet.count(status="open")),
        ),
    ]
    if packet.previous is not None:
        lines.append(
            t(
                "packets.mail.changes",
                previous=packet.previous.quarter,
                new=tn("noun.new", len(packet.new)),
                resolved=tn("noun.resolved", len(packet.resolved)),
            )
        )
    lines += ["", t("packets.mail.attachment"), "", t("packets.mail.signature")]
    return "\n".join(lines) + "\n"
