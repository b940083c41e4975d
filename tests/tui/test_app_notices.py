"""What the app tells after an action, as the CLI tells it: the demo's made-up figures after a
sync, a closed account saved without its reason; and the export dialog's file-name hint, whole
at 120 columns."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Select

from governance.i18n import set_language
from governance.register import Register
from governance.sync_source import is_demo_store
from screens.app import KontokollApp
from screens.audit.review_dialog import ReviewDialog
from screens.services import Services
from screens.view_models import SyncResult

from .conftest import make_app
from .helpers import open_account, screen_text, settle


async def toast_text(pilot: Pilot[int], app: KontokollApp) -> str:
    """The text of the notifications the screen shows, their wrapped lines joined (a toast's
    lines start after its left edge, ``▌``)."""
    await pilot.pause(0.2)  # (a toast is drawn on the frame after it was posted)
    parts = [line.split("▌", 1)[1].strip() for line in screen_text(app).splitlines() if "▌" in line]
    return " ".join(part for part in parts if part)


#: ``kontokoll sync``'s line for a demo store (demo_marker.sync.demo).
DEMO_NOTICE = "Demoregister: siffrorna kommer från emuleringen, inte från plattformarna"


async def test_the_export_hint_names_every_file_at_120_columns(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReviewDialog)
        # The hint wraps inside the dialog: join its lines between the dialog's borders.
        inside = [line.split("█")[1].strip() for line in screen_text(app).splitlines()
                  if line.count("█") >= 2]  # fmt: skip
        hint = " ".join(part for part in inside if part)
        for fmt in ("csv", "md", "xlsx"):
            assert f"kontokoll-avvikelser-2026Q4.{fmt}" in hint
        assert "Avvikelserna innehåller inga e-postadresser." in hint


def test_the_sync_result_says_demo_first_only_for_the_demo() -> None:
    demo = SyncResult(accounts=2, failed=0, stopped=(), requests=3, demo=True).describe()
    assert demo.splitlines()[0] == DEMO_NOTICE
    real = SyncResult(accounts=2, failed=0, stopped=(), requests=3).describe()
    assert "Demoregister" not in real and real == demo.split("\n", 1)[1]
    set_language("en")
    assert SyncResult(1, 0, (), demo=True).describe().startswith("Demo register")


async def test_the_apps_sync_of_the_demo_says_the_figures_are_made_up(
    services: Services,
) -> None:
    assert is_demo_store(services.data_dir) and not services.demo  # told by the marker alone
    app = make_app(services)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        app.screen.query_one("#audit-sync", Checkbox).value = True
        await pilot.click("#audit-run")
        await settle(pilot)
        synced = [text for _, text in app.shown if "Synkade" in text or DEMO_NOTICE in text]
        assert synced and synced[0].startswith(DEMO_NOTICE + "\n")
        assert DEMO_NOTICE in await toast_text(pilot, app)


#: An open account with no closed reason in the demo (the tests close it).
CLOSED = "facebook:miljo.hbg"


async def test_saving_a_closed_account_without_a_reason_warns(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_account(pilot, CLOSED)
        screen.query_one("#field-visibility", Select).value = "closed"
        screen.query_one("#field-closed_reason", Input).value = ""
        screen.query_one("#save", Button).scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click("#save")
        await settle(pilot)
        account = Register(services.store).account(CLOSED)
        assert account.visibility == "closed" and not account.closed_reason  # saved all the same
        warning = (
            f"{CLOSED}: kontot är slutet men motivering saknas. Riktlinjen: en stängd kanal kan"
            " ”vara motiverat”; att motiveringen skrivs in i registret är AKN:s tillämpning, och"
            " granskningen tar upp det (closed-without-reason). Det godtas ändå; ange motiveringen"
            " med fältet ”Motivering för slutet konto”"
        )
        assert ("warning", warning) in app.shown
        assert ("information", "Sparat (1 fält).") in app.shown
        assert warning in await toast_text(pilot, app)

        # With the reason given, the next save says nothing more.
        count = len(app.shown)
        screen.query_one("#field-closed_reason", Input).value = "Slutet forum för deltagare."
        await pilot.click("#save")
        await settle(pilot)
        assert [severity for severity, _ in app.shown[count:]] == ["information"]
        assert Register(services.store).account(CLOSED).closed_reason


async def test_an_open_account_saved_gets_no_warning(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, CLOSED)
        screen.query_one("#field-purpose", Input).value = "Miljötips."
        screen.query_one("#save", Button).scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click("#save")
        await settle(pilot)
        assert app.shown[-1] == ("information", "Sparat (1 fält).")
        assert not [text for severity, text in app.shown if severity == "warning"]
