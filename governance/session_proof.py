"""The proof that a browser session's identity was given by ``kontokoll serve``, and no one else.

Behind an authenticating proxy, ``kontokoll serve`` starts one app process per browser session and
tells it who the person is. An environment variable alone would let anyone who can run
``kontokoll`` set it and pose as someone else, so the server hands each session a *proof*: the
login, the session id, an expiry and a random nonce, signed with HMAC-SHA256 under a key only the
server's OS account can read. The session process checks the signature and the expiry before it
takes the login as its identity, and refuses to start otherwise.

**The key** lives in the server account's configuration directory (``~/.config/kontokoll``,
platformdirs' user config dir), never in the shared data directory. It is created atomically
with mode 0600 (written to a private temp file, then linked into place, so no one ever sees a
half-written or wider key), and refused when it is a link, not a regular file, not owned by this
account, or readable by anyone else. Whoever can read it can already act as the server's account
and change the data directly; anyone else cannot make a proof this account's processes accept.
(A user who points ``XDG_CONFIG_HOME`` at a key of their own signs for their own account only:
the process runs with their own file rights, not the server's.)
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

# base64, binascii, hashlib, hmac, json, secrets and platformdirs are imported by the functions
# that use them: every command imports this module (through governance.identity) for
# PROOF_VARIABLE alone, and only a served session checks a proof.
from governance.errors import InputError
from governance.os_errors import os_reason
from governance.text_safety import visible

#: Where the server puts a session's proof in the session process's environment.
PROOF_VARIABLE = "KONTOKOLL_SESSION_PROOF"
KEY_NAME = "serve-session.key"
#: A proof only has to outlive the start of the session process it was made for.
PROOF_LIFETIME_S = 120
_KEY_BYTES = 32
_MAX_PROOF_CHARS = 4096
#: A login is at most an e-mail address long (RFC 5321's 254 characters).
MAX_LOGIN_CHARS = 254


@dataclass(frozen=True)
class SessionIdentity:
    """Whom a browser session acts for, as the server's proof says."""

    login: str
    session: str
    expires: int


def config_dir() -> Path:
    """The server account's own configuration directory (never the data directory)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("kontokoll", appauthor=False))


def key_path() -> Path:
    return config_dir() / KEY_NAME


def load_key(*, create: bool = False, path: Path | None = None) -> bytes:
    """The signing key; with ``create``, made first if there is none yet.

    InputError (naming the file) when the key is missing, a link, not a regular file, not this
    account's, or readable by others: a key someone else could have read proves nothing.
    """
    import binascii

    path = key_path() if path is None else path
    if create:
        _create_key(path)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("serve.proof.no_key", path=str(path)) from None
    except OSError as error:  # ELOOP: a symbolic link in the key's place
        raise InputError("serve.proof.bad_key", path=str(path), detail=os_reason(error)) from None
    try:
        _check_private(os.fstat(fd), path)
        text = os.read(fd, 256).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    try:
        key = binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise InputError("serve.proof.bad_key", path=str(path), detail="?")
    return key


def _check_private(st: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise InputError("serve.proof.bad_key", path=str(path), detail="not a regular file")
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise InputError("serve.proof.key_exposed", path=str(path), mode=f"{st.st_mode & 0o777:o}")


def _create_key(path: Path) -> None:
    """A new random key at ``path``, unless one exists; created 0600 and linked into place."""
    import secrets

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.path.lexists(path):
        return
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, 0o600)
    try:
        os.write(fd, secrets.token_hex(_KEY_BYTES).encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)  # fails if another server made one meanwhile: theirs is kept
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def make_proof(key: bytes, login: str, session: str, *, now: float | None = None) -> str:
    """A proof that ``login`` is session ``session``'s identity, valid for PROOF_LIFETIME_S."""
    import json
    import secrets

    moment = time.time() if now is None else now
    payload = {
        "login": login,
        "session": session,
        "expires": int(moment) + PROOF_LIFETIME_S,
        "nonce": secrets.token_hex(16),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_b64(_sign(key, body))}"


def check_proof(key: bytes, proof: str, *, now: float | None = None) -> SessionIdentity:
    """The identity ``proof`` carries; InputError if it is malformed, forged or expired."""
    import base64
    import binascii
    import hmac
    import json

    body, _, signature = proof.partition(".")
    if len(proof) > _MAX_PROOF_CHARS or not proof.isascii() or not body or not signature:
        raise InputError("serve.proof.malformed")
    try:
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        raise InputError("serve.proof.malformed") from None
    if not hmac.compare_digest(given, _sign(key, body)):
        raise InputError("serve.proof.bad_signature")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    login, session, expires = payload.get("login"), payload.get("session"), payload.get("expires")
    if not isinstance(login, str) or not isinstance(session, str) or not isinstance(expires, int):
        raise InputError("serve.proof.malformed")
    if (time.time() if now is None else now) >= expires:
        raise InputError("serve.proof.expired", login=visible(login))
    return SessionIdentity(valid_login(login), session, expires)


def valid_login(login: str) -> str:
    """``login`` if it can name a person (an OS login or an e-mail address); else InputError."""
    spaced = any(ch.isspace() for ch in login)
    if not login or len(login) > MAX_LOGIN_CHARS or visible(login) != login or spaced:
        raise InputError("serve.proof.bad_login", login=visible(login[:MAX_LOGIN_CHARS]))
    return login


def _sign(key: bytes, body: str) -> bytes:
    import hashlib
    import hmac

    return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
