"""The session proof: only the server's key makes an identity a session process accepts; the key
itself is private; a forged, tampered or expired proof stops the process with a message."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from governance import session_proof
from governance.errors import InputError
from tests.conftest import run_process
from tests.serve.support import seed, serve_env


def test_a_proof_carries_its_login_and_fails_tampered_forged_or_expired(tmp_path: Path) -> None:
    key = session_proof.load_key(create=True, path=tmp_path / "k")
    proof = session_proof.make_proof(key, "anna.berg@helsingborg.se", "s1", now=1000.0)
    identity = session_proof.check_proof(key, proof, now=1001.0)
    assert (identity.login, identity.session) == ("anna.berg@helsingborg.se", "s1")
    with pytest.raises(InputError, match="gått ut"):
        session_proof.check_proof(key, proof, now=1000.0 + session_proof.PROOF_LIFETIME_S)
    with pytest.raises(InputError, match="inte gjort av den här servern"):
        session_proof.check_proof(os.urandom(32), proof, now=1001.0)
    body, signature = proof.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["login"] = "boss"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    with pytest.raises(InputError, match="inte gjort av den här servern"):
        session_proof.check_proof(key, f"{forged}.{signature}", now=1001.0)
    for junk in ("", "boss", "a.b.c", "å.ä", "x" * 5000):
        with pytest.raises(InputError):
            session_proof.check_proof(key, junk, now=1001.0)


def test_the_key_is_made_0600_and_refused_if_others_can_read_it_or_it_is_a_link(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config" / "kontokoll" / session_proof.KEY_NAME
    key = session_proof.load_key(create=True, path=path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_proof.load_key(create=True, path=path) == key  # kept, never replaced
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    path.chmod(0o644)
    with pytest.raises(InputError, match="inte privat"):
        session_proof.load_key(path=path)
    path.chmod(0o600)
    link = tmp_path / "link.key"
    link.symlink_to(path)
    with pytest.raises(InputError, match="länk"):
        session_proof.load_key(path=link)
    with pytest.raises(InputError, match="saknas"):
        session_proof.load_key(path=tmp_path / "none.key")


def _whoami(tmp_path: Path, proof: str) -> tuple[int, str, str]:
    env = {**serve_env(tmp_path), session_proof.PROOF_VARIABLE: proof}
    done = run_process("--data-dir", str(tmp_path / "data"), "whoami", env=env)
    return done.returncode, done.stdout, done.stderr


def test_a_session_process_takes_the_login_only_with_the_servers_proof(tmp_path: Path) -> None:
    seed(tmp_path / "data")
    key_file = tmp_path / "config" / "kontokoll" / session_proof.KEY_NAME
    key = session_proof.load_key(create=True, path=key_file)
    code, out, err = _whoami(tmp_path, session_proof.make_proof(key, "lena", "s"))
    assert (code, err) == (0, "") and "lena" in out and "lead" in out

    forged_key = os.urandom(32)  # someone's own key: not the server's
    code, out, err = _whoami(tmp_path, session_proof.make_proof(forged_key, "olle", "s"))
    assert code == 2 and "inte gjort av den här servern" in err and "olle" not in out
    expired = session_proof.make_proof(key, "lena", "s", now=0.0)
    code, out, err = _whoami(tmp_path, expired)
    assert code == 2 and "gått ut" in err and out == ""
    code, out, err = _whoami(tmp_path, "lena")  # the variable alone, no proof
    assert code == 2 and "trasigt" in err and "Traceback" not in err
    key_file.chmod(0o640)  # a key others could read proves nothing
    code, out, err = _whoami(tmp_path, session_proof.make_proof(key, "lena", "s"))
    assert code == 2 and "inte privat" in err
