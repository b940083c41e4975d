"""Where a sync's wall time goes: requests in flight over time, and how late its event loop runs.

Used by ``bench/sync.py --timeline``. While :func:`watched` is active, every exchange of the HTTP
session (``governance.platforms.session._exchange``: a connection slot held, request sent,
answer read) is timed, and a 10 ms ticker on the sync's event loop notes how late it fires (a
loop busy with CPU work answers late) and how much CPU the loop's thread used. The summary says:

* ``mean_in_flight``: requests in flight, time-weighted, from the first request to the last
  answer (the sync allows ``concurrency``);
* ``exchange_ms``: how long a request held its slot (p10/p50/p90/p99, mean), against the
  emulation's latency: an answer that waits for a busy loop holds its slot longer;
* ``loop_lag_ms``: how late the ticker fired (p50/p90/p99, max);
* ``loop_cpu_share``: the loop thread's CPU time over the wall time (1.0: never idle);
* ``rows``: per ``step_s``, the time, requests in flight, the loop's CPU share and mean lag.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from governance.platforms import session

#: The ticker's period.
TICK_S = 0.01


class Timeline:
    """Exchanges and ticks of one sync (times from ``time.perf_counter``)."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[float, float]] = []
        #: (when the tick was due, how late it fired, the loop thread's CPU time then)
        self.ticks: list[tuple[float, float, float]] = []
        self._ticker: asyncio.Task[None] | None = None

    def wrap(self, exchange: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any) -> Any:
            if self._ticker is None:  # the first request: the sync's loop runs
                self._ticker = asyncio.ensure_future(self._tick())
            started = time.perf_counter()
            try:
                return await exchange(*args)
            finally:
                self.exchanges.append((started, time.perf_counter()))
        return timed

    async def _tick(self) -> None:
        # Runs until the sync's asyncio.run() ends and cancels it.
        while True:
            due = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            self.ticks.append((due, time.perf_counter() - due, time.thread_time()))

    def summary(self, step_s: float = 0.5) -> dict[str, Any]:
        if not self.exchanges:
            return {}
        start = min(s for s, _ in self.exchanges)
        end = max(e for _, e in self.exchanges)
        durations = sorted(e - s for s, e in self.exchanges)
        lags = sorted(lag for _, lag, _ in self.ticks)
        return {
            "mean_in_flight": round(sum(durations) / max(end - start, 1e-9), 1),
            "exchange_ms": {**_percentiles(durations, (10, 50, 90, 99)),
                            "mean": round(1000 * sum(durations) / len(durations), 1)},
            "loop_lag_ms": {**_percentiles(lags, (50, 90, 99)),
                            "max": round(1000 * lags[-1], 1) if lags else None},
            "loop_cpu_share": self._cpu_share(self.ticks),
            "rows": self._rows(start, end, step_s),
        }

    def _rows(self, start: float, end: float, step_s: float) -> list[list[float | None]]:
        """[t, requests in flight, loop CPU share, mean lag in ms] per step."""
        count = int((end - start) / step_s) + 1
        busy = [0.0] * count
        for s, e in self.exchanges:  # each exchange's time, cut at the steps' edges
            at = s
            while at < e:
                index = int((at - start) / step_s)
                edge = min(e, start + (index + 1) * step_s)
                busy[index] += edge - at
                at = edge
        ticks: list[list[tuple[float, float, float]]] = [[] for _ in range(count)]
        for tick in self.ticks:
            index = int((tick[0] - start) / step_s)
            if 0 <= index < count:
                ticks[index].append(tick)
        return [[round(i * step_s, 1), round(busy[i] / step_s, 1), self._cpu_share(ticks[i]),
                 round(1000 * sum(t[1] for t in ticks[i]) / len(ticks[i]), 1)
                 if ticks[i] else None] for i in range(count)]

    @staticmethod
    def _cpu_share(ticks: list[tuple[float, float, float]]) -> float | None:
        if len(ticks) < 2:
            return None
        wall = (ticks[-1][0] + ticks[-1][1]) - (ticks[0][0] + ticks[0][1])
        return round((ticks[-1][2] - ticks[0][2]) / wall, 2) if wall > 0 else None


def _percentiles(ordered: list[float], which: tuple[int, ...]) -> dict[str, float | None]:
    return {f"p{p}": round(1000 * ordered[min(len(ordered) - 1, len(ordered) * p // 100)], 1)
            if ordered else None for p in which}


@contextmanager
def watched() -> Iterator[Timeline]:
    """Time every exchange of the syncs run inside the block (the first sync only, in the bench)."""
    timeline = Timeline()
    original = session._exchange
    session._exchange = timeline.wrap(original)  # type: ignore[assignment]
    try:
        yield timeline
    finally:
        session._exchange = original


def table(summary: dict[str, Any]) -> str:
    """The rows as text, for stderr."""
    lines = ["t_s  in_flight  loop_cpu  lag_ms"]
    for t, flight, cpu, lag in summary.get("rows", []):
        lines.append(f"{t:4.1f} {flight:9.1f} {cpu if cpu is not None else '-':>9} "
                     f"{lag if lag is not None else '-':>7}")
    return "\n".join(lines)
