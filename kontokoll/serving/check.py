"""What ``kontokoll serve`` would give a person, said before it listens (``serve --check``).

``startup_key`` is also what ``serve`` runs before it starts: behind a proxy it needs the signing
key (created if missing), a key outside the data directory, and defined users: with none,
Kontokoll's single-user mode would make every signed-in person admin.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from governance import session_proof
from governance.access import load_users
from governance.errors import InputError, KontokollError
from governance.i18n import t
from governance.service_account import login_of
from governance.store import Store
from kontokoll.cli.context import CliContext
from kontokoll.serving.addresses import is_loopback
from kontokoll.serving.options import ServeOptions


def startup_key(options: ServeOptions, data_dir: Path, *, create: bool = True) -> bytes | None:
    """The signing key for a proxy server (None without one); InputError if it must not start.

    Without ``create`` (the check) a missing key is fine: ``serve`` will make it.
    """
    if not options.from_proxy:
        return None
    where = session_proof.key_path()
    if _inside(where, data_dir):
        raise InputError("serve.proof.key_in_data_dir", path=str(where), data_dir=str(data_dir))
    if not data_dir.is_dir() or not defined_users(data_dir):
        raise InputError("serve.start.no_users", path=str(data_dir))
    if not create and not os.path.lexists(where):
        return None
    return session_proof.load_key(create=create)


def defined_users(data_dir: Path) -> int:
    store = Store(data_dir)
    try:
        with store.read() as txn:
            return len(load_users(txn))
    finally:
        store.close()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def print_check(options: ServeOptions, data_dir: Path, ctx: CliContext) -> int:
    """Print the check; 0 if the server would start, 1 if it would refuse."""
    warnings = list(_warnings(options, data_dir))
    ctx.print(t("serve.check.listen_socket", path=str(options.socket))
              if options.socket else t("serve.check.listen", host=options.host, port=options.port))
    ctx.print(t("serve.check.public_url", url=options.public_url))
    if options.from_proxy:
        proxies = ", ".join(str(n) for n in options.trusted) or "-"
        ctx.print(t("serve.check.identity_proxy", header=options.auth_header, proxies=proxies))
        ctx.print(t("serve.check.secret", path=str(options.secret_file or "-")))
        ctx.print(t("serve.check.key", path=str(session_proof.key_path())))
    else:
        ctx.print(t("serve.check.identity_os", login=login_of(os.getuid())))
    ctx.print(t("serve.check.data_dir", path=str(data_dir), mode=_mode(data_dir)))
    ctx.print(t("serve.check.idle", minutes=f"{options.idle_s / 60:g}"))
    ctx.print(t("serve.check.access_log", path=str(options.access_log)))
    ctx.print(_session_start())
    try:
        startup_key(options, data_dir, create=False)
    except KontokollError as error:
        ctx.print(t("serve.check.refused", reason=str(error)))
        return 1
    for warning in warnings:
        ctx.print(t("serve.check.warning", text=warning))
    ctx.print(t("serve.check.ok"))
    return 0


def _session_start() -> str:
    """How each session's app would start: forked from the launcher, or as a new program."""
    from kontokoll.serving.launcher import unsupported

    why_not = unsupported()
    if why_not is None:
        return t("serve.check.sessions_fork")
    return t("serve.check.sessions_process", reason=why_not)


def _warnings(options: ServeOptions, data_dir: Path) -> list[str]:
    found = []
    if options.socket is None and not is_loopback(options.host):
        found.append(t("serve.warn.exposed_proxy" if options.from_proxy else "serve.warn.exposed",
                       host=options.host))
    if not options.from_proxy:
        found.append(t("serve.warn.no_proxy"))
    elif not options.public_url.startswith("https://"):
        found.append(t("serve.warn.plain_http", url=options.public_url))
    if options.secret_file is not None and _stat(options.secret_file) & 0o040:
        found.append(t("serve.warn.secret_group", path=str(options.secret_file)))
    mode = _stat(data_dir)
    if mode & 0o020:
        found.append(t("serve.warn.data_group_writable", path=str(data_dir)))
    if mode & 0o007:
        found.append(t("serve.warn.data_others", path=str(data_dir)))
    return found


def _stat(path: Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def _mode(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return t("serve.check.missing")
    kind = "" if stat.S_ISDIR(st.st_mode) else " ?"
    return f"{st.st_mode & 0o7777:04o}, {login_of(st.st_uid)}{kind}"
