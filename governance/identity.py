"""Who is running Kontokoll: the login name of the process's user id.

Never taken from ``USER``/``LOGNAME`` or anything typed in the app, since anyone can set those.
Two exceptions, each resting on something a caller cannot make:

- a service-account store reached through sudo (see :mod:`governance.service_account`): there
  the process runs as the service account on someone else's behalf, and the person is the
  invoking user sudo records;
- a browser session of ``kontokoll serve`` behind an authenticating proxy: the person is the
  login the proxy vouched for, and only with the server's signed proof
  (:mod:`governance.session_proof`). A proof variable that does not check out is refused, never
  ignored: falling back to the OS account would hand a forger the server account's role.
"""

from __future__ import annotations

import os

from governance import service_account, session_proof
from governance.errors import InputError

#: The identity this process took from its session proof (checked once, then kept in memory).
_session: session_proof.SessionIdentity | None = None


def current_login() -> str:
    """The person this process acts for: the proof's login in a served session, sudo's invoking
    user in a service session, else the process's own account."""
    served = session_identity()
    if served is not None:
        return served.login
    session = service_account.detect()
    if session is not None:
        return session.caller
    return service_account.login_of(os.getuid())


def session_identity() -> session_proof.SessionIdentity | None:
    """The browser session's identity, if this process is one; InputError for a bad proof.

    The proof is read from the environment once and the variable removed, so no program this
    process starts inherits it.
    """
    global _session
    if _session is not None:
        return _session
    proof = os.environ.get(session_proof.PROOF_VARIABLE)
    if proof is None:
        return None
    if service_account.detect() is not None:  # sudo keeps no such variable: someone set it
        raise InputError("serve.proof.in_service_session")
    _session = session_proof.check_proof(session_proof.load_key(), proof)
    os.environ.pop(session_proof.PROOF_VARIABLE, None)
    return _session
