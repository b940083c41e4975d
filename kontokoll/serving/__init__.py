"""``kontokoll serve``: the app in the browser, one app process per session.

- ``options``: the serve options, checked once (secret file, socket, public URL, proxies).
- ``addresses``: loopback and bind-all addresses (a server without the proxy's login is
  refused unless only this machine reaches it).
- ``gate``: who may open what: the proxy check, the login header, the Origin of a WebSocket.
- ``access_log``: refusals and sessions, in a rate-limited log of their own.
- ``sessions``: one browser session: its app process (with the signed identity proof), idle end.
- ``zygote``: the launcher, a process that has imported the app once and forks each session's
  app from there; ``launcher``: the server's side of it (start, restart, fall back); ``wire``:
  what the two say over the launcher's socket; ``forked``: a forked app as the server sees it.
- ``server``: the aiohttp server around textual-serve's pieces.
- ``check``: ``kontokoll serve --check``, what a person reaching the server would get.
"""
