"""Benchmark ``kontokoll serve`` behind a (pretend) proxy: 20 browser sessions on the demo register.

    python bench/serve.py [--sessions N] [--interval S]

Builds the demo register in a temporary directory, adds a lead per session, and starts
``kontokoll serve --auth-header ...`` as a real process on 127.0.0.1. Then opens one WebSocket
per session, one a second, each as a different login with the proxy's secret and the right
Origin, and keeps them all open. Measures, per session, the time from the WebSocket being open
to the first frame of the app (textual-serve's binary output; the app's terminal set-up, sent
before the app draws) and to its first screen (the overview drawn), and with all sessions open
the resident memory of the server, its launcher and all session apps: the sum of VmRSS over the
process tree (``memory_total_mb``; it counts the pages a forked app still shares with the
launcher once per process, so it overstates) and the sum of PSS (``memory_total_pss_mb``: each
shared page split between its sharers, the memory actually taken). Targets: median ≤ 2 s,
worst ≤ 5 s, total ≤ 3 GB.

The last line of output is a JSON object with ``sessions``, ``first_frame_median_s``,
``first_frame_worst_s``, ``first_screen_median_s``, ``first_screen_worst_s``,
``memory_total_mb``, ``memory_total_pss_mb``, ``memory_per_session_mb``, ``idle_cpu_cores``
(the CPU the server and its open, untouched sessions use, in cores), ``cpu_per_session_start_s``
(the CPU the server, launcher and apps used from the first session's open to 2 s after the last
one's first screen, per session: sessions a second apart need it well under the number of
cores; ``server_cpu_s``: the server's own part, in all), ``started_via`` (how
many apps were forked from the launcher, how many started as new programs;
``KONTOKOLL_SERVE_PREFORK=0`` measures the latter) and ``targets``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from governance.identity import current_login  # noqa: E402
from governance.people import People  # noqa: E402
from governance.register import Register  # noqa: E402
from governance.store import Store  # noqa: E402
from tests.serve.support import (  # noqa: E402
    HEADER,
    free_port,
    serve_env,
    write_secret,
)

#: On the app's first screen (the overview's tab): the first frame itself only switches the
#: terminal to its alternate screen, before the app has drawn anything.
FIRST_SCREEN_TEXT = "Översikt".encode()
IDLE_SAMPLE_S = 5.0
TARGETS = {"first_frame_median_s": 2.0, "first_frame_worst_s": 5.0, "memory_total_mb": 3072}


def demo_register(tmp: Path) -> Path:
    """The demo register with an admin (whoever runs this) and a lead per session."""
    subprocess.run([sys.executable, "-m", "kontokoll", "--data-dir", str(tmp), "demo",
                    "--no-app"], check=True, capture_output=True, env=serve_env(tmp))
    data_dir = tmp / "demo"
    store = Store(data_dir)
    try:
        department = Register(store).departments()[0].name
        people = People(store, user=current_login())
        if not people.users():
            people.add_user(current_login(), "admin")
        for n in range(100):
            people.add_user(f"lead{n}", "lead", [department])
    finally:
        store.close()
    return data_dir


def family(pid: int) -> set[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError):
                continue
    found, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory (RSS, PSS) of ``pid`` and every process below it, in MB."""
    members = family(pid)
    return _sum_field(members, "status", "VmRSS:"), _sum_field(members, "smaps_rollup", "Pss:")


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) used so far by ``pid`` and every process below it."""
    return sum(process_cpu_s(member) for member in family(pid))


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) used so far by ``pid`` alone (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sum_field(pids: set[int], name: str, field: str) -> float:
    """The sum of a kB field of ``/proc/PID/NAME`` over ``pids``, in MB."""
    total_kb = 0
    for member in pids:
        try:
            for line in Path(f"/proc/{member}/{name}").read_text().splitlines():
                if line.startswith(field):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


async def open_session(url: str, headers: dict[str, str], held: list[object]
                       ) -> tuple[float, float]:
    """Open a session; the seconds until its first frame and until its first screen is drawn
    (the overview's name on it); keep it open (in ``held``)."""
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"{url}/ws?width=140&height=40", headers=headers)
    opened = time.perf_counter()
    first, recent = 0.0, b""
    while FIRST_SCREEN_TEXT not in recent:  # the raw bytes of the last two frames: a name in
        message = await ws.receive(timeout=120)  # one style is one run of text
        if message.type == aiohttp.WSMsgType.BINARY:
            first = first or time.perf_counter() - opened
            recent = recent[-len(FIRST_SCREEN_TEXT):] + message.data
        elif message.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"session ended before its first screen: {message.type}")
    drawn = time.perf_counter() - opened
    held.append((session, ws, asyncio.create_task(_drain(ws))))
    return first, drawn


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Read the session's frames as a browser would, so the app is never blocked on output."""
    async for _ in ws:
        pass


async def run_sessions(url: str, secret: str, count: int, interval: float, pid: int
                       ) -> dict[str, object]:
    held: list[object] = []
    tasks = []
    started, server_started = tree_cpu_s(pid), process_cpu_s(pid)
    for n in range(count):
        headers = {HEADER: f"lead{n}", "X-Kontokoll-Proxy-Secret": secret, "Origin": url}
        tasks.append(asyncio.create_task(open_session(url, headers, held)))
        await asyncio.sleep(interval)
    results = await asyncio.gather(*tasks)
    times, drawn = [r[0] for r in results], [r[1] for r in results]
    await asyncio.sleep(2.0)  # every app has drawn its first screen and settled
    start_cpu = (tree_cpu_s(pid) - started) / count
    server_cpu = process_cpu_s(pid) - server_started
    memory, pss = tree_memory_mb(pid)
    before = tree_cpu_s(pid)
    await asyncio.sleep(IDLE_SAMPLE_S)  # nobody types: what do open sessions cost?
    idle_cores = (tree_cpu_s(pid) - before) / IDLE_SAMPLE_S
    for session, ws, drain in held:  # type: ignore[misc]
        drain.cancel()
        await ws.close()
        await session.close()
    return {
        "sessions": count,
        "first_frame_median_s": round(statistics.median(times), 3),
        "first_frame_worst_s": round(max(times), 3),
        "first_screen_median_s": round(statistics.median(drawn), 3),
        "first_screen_worst_s": round(max(drawn), 3),
        "memory_total_mb": round(memory),
        "memory_total_pss_mb": round(pss),
        "memory_per_session_mb": round(memory / count, 1),
        "idle_cpu_cores": round(idle_cores, 2),
        "cpu_per_session_start_s": round(start_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "targets": TARGETS,
    }


def wait_listening(port: int, timeout: float = 120.0) -> None:
    """Until the server accepts connections (seconds on a busy machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit("the server did not start listening")


def started_via(access_log: Path) -> dict[str, int]:
    """How many sessions' apps were forked, and how many started as new programs."""
    counts: dict[str, int] = {}
    for line in access_log.read_text(encoding="utf-8").splitlines():
        words = line.split()
        for word in words[2:] if words[1:2] == ["session-start"] else []:
            if word.startswith("via="):
                counts[word[4:]] = counts.get(word[4:], 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between sessions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kontokoll-bench-serve-") as folder:
        tmp = Path(folder)
        data_dir = demo_register(tmp)
        secret_file, secret = write_secret(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), "serve",
             "--auth-header", HEADER, "--trusted-proxy", "127.0.0.1", "--proxy-secret-file",
             str(secret_file), "--public-url", url, "--port", str(port),
             "--access-log", str(tmp / "access.log")],
            env=serve_env(tmp), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_listening(port)  # the first sessions may still wait for the launcher's imports
            result = asyncio.run(run_sessions(url, secret, args.sessions, args.interval,
                                              server.pid))
        finally:
            server.terminate()
            server.wait(timeout=60)
        result["started_via"] = started_via(tmp / "access.log")
    print(f"cpus: {os.cpu_count()}, load: {os.getloadavg()}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
