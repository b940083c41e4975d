"""Browser sessions through ``kontokoll serve``: each acts as the proxy's login, with its role, and
ends on sign-out or when idle. Driven over textual-serve's WebSocket protocol, keys and all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from governance.register import Register
from governance.store import Store
from tests.serve.support import (
    Served,
    alive,
    browser,
    descendants,
    launcher_of,
    mentioning,
    running_server,
)

DOWN, ENTER, TAB, SAVE = "\x1b[B", "\r", "\t", "\x13"  # ctrl+s saves an account


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with running_server(tmp_path_factory.mktemp("sessions")) as server:
        yield server


def _accounts(served: Served) -> dict[str, str]:
    store = Store(served.data_dir)
    try:
        return {a.handle: a.id for a in Register(store).accounts()}
    finally:
        store.close()


def _log(served: Served) -> list[tuple[str, str]]:
    store = Store(served.data_dir)
    try:
        return [(e.user, e.action) for e in Register(store).change_log()]
    finally:
        store.close()


async def _type_into_account(served: Served, login: str, rows_down: int, *, may: bool) -> str:
    """Open the account ``rows_down`` rows below the first, type into its third field, ctrl+s.

    The keys go one by one with a pause, as a person types: the account screen sets its focus
    after its first frame, and keys sent before would land elsewhere.
    """
    async with browser(served, login) as page:
        await page.wait_for("Översikt")
        await page.press("2", "Plattform▲")
        await page.press(DOWN * rows_down + ENTER, "esc Tillbaka")
        # The form is filled when the account has been read; its first focus and the tabs held
        # back until then are set by that time. Keys sent earlier may land a field off.
        await page.wait_for("förvaltningen")
        await asyncio.sleep(1.0)
        if may:  # the form takes the cursor on its first field (platform): one TAB to the handle
            await page.press(TAB, "")
            await asyncio.sleep(0.2)
            await page.press("zq", "zq")  # it shows in the field: it went into an input
        else:
            await page.press("zq", "")
            await asyncio.sleep(0.5)
        return await page.press(SAVE, "Sparat" if may else "Inget")



def test_a_lead_changes_their_own_account_and_the_log_names_the_proxy_login(
    served: Served,
) -> None:
    before = _accounts(served)
    shown = asyncio.run(_type_into_account(served, "lena", 0, may=True))
    assert "Sparat (1 fält)" in shown
    assert _accounts(served) != before
    assert _log(served)[-1] == ("lena", "account-changed")


def test_a_lead_cannot_change_another_departments_account_nor_a_viewer_any(
    served: Served,
) -> None:
    before, log = _accounts(served), _log(served)
    assert "Inget har ändrats" in asyncio.run(_type_into_account(served, "lena", 1, may=False))
    assert "Inget har ändrats" in asyncio.run(_type_into_account(served, "olle", 0, may=False))
    assert _accounts(served) == before and _log(served) == log


def test_an_unknown_login_sees_no_account(served: Served) -> None:
    async def look() -> str:
        async with browser(served, "mallory") as page:
            return await page.wait_for("finns inte bland Kontokolls")

    shown = asyncio.run(look())
    assert "mallory" in shown and "facebook" not in shown and "Kulturförvaltningen" not in shown
    assert ("mallory", "refused") in _log(served)


def test_an_email_login_is_its_user(served: Served) -> None:
    async def look() -> str:
        async with browser(served, "anna.berg@helsingborg.se") as page:
            # the overview's table and the footer's keys come in frames of their own (in
            # either order on a busy machine): wait for both; a lead may request accounts, so
            # "Nytt konto" must come (else the wait fails after its timeout)
            await page.wait_for("Konton per förvaltning")
            return await page.wait_for("Nytt konto")

    shown = asyncio.run(look())
    assert "Konton per förvaltning" in shown and "Nytt konto" in shown


def test_sign_out_ends_every_session_of_the_login(served: Served) -> None:
    async def sign_out() -> tuple[bool, bool, int]:
        async with browser(served, "olle") as olle, browser(served, "lena") as lena:
            await olle.wait_for("Översikt")
            await lena.wait_for("Översikt")
            # What another site can make olle's browser send, which the proxy signs in as olle:
            # an image or a link (a GET), a form (a POST with its Origin), and a POST that says
            # no Origin at all: all refused, olle stays.
            image = {**served.proxy_headers("olle"), "Sec-Fetch-Site": "cross-site",
                     "Sec-Fetch-Dest": "image"}
            form = {**served.proxy_headers("olle"), "Origin": "https://elsewhere.example"}
            bare = {k: v for k, v in served.proxy_headers("olle").items() if k != "Origin"}
            async with aiohttp.ClientSession() as session:
                for method, headers, expected in (("GET", image, 405), ("POST", form, 403),
                                                  ("POST", bare, 403)):
                    async with session.request(
                        method, served.url + "/sign-out", headers=headers
                    ) as response:
                        assert response.status == expected, (method, headers)
            assert not await olle.until_closed(1)
            async with aiohttp.ClientSession() as session, session.post(
                served.url + "/sign-out", headers=served.proxy_headers("olle")
            ) as response:
                status = response.status
            return await olle.until_closed(15), await lena.until_closed(1), status

    olle_closed, lena_closed, status = asyncio.run(sign_out())
    assert (olle_closed, lena_closed, status) == (True, False, 200)
    assert any("session-end" in x and "login=olle" in x and "reason=sign-out" in x
               for x in served.access_lines())
    assert any("sign-out-from-another-site" in x for x in served.access_lines())


def test_an_idle_session_ends(tmp_path: Path) -> None:
    async def idle(served: Served) -> bool:
        async with browser(served, "lena") as page:
            await page.wait_for("Översikt")
            await page.press("1", "Översikt")  # input: the idle time starts again
            return await page.until_closed(30)

    # 12 s: longer than the app takes to start on a busy machine, short enough for a test
    with running_server(tmp_path, "--idle-minutes", "0.2") as served:
        assert asyncio.run(idle(served))
    assert any("session-end" in x and "login=lena" in x and "reason=idle" in x
               for x in served.access_lines())


def test_stopping_the_server_ends_the_apps_of_open_sessions(tmp_path: Path) -> None:
    async def stop_while_open(served: Served) -> tuple[set[int], int | None]:
        async with browser(served, "lena") as page:
            await page.wait_for("Översikt")
            below = descendants(served.process.pid)  # the launcher and the app forked from it
            launcher = launcher_of(served.process.pid)
            served.process.terminate()
            await asyncio.get_running_loop().run_in_executor(None, served.process.wait, 30)
            return below, launcher

    with running_server(tmp_path) as served:
        below, launcher = asyncio.run(stop_while_open(served))
    assert launcher is not None and len(below) >= 2
    assert not {pid for pid in below if alive(pid)}
    assert not mentioning(str(served.data_dir))  # nothing of this server is left anywhere
