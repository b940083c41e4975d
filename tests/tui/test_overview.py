"""The overview opens on what needs attention: open critical findings by department with the
oldest items, the overdue revision, the accounts without editors."""

from __future__ import annotations

from textual.widgets import Static

from governance.register import Register
from screens.services import Services
from screens.view_models import build_attention

from .conftest import make_app
from .helpers import settle


async def test_the_overview_opens_on_what_needs_attention(services: Services) -> None:
    report = services.audits.latest_report()
    assert report is not None
    critical = [i for i in report.items if i.finding.severity == "critical" and i.status == "open"]
    editorless = [
        a.ref for a in Register(services.store).accounts() if a.status == "active" and not a.editors
    ]
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#attention", Static).render())
        # The count of open critical findings, in the preliminary quarter judged part-way.
        assert f"{len(critical)} avvikelser öppna och kritiska" in text
        assert "2026Q4 (preliminär)" in text
        # Each department with its count and its oldest items, by rule title, never rule id.
        biggest = max(
            {i.finding.department for i in critical},
            key=lambda d: sum(1 for i in critical if i.finding.department == d),
        )
        assert biggest in text and "kritiska" in text
        assert "Inga redaktörer" in text and "no-editors" not in text
        for ref in editorless:
            assert ref in text
        assert f"Konton utan redaktörer ({len(editorless)})" in text
        # The revision is overdue on the demo: the red banner says so, first thing.
        banner = str(app.screen.query_one("#overview-revision-banner", Static).render())
        assert "försenad" in banner


async def test_an_acknowledged_finding_leaves_the_attention_list(services: Services) -> None:
    report = services.audits.latest_report()
    assert report is not None
    before = build_attention(report, services.register.accounts())
    item = next(
        i for i in report.items if i.finding.severity == "critical" and i.finding.account_id
    )
    services.acknowledge(item.finding.rule, item.finding.account_id, "Vi åtgärdar det.")
    after = services.snapshot().overview.attention
    assert after.critical == before.critical - 1


def test_attention_without_an_audit_still_names_accounts_without_editors(
    services: Services,
) -> None:
    attention = build_attention(None, services.register.accounts())
    assert attention.departments == () and attention.critical == 0
    assert attention.without_editors  # the demo has accounts without editors


def test_one_finding_reads_in_the_singular(services: Services) -> None:
    from governance.i18n import tn

    assert tn("noun.finding", 1) == "1 avvikelse"
    assert tn("noun.critical", 1) == "1 kritisk"
    assert tn("noun.day", 1) == "1 dag"
