"""Who is running Kontokoll: the login name of the process's user id.

Never taken from ``USER``/``LOGNAME`` or anything typed in the app, since anyone can set those.
The one exception is a service-account store reached through sudo (see
:mod:`governance.service_account`): there the process runs as the service account on someone
else's behalf, and the person is the invoking user sudo records, and only then.
"""

from __future__ import annotations

import os

from governance import service_account


def current_login() -> str:
    """The person this process acts for: sudo's invoking user in a service session, else itself."""
    session = service_account.detect()
    if session is not None:
        return session.caller
    return service_account.login_of(os.getuid())
