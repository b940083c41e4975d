"""A running server behind a proxy checks for users at every new session, not only at start: a
restore that left the store without users (single-user mode, everyone admin) admits no one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from governance.backup import Backups
from governance.register import Register
from governance.store import Store
from tests.serve.support import ME, Served, connector, running_server, ws_url


async def _ws_status(served: Served, login: str) -> int:
    """The HTTP status of a WebSocket upgrade by ``login`` (101: a session was started)."""
    async with aiohttp.ClientSession(connector=connector(served)) as session:
        try:
            async with session.ws_connect(ws_url(served), headers=served.proxy_headers(login)):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def _backup_without_users(tmp: Path) -> Path:
    plain = Store(tmp / "plain")
    try:
        Register(plain, user=ME).add_department("Kulturförvaltningen")
        return Backups(plain, user=ME).backup(tmp / "old.tar.gz").path
    finally:
        plain.close()


def test_a_restore_that_leaves_no_users_closes_the_door_to_new_sessions(tmp_path: Path) -> None:
    archive = _backup_without_users(tmp_path)
    with running_server(tmp_path) as served:
        store = Store(served.data_dir)
        try:
            Backups(store, user=ME).restore(archive, without_users=True)
        finally:
            store.close()
        assert asyncio.run(_ws_status(served, "mallory")) == 403
        assert asyncio.run(_ws_status(served, ME)) == 403
        refusals = [line for line in served.access_lines() if "reason=no-users" in line]
        assert len(refusals) == 2 and all("path=/ws" in line for line in refusals)
        assert not [line for line in served.access_lines() if "session-start" in line]
