"""Pilot tests of an account's life in the app: the "Nytt konto" form, AKN's decisions, the closing
checklist, a changed handle, editors' acknowledgements and the pending requests on the overview."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from governance.acknowledgements import Acknowledgements
from governance.errors import AccessRefused
from governance.lifecycle import Lifecycle
from governance.people import People
from screens.account.dialogs import ChecklistDialog, ReasonDialog
from screens.account.lifecycle import LifecyclePane
from screens.dialogs import ConfirmDialog
from screens.new_account import NewAccountScreen
from screens.services import Services

from .conftest import NOW, USER, RecordingApp, make_app
from .helpers import open_account
from .helpers import settle as settle_once

REQUESTED = "tiktok:stadsodling.hbg"  # the demo's request waiting for AKN (Miljöförvaltningen)
KULTUR = "Kulturförvaltningen"
NEW = "instagram:kulturtips.hbg"


async def settle(pilot: Pilot[int]) -> None:
    """Wait for a dialog's worker, the dialog closing, and the screen's worker reading again."""
    for _ in range(3):
        await settle_once(pilot)


def stored(services: Services) -> Lifecycle:
    """A fresh service over the same store, to check what was really written."""
    return Lifecycle(services.store, user=USER, clock=lambda: NOW)


def with_user(services: Services, role: str, departments: tuple[str, ...] = ()) -> None:
    """Leave single-user mode: an admin, and USER (who runs the app) with ``role``."""
    people = People(services.store, user=USER, clock=lambda: NOW)
    people.add_user(USER, "admin")  # the first user must be oneself, as admin
    people.add_user("akn-admin", "admin")
    people.add_user(USER, role, departments)


def fill_request(form: NewAccountScreen, **changes: str) -> None:
    """Fill the form with a complete request, then apply ``changes`` (box id -> text)."""
    values = {
        "field-handle": "kulturtips.hbg",
        "field-purpose": "Tipsa om stadens kulturutbud, kopplat till kulturprogrammets mål.",
        "field-audience": "Unga vuxna 18–30 år",
        "field-editor": "Anna Berg <anna.berg@helsingborg.se>",
        "field-editor-2": "Bo Ek <bo.ek@helsingborg.se>",
        **changes,
    }
    form.query_one("#field-platform", Select).value = "instagram"
    for box, text in values.items():
        form.query_one(f"#{box}", Input).value = text
    form.query_one("#goal-informera", Checkbox).value = True


async def open_form(pilot: Pilot[int], app: RecordingApp) -> NewAccountScreen:
    """Press Ctrl+N on the main screen: the "Nytt konto" form."""
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, NewAccountScreen)
    return form


async def test_a_lead_requests_an_account_through_the_form(services: Services) -> None:
    with_user(services, "lead", (KULTUR,))
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app)
        # The lead's only department is chosen already; it is the only one offered.
        assert form.query_one("#field-department", Select).value == KULTUR
        fill_request(form)
        await pilot.click("#submit-ok")
        await settle(pilot)

        assert not isinstance(app.screen, NewAccountScreen)
        account = stored(services).account(NEW)
        assert (account.status, account.department, account.requested_by) == (
            "requested",
            KULTUR,
            USER,
        )
        assert [e.email for e in account.editors] == [
            "anna.berg@helsingborg.se",
            "bo.ek@helsingborg.se",
        ]
        assert account.goals == ("informera",)
        log = stored(services).change_log(NEW)
        assert ("account-requested", USER) in [(e.action, e.user) for e in log]
        assert any("väntar på AKN:s beslut" in message for _, message in app.shown)
        # The overview lists it among the lead's department's pending requests.
        text = str(app.screen.query_one("#pending-requests", Static).render())
        assert NEW in text and "har väntat 0 dagar" in text


async def test_a_refused_request_keeps_what_was_typed_and_marks_the_field(
    services: Services,
) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#field-department", Select).value = KULTUR
        fill_request(form, **{"field-purpose": ""})
        await pilot.click("#submit-ok")
        await settle(pilot)

        assert app.screen is form  # still open, nothing lost
        purpose = form.query_one("#field-purpose", Input)
        assert purpose.has_class("-invalid") and app.focused is purpose
        severity, message = app.shown[-1]
        assert severity == "error" and "Effektivt" in message
        assert form.query_one("#field-handle", Input).value == "kulturtips.hbg"
        assert form.query_one("#field-editor-2", Input).value == "Bo Ek <bo.ek@helsingborg.se>"
        assert NEW not in {a.ref for a in stored(services).accounts()}

        # One editor only: refused in AKN's words, the editor box marked.
        purpose.value = "Tipsa om kulturutbudet."
        form.query_one("#field-editor-2", Input).value = ""
        await pilot.click("#submit-ok")
        await settle(pilot)
        assert form.query_one("#field-editor", Input).has_class("-invalid")
        assert "minst 2" in app.shown[-1][1]

        await pilot.press("escape")  # cancelled, and said so
        await settle(pilot)
        assert not isinstance(app.screen, NewAccountScreen)
        assert app.shown[-1] == ("information", "Avbrutet: inget har ändrats.")
        assert NEW not in {a.ref for a in stored(services).accounts()}


async def test_a_time_limited_project_shows_the_langsiktigt_warning_first(
    services: Services,
) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#field-department", Select).value = KULTUR
        fill_request(
            form, **{"field-project": "Kulturnatten 2027", "field-project_end": "2027-09-30"}
        )
        await pilot.click("#submit-ok")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # nothing sent yet
        assert NEW not in {a.ref for a in stored(services).accounts()}
        await pilot.click("#confirm")
        await settle(pilot)
        account = stored(services).account(NEW)
        assert account.request_warnings == ("langsiktigt",)


async def test_an_admin_approves_a_request_with_a_reason(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REQUESTED)
        await pilot.press("f4")
        await settle(pilot)
        assert screen.query_one("#approve", Button).display
        assert not screen.query_one("#retire", Button).display  # a request is not retired
        await pilot.click("#approve")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.click("#submit-ok")  # no reason: refused, the box marked
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#field-reason", Input).has_class(
            "-invalid"
        )
        dialog.query_one("#field-reason", Input).value = "Syfte och målgrupp är tydliga."
        await pilot.click("#submit-ok")
        await settle(pilot)

        account = stored(services).account(REQUESTED)
        assert (account.status, account.decision_reason) == (
            "active",
            "Syfte och målgrupp är tydliga.",
        )
        actions = [e.action for e in stored(services).change_log(REQUESTED)]
        assert "request-approved" in actions
        assert screen.account is not None and screen.account.status == "active"
        assert not screen.query_one("#approve", Button).display


async def test_a_lead_does_not_see_approve_and_the_service_refuses(services: Services) -> None:
    department = stored(services).account(REQUESTED).department
    with_user(services, "lead", (department,))
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REQUESTED)
        await pilot.press("f4")
        await settle(pilot)
        assert not screen.query_one("#approve", Button).display
        assert not screen.query_one("#reject", Button).display
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Godkänn ansökan" not in titles and "Avslå ansökan" not in titles
        try:
            services.approve(REQUESTED, "Ändå?")
        except AccessRefused:
            pass
        else:  # pragma: no cover - the assertion below names the failure
            raise AssertionError("a lead approved a request")
        assert stored(services).account(REQUESTED).status == "requested"


async def test_a_viewer_sees_neither_the_form_nor_the_pending_requests(services: Services) -> None:
    with_user(services, "viewer")
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query("#panel-requests")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Nytt konto (ansökan)" not in titles
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert not isinstance(app.screen, NewAccountScreen)


async def test_retire_through_the_checklist_stores_the_answers(services: Services) -> None:
    ref = "facebook:miljo.hbg"
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.click("#retire")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistDialog)
        await pilot.press("escape")  # cancelled: nothing changes
        await settle(pilot)
        assert stored(services).account(ref).status == "active"

        screen.query_one(LifecyclePane).action_retire()
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChecklistDialog)
        dialog.query_one("#field-announced", Select).value = "ja"
        dialog.query_one("#field-followers_to", Input).value = "facebook:helsingborgsstad"
        dialog.query_one("#field-disposal_on", Input).value = "28/11"  # refused, box marked
        await pilot.click("#submit-ok")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#field-disposal_on", Input).has_class("-invalid")
        assert dialog.query_one("#field-followers_to", Input).value == "facebook:helsingborgsstad"
        dialog.query_one("#field-disposal_on", Input).value = ""
        await pilot.click("#submit-ok")
        await settle(pilot)

        account = stored(services).account(ref)
        assert account.status == "retired" and account.retirement is not None
        assert (account.retirement.announced, account.retirement.followers_to) == (
            True,
            "facebook:helsingborgsstad",
        )
        actions = [e.action for e in stored(services).change_log(ref)]
        assert "account-retired" in actions and "retirement-answered" in actions
        text = str(screen.query_one("#life-text", Static).render())
        assert "avvecklat" in text and "3 punkter på checklistan är öppna" in text
        assert "innehållet arkiverat (öppen)" in text
        assert screen.query_one("#retire", Button).label.plain == "Besvara checklistan"


async def test_f6_takes_the_handle_the_platform_shows(services: Services) -> None:
    ref = next(
        a.ref for a in stored(services).accounts() if a.observed_handle not in ("", a.handle)
    )
    seen = stored(services).account(ref).observed_handle
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Ta kontots nya användarnamn" in titles
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#confirm")
        await settle(pilot)
        account = stored(services).account(f"{ref.split(':')[0]}:{seen}")
        assert account.handle == seen


async def test_acknowledge_that_an_editor_read_the_revision(services: Services) -> None:
    ref, email = "facebook:trafik.hbg", "ulla.lind@helsingborg.se"
    acks = Acknowledgements(services.store, user=USER, clock=lambda: NOW)
    assert email in acks.outstanding()[1]
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        await pilot.press("f2")
        await settle(pilot)
        table = screen.query_one("#editors-table", DataTable)
        assert screen.account is not None
        row = [e.email for e in screen.account.editors].index(email)
        assert table.get_row_at(row)[3] == "nej"
        table.move_cursor(row=row)
        await pilot.click("#acknowledge-revision")
        await settle(pilot)

        assert email not in acks.outstanding()[1]
        assert table.get_row_at(row)[3] == "ja"
        assert any("har bekräftat revideringen" in message for _, message in app.shown)


async def test_the_overview_lists_pending_requests_oldest_first(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#pending-requests", Static).render())
        assert "1 ansökan väntar på AKN:s beslut" in text
        assert f"{REQUESTED} (Miljöförvaltningen), har väntat 18 dagar" in text
        assert "sommarkollo" not in text  # the rejected one waits for nothing
