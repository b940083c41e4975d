"""Pilot tests of issue 12's fields in the app: content categories and the department's goals on
the account form and on the "Nytt konto" form (the demo gives Miljöförvaltningen two goals)."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, Static

from governance.register import Register
from screens.new_account import NewAccountScreen
from screens.services import Services

from .conftest import NOW, USER, make_app
from .helpers import open_account, settle
from .test_lifecycle_app import fill_request, open_form
from .test_lifecycle_app import settle as settle_dialog

REF = "facebook:miljo.hbg"  # Miljöförvaltningen's, linked to both of its goals in the demo
MILJO = "Miljöförvaltningen"


def stored(services: Services) -> Register:
    return Register(services.store, user=USER, clock=lambda: NOW)


async def test_the_form_shows_and_saves_categories_and_goal_links(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        links = screen.query_one("#department-goals-input", Input)
        assert links.value == "g1|g2"
        hint = str(screen.query_one("#department-goals-hint", Static).render())
        assert "g1: Fler invånare gör hållbara val i vardagen" in hint
        assert "g2: Företagen följer miljöreglerna" in hint
        tips = screen.query_one("#category-tips", Checkbox)
        assert str(tips.label) == "Tips och inspiration från våra verksamheter"
        tips.value = True
        screen.query_one("#category-samhallsinformation", Checkbox).value = True
        links.value = "g2"
        await pilot.press("ctrl+s")
        await settle(pilot)

        account = stored(services).account(REF)
        assert account.categories == ("samhallsinformation", "tips")
        assert account.department_goals == ("g2",)
        assert ("information", "Sparat (2 fält).") in app.shown


async def test_a_goal_the_department_lacks_is_refused_and_nothing_saved(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        screen.query_one("#department-goals-input", Input).value = "g1|g9"
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert stored(services).account(REF).department_goals == ("g1", "g2")
        assert any("har inget mål g9" in message for _, message in app.shown)


async def test_an_account_of_a_department_without_goals_says_so(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "facebook:hbgbibliotek")
        hint = str(screen.query_one("#department-goals-hint", Static).render())
        assert hint == "(förvaltningen har inga egna mål)"


async def test_a_request_offers_the_chosen_department_s_goals(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app)
        fill_request(form)
        form.query_one("#field-department", Select).value = MILJO
        await settle_dialog(pilot)
        boxes = form.query_one("#field-department_goals").query(Checkbox)
        assert [b.name for b in boxes] == ["g1", "g2"]
        form.query_one("#dgoal-g2", Checkbox).value = True
        form.query_one("#category-utveckling", Checkbox).value = True
        await pilot.click("#submit-ok")
        await settle_dialog(pilot)

        assert not isinstance(app.screen, NewAccountScreen)
        account = stored(services).account("instagram:kulturtips.hbg")
        assert (account.status, account.department) == ("requested", MILJO)
        assert account.department_goals == ("g2",)
        assert account.categories == ("utveckling",)


async def test_the_guideline_tab_says_what_is_akn_s_application(services: Services) -> None:
    (services.store.data_dir / "settings.toml").write_text(
        "[audit]\ninactive_days = 45\n\n[audit.inactive_days_per_platform]\nyoutube = 120\n",
        encoding="utf-8",
    )
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = str(app.screen.query_one("#guideline-rules", Static).render())
        assert "Inaktivt konto (Ansvarsfördelning och kriterier för konto)" in text
        assert "Riktlinjen: ”Kontot publicerar regelbundet inlägg”" in text
        assert (
            "AKN:s tillämpning (inactive_days = 45; inactive_days_per_platform = youtube 120)"
            in (text)
        )
        assert "AKN:s tillämpning (min_reply_rate = 0.9)" in text
