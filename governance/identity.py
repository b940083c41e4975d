"""Who is running Kontokoll: the login name of the process's user id.

Never taken from ``USER``/``LOGNAME`` or anything typed in the app, since anyone can set those.
"""

from __future__ import annotations

import os
import pwd


def current_login() -> str:
    """The OS login name of the user this process runs as."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (some containers)
        return f"uid-{os.getuid()}"
