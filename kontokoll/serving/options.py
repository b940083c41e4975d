"""The options of ``kontokoll serve``, checked once before anything listens.

Every mistake here is an InputError naming the option and the value, so that a server that would
hand out the wrong identity never starts: a proxy header without a way to trust the proxy, a
secret file others can read, a public URL that is not an origin.
"""

from __future__ import annotations

import argparse
import grp
import ipaddress
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from governance.errors import InputError
from governance.os_errors import os_reason
from governance.text_safety import visible
from kontokoll.serving.addresses import bind_all, bind_host, is_loopback, looks_local

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: An HTTP header name (RFC 9110 token).
#: An origin's ``host[:port]``: a name or IPv4 address, or an IPv6 address in brackets.
_NETLOC = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
#: A secret shorter than this can be guessed; the README shows how to make a long one.
MIN_SECRET_CHARS = 16
_MAX_SECRET_BYTES = 4096
DEFAULT_IDLE_MINUTES = 30.0
DEFAULT_MAX_SESSIONS = 60


@dataclass(frozen=True)
class ServeOptions:
    """What ``kontokoll serve`` was asked for, checked."""

    host: str
    port: int
    public_url: str
    idle_s: float
    access_log: Path
    socket: Path | None = None
    socket_group: int | None = None
    auth_header: str | None = None
    trusted: tuple[Network, ...] = ()
    secret: bytes | None = field(default=None, repr=False)
    secret_file: Path | None = None
    sign_out_url: str | None = None
    max_sessions: int = DEFAULT_MAX_SESSIONS

    @property
    def from_proxy(self) -> bool:
        """Whether the identity comes from the proxy's header (else: the server's OS account)."""
        return self.auth_header is not None

    def origins(self) -> frozenset[str]:
        """The origins a WebSocket may come from: the public URL's, and on a loopback default
        address also the other names of this machine (a browser on it may say either). A
        bind-all address (0.0.0.0, ::) names no page, so it is never an origin."""
        own = origin_of(self.public_url)
        mine = frozenset() if bind_all(urlsplit(own).hostname or "") else frozenset({own})
        if self.public_url != default_url(self.host, self.port) or self.socket is not None:
            return mine
        names = ("127.0.0.1", "localhost", "[::1]")
        return mine | {f"http://{name}:{self.port}" for name in names}


def default_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, the default port left out (as browsers send it)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    port = parts.port
    return f"{parts.scheme}://{shown}" + ("" if port in (None, default) else f":{port}")


def options_from_args(args: argparse.Namespace) -> ServeOptions:
    """The checked options; InputError on the first thing that does not hold."""
    proxy_only = ("trusted_proxy", "proxy_secret_file", "socket_group")
    if args.auth_header is None:
        for name in proxy_only:
            if getattr(args, name) and not (name == "socket_group" and args.socket):
                raise InputError("serve.option.needs_auth_header", option=_flag(name))
    elif args.socket is None and not (args.trusted_proxy and args.proxy_secret_file):
        raise InputError("serve.option.proxy_incomplete")
    if (args.auth_header or args.socket) and not args.public_url:
        raise InputError("serve.option.needs_public_url")
    if not 0 < args.idle_minutes <= 24 * 60:
        raise InputError("serve.option.bad_idle", value=str(args.idle_minutes))
    if not 1 <= args.max_sessions <= 1000:
        raise InputError("serve.option.bad_max_sessions", value=str(args.max_sessions))
    secret_file = args.proxy_secret_file
    options = ServeOptions(
        host=bind_host(args.host),
        port=args.port,
        public_url=public_url(args.public_url) if args.public_url else default_url(
            bind_host(args.host), args.port),
        idle_s=args.idle_minutes * 60,
        access_log=args.access_log or default_access_log(),
        socket=args.socket,
        socket_group=group_id(args.socket_group) if args.socket_group else None,
        auth_header=header_name(args.auth_header) if args.auth_header else None,
        trusted=trusted_networks(args.trusted_proxy or ""),
        secret=read_secret(secret_file) if secret_file else None,
        secret_file=secret_file,
        sign_out_url=args.sign_out_url,
        max_sessions=args.max_sessions,
    )
    if not options.from_proxy:
        _refuse_exposed_without_login(options)
    return options


def _refuse_exposed_without_login(options: ServeOptions) -> None:
    """Without the proxy's login every session is the server's OS account (admin): refuse to
    be reached from other machines, directly (a bind to a non-loopback address) or through a
    proxy (a public URL that is not this machine's)."""
    url_host = urlsplit(options.public_url).hostname or ""
    hosts = {"--host": options.host} if options.socket is None else {}
    for option, host in {**hosts, "--public-url": url_host}.items():
        if not is_loopback(host) and looks_local(host):  # "exposed" would be false for these
            raise InputError("serve_address.not_recognised", option=option, host=visible(host))
    if options.socket is None and not is_loopback(options.host):
        raise InputError("serve_guard.bind_needs_login", host=visible(options.host))
    if not is_loopback(url_host):
        raise InputError("serve_guard.url_needs_login", url=options.public_url)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def default_access_log() -> Path:
    """The server account's own log directory: refusals are not the register's business."""
    return Path(platformdirs.user_log_dir("kontokoll", appauthor=False)) / "serve-access.log"


def header_name(name: str) -> str:
    if not _HEADER_NAME.match(name):
        raise InputError("serve.option.bad_header", value=visible(name))
    return name


def public_url(url: str) -> str:
    """``url`` as an origin (``https://host[:port]``), or InputError: no path, query or user."""
    if not url.isprintable() or any(char.isspace() for char in url):
        raise InputError("serve_address.url_spaces", value=visible(url))  # a typo, never trimmed
    try:
        parts = urlsplit(_ascii_host(url))
        port = parts.port  # (raises for a port that is not a number or beyond 65535)
    except ValueError:  # (and urlsplit for an unclosed [ of an IPv6 address)
        raise InputError("serve.option.bad_public_url", value=visible(url)) from None
    if (
        parts.scheme not in ("http", "https")
        or not _NETLOC.match(parts.netloc)  # host[:port] only: no user, nothing after "]"
        or not parts.hostname
        or (parts.netloc.startswith("[") and bind_host(f"[{parts.hostname}]") != parts.hostname)
        or bind_all(parts.hostname)  # a browser never shows a page at 0.0.0.0: not an origin
        or port == 0
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise InputError("serve.option.bad_public_url", value=visible(url))
    return origin_of(parts.geturl())


def _ascii_host(url: str) -> str:
    """``url`` with an international host name in its ASCII form (punycode), as browsers send
    it in ``Origin`` and ``Host``: mapped as UTS #46 maps it, as browsers do (``ß`` stays ``ß``,
    where Python's own IDNA 2003 codec makes it ``ss``); ValueError if the name cannot be one
    (an empty label)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.isascii():
        return url
    import idna  # (only for an international name; the platform clients' base URLs use it too)

    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError as error:  # (idna's errors are UnicodeErrors, so ValueErrors: the
        raise ValueError(host) from error  # caller's message)
    netloc = parts.netloc.lower().replace(host, ascii_host, 1)
    return parts._replace(netloc=netloc).geturl()


def trusted_networks(text: str) -> tuple[Network, ...]:
    """``ADDR[,ADDR...]`` (addresses or networks such as 10.0.0.0/24) as networks."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InputError("serve.option.bad_proxy", value=visible(item)) from None
    return tuple(networks)


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise InputError("serve.option.bad_group", value=visible(name)) from None


def read_secret(path: Path) -> bytes:
    """The proxy secret: an ordinary file, no link, readable by no one beyond owner and group."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as error:
        detail = os_reason(error)
        raise InputError("serve.secret.unreadable", path=str(path), detail=detail) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("serve.secret.not_file", path=str(path))
        if st.st_mode & 0o007:
            raise InputError("serve.secret.exposed", path=str(path), mode=f"{st.st_mode & 0o777:o}")
        data = os.read(fd, _MAX_SECRET_BYTES + 1)
    finally:
        os.close(fd)
    secret = data.strip()
    if len(data) > _MAX_SECRET_BYTES or len(secret) < MIN_SECRET_CHARS or b"\n" in secret:
        raise InputError("serve.secret.bad_length", path=str(path), least=MIN_SECRET_CHARS)
    return secret
