"""Naming an account: ``PLATFORM:HANDLE``, its id, or a handle that only one account has.

The one parser of account references for every front end (CLI arguments, the app's search, audit
commands); :func:`governance.register.resolve` is this function.
"""

from __future__ import annotations

import re

from governance.errors import FieldError, UnknownAccount
from governance.fields import parse_handle, parse_platform
from governance.model import Account
from governance.store import ReadTransaction, repos

__all__ = ["resolve"]

_ACCOUNT_ID = re.compile(r"^[0-9a-f]{12}$")


def resolve(txn: ReadTransaction, ref: str) -> Account:
    """The account named by ``PLATFORM:HANDLE``, by id, or by a handle that only one account has."""
    text = ref.strip()
    accounts = repos(txn).accounts
    index = accounts.index()
    account_id: str | None = None
    if ":" in text:
        platform_text, handle_text = text.split(":", 1)
        try:
            key = f"{parse_platform(platform_text)}:{parse_handle(handle_text)}"
        except FieldError:
            raise UnknownAccount(ref=text) from None
        account_id = index.get(key)
    elif _ACCOUNT_ID.match(text.lower()):
        account_id = text.lower()
    else:
        handle = text.lstrip("@").lower()
        matches = sorted(k for k in index if k.split(":", 1)[1] == handle)
        if len(matches) > 1:
            raise UnknownAccount("error.ambiguous_account", ref=text, matches=", ".join(matches))
        account_id = index[matches[0]] if matches else None
    account = accounts.get(account_id) if account_id else None
    if account is None:
        raise UnknownAccount(ref=text)
    return account
