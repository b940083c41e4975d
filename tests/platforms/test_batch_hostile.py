"""``kontokoll sync`` against Graph batch answers rewritten on their way back (an adversary
between Kontokoll and Meta, or a Meta bug): answers put in the wrong place, batches past the
size cap, impossible waits and usage headers, batch answers of the wrong shape.

Every test drives the real CLI against the emulation, through an ASGI layer that rewrites each
batch answer, and checks what the user and the store see: the lines printed, the outcome and the
posts stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, MutableMapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from governance.emulation import AccountProfile, base_urls, build_emulation
from governance.platforms import PlatformSource, Settings, load_settings
from governance.posts_read import read_account_views
from governance.register import Register
from governance.store import Store
from kontokoll.cli.context import CliContext
from kontokoll.cli.main import main

PAGES = [AccountProfile("facebook", f"{9100 + n}", f"sida{n}") for n in range(4)]
IG = [AccountProfile("instagram", f"1784140000000000{n}", f"ig{n}") for n in range(2)]
TOKENS = {p: f"tok-{p}-hostile" for p in ("facebook", "instagram", "linkedin", "x", "youtube")}
ENV = {"facebook": "KONTOKOLL_FACEBOOK_TOKEN", "instagram": "KONTOKOLL_INSTAGRAM_TOKEN",
       "linkedin": "KONTOKOLL_LINKEDIN_TOKEN", "x": "KONTOKOLL_X_TOKEN",
       "youtube": "KONTOKOLL_YOUTUBE_KEY"}
#: The settings of the environment (read when the sync starts), or these quick ones.
QUICK = "quick"

#: (relative URLs of the batch's calls, its items) -> the items or the raw body to answer.
Change = Callable[[list[str], list[Any]], Any]


class Rewriting:
    """The emulation behind a layer that rewrites every Graph batch answer with ``change``."""

    def __init__(self, app: Any, change: Change) -> None:
        self.app, self.change = app, change
        #: The calls of each batch request, in the order sent.
        self.batches: list[list[str]] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        form = bytearray()
        sent: list[MutableMapping[str, Any]] = []

        async def read() -> Any:
            message = await receive()
            form.extend(message.get("body", b""))
            return message

        async def keep(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, read, keep)
        status = sent[0]["status"]
        raw = b"".join(m.get("body", b"") for m in sent[1:])
        calls = [c["relative_url"] for c in json.loads(dict(parse_qsl(form.decode()))["batch"])]
        self.batches.append(calls)
        items = json.loads(raw)
        if status == 200 and isinstance(items, list):
            changed = self.change(calls, items)
            raw = changed if isinstance(changed, bytes) else json.dumps(changed).encode()
        headers = [(k, v) for k, v in sent[0]["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import keyring
    from keyring.errors import NoKeyringError

    def no_keyring(service: str, name: str) -> str | None:
        raise NoKeyringError("no backend in tests")

    monkeypatch.setattr(keyring, "get_password", no_keyring)
    monkeypatch.delenv("KONTOKOLL_MAX_RESPONSE_MB", raising=False)
    for platform, name in ENV.items():
        monkeypatch.setenv(name, TOKENS[platform])
    # https: a plain http:// base goes only to this machine (the emulation is in-process).
    for platform, url in base_urls("https://emulation").items():
        monkeypatch.setenv(f"KONTOKOLL_{platform.upper()}_BASE_URL", url)
    directory = tmp_path / "data"
    register = Register(Store(directory))
    for profile in [*PAGES, *IG]:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Kulturförvaltningen",
                                 "platform_id": profile.platform_id})
    return directory


def sync(data_dir: Path, change: Change, *args: str, lang: str = "sv",
         settings: str | None = QUICK) -> tuple[int, str, str, Rewriting]:
    """``kontokoll sync ARGS`` through a :class:`Rewriting` layer: exit code, out, err, and
    the layer. ``settings=None``: as the environment sets them (KONTOKOLL_MAX_RESPONSE_MB);
    else with waits of milliseconds, as the CLI sleeps for real."""
    import contextlib
    import io

    chosen: Settings | None = None
    if settings == QUICK:
        chosen = replace(load_settings(), backoff_base_s=0.001, backoff_max_s=0.002,
                         slowdown_s=0.001)

    app = Rewriting(build_emulation([*PAGES, *IG], now=datetime.now(UTC), tokens=TOKENS),
                    change)
    out, err = io.StringIO(), io.StringIO()

    def context(directory: Path) -> CliContext:
        return CliContext(directory, sync_source=lambda: PlatformSource(
            transport=httpx.ASGITransport(app=app), settings=chosen))

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-dir", str(data_dir), "--lang", lang, "sync", *args], context=context)
    return code, out.getvalue(), err.getvalue(), app


def failures(out: str) -> dict[str, str]:
    """The failure lines printed: ``{"facebook:sida0": reason}``."""
    found = re.findall(r"^  ((?:facebook|instagram):\w+): (.*)$", out, re.MULTILINE)
    return dict(found)


def swap_first(match: Callable[[str], bool]) -> Change:
    """Swap the answers of the first two calls in a batch that ``match``."""
    def change(calls: list[str], items: list[Any]) -> list[Any]:
        hits = [i for i, url in enumerate(calls) if match(url)]
        if len(hits) >= 2:
            a, b = hits[0], hits[1]
            items[a], items[b] = items[b], items[a]
        return items
    return change


def stored_post_ids(data_dir: Path, handle: str) -> set[str]:
    store = Store(data_dir)
    account = Register(store).account(f"facebook:{handle}")
    return {view.post.post_id for view in read_account_views(store, account.id)}


# --- 1. an answer for another account ----------------------------------------------------------


def test_posts_swapped_between_two_pages_fail_those_pages_and_store_nothing_foreign(
    data_dir: Path,
) -> None:
    swap = swap_first(lambda url: "/published_posts?" in url and "after=" not in url
                      and "since=" in url and url.split("/")[0] in ("9100", "9101"))
    code, out, _, _ = sync(data_dir, swap, lang="en")
    assert code == 1
    failed = failures(out)
    assert set(failed) == {"facebook:sida0", "facebook:sida1"}
    assert "an answer for another account at posts[0].id (9101_" in failed["facebook:sida0"]
    assert "asked for 9101" in failed["facebook:sida1"]
    assert stored_post_ids(data_dir, "sida0") == set()  # nothing of 9101's is sida0's
    assert stored_post_ids(data_dir, "sida1") == set()
    # The other Pages in the same batches are synced, their own posts stored.
    kept = stored_post_ids(data_dir, "sida2")
    assert kept and all(post.startswith("9102_") for post in kept)


def test_page_insights_swapped_between_two_pages_fail_those_pages(data_dir: Path) -> None:
    def swap(calls: list[str], items: list[Any]) -> list[Any]:
        # The first insights window of Page 9100 and the first of 9101 in one batch.
        first = {page: next((i for i, url in enumerate(calls)
                             if url.startswith(f"{page}/insights?")), None)
                 for page in ("9100", "9101")}
        a, b = first["9100"], first["9101"]
        if a is not None and b is not None:
            items[a], items[b] = items[b], items[a]
        return items

    code, out, _, _ = sync(data_dir, swap, "--platform", "facebook")
    failed = failures(out)
    assert code == 1 and set(failed) == {"facebook:sida0", "facebook:sida1"}
    assert "insights[0].id" in failed["facebook:sida0"]


def test_media_swapped_between_two_instagram_accounts_fail_both(data_dir: Path) -> None:
    swap = swap_first(lambda url: "/media?" in url and "after=" not in url)
    code, out, _, _ = sync(data_dir, swap, "--platform", "instagram")
    failed = failures(out)
    assert code == 1 and set(failed) == {"instagram:ig0", "instagram:ig1"}
    assert "media[0].owner.id" in failed["instagram:ig0"]
    assert "asked for 17841400000000000" in failed["instagram:ig0"]


def test_media_insights_swapped_between_two_media_fail_their_account(data_dir: Path) -> None:
    owner: dict[str, str] = {}

    def swap(calls: list[str], items: list[Any]) -> list[Any]:
        # The first two media insights calls of one batch, whoever's media they are.
        hits = [i for i, url in enumerate(calls) if "/insights?metric=reach%2Cviews" in url]
        if len(hits) >= 2 and not owner:
            a, b = hits[0], hits[1]
            items[a], items[b] = items[b], items[a]
            owner["swapped"] = calls[a].split("/")[0]
        return items

    code, out, _, _ = sync(data_dir, swap, "--platform", "instagram")
    failed = failures(out)
    assert code == 1 and owner and failed
    assert all("media.insights[0].id" in reason for reason in failed.values())


# --- 2. the size cap is one call's, not a batch's ----------------------------------------------

PAD = 400_000


def pad_each(calls: list[str], items: list[Any]) -> list[Any]:
    """Each item's body 400 KB larger: each well under 1 MB, four of them over it."""
    for item in items:
        if isinstance(item, dict) and item.get("body", "").endswith("}"):
            item["body"] = item["body"][:-1] + ',"pad":"' + "A" * PAD + '"}'
    return items


def test_a_batch_over_the_size_cap_is_sent_again_in_halves_and_every_page_is_synced(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTOKOLL_MAX_RESPONSE_MB", "1")  # read as in production
    code, out, _, app = sync(data_dir, pad_each, "--platform", "facebook", settings=None)
    assert code == 0, out
    assert not failures(out)
    sizes = [len(batch) for batch in app.batches]
    assert sizes[0] == 4  # the four Pages' profiles in one batch: 1.6 MB, refused ...
    assert sizes[1:3] == [2, 2]  # ... and sent again in halves
    # Each batch sent is one HTTP request; Meta ran (and counts) the refused batch's calls too.
    counted = re.search(r"facebook: (\d+) anrop i (\d+) HTTP-förfrågningar", out)
    assert counted is not None and int(counted[2]) == len(sizes)
    assert int(counted[1]) == sum(sizes)


def test_only_a_call_whose_own_answer_is_too_large_fails(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTOKOLL_MAX_RESPONSE_MB", "1")

    def huge_for_one(calls: list[str], items: list[Any]) -> list[Any]:
        for url, item in zip(calls, items, strict=True):
            if url.startswith("9102?") and isinstance(item, dict):
                item["body"] = item["body"][:-1] + ',"pad":"' + "A" * 1_200_000 + '"}'
        return items

    code, out, _, _ = sync(data_dir, huge_for_one, "--platform", "facebook", settings=None)
    failed = failures(out)
    assert code == 1 and list(failed) == ["facebook:sida2"]
    assert failed["facebook:sida2"].startswith("malformed-response: response larger than 1 MB")


# --- 3. waits that cannot be true ----------------------------------------------------------------


def every_item(**changes: Any) -> Change:
    def change(calls: list[str], items: list[Any]) -> list[Any]:
        return [dict(item, **changes) if isinstance(item, dict) else item for item in items]
    return change


RATE_LIMIT = json.dumps({"error": {"code": 4, "message": "(#4) Application request limit"}})
IMPOSSIBLE_WAITS = [
    pytest.param(every_item(code=429, body="{}",
                            headers=[{"name": "retry-after", "value": "inf"}]), id="retry-inf"),
    pytest.param(every_item(code=429, body="{}", headers=[
        {"name": "retry-after", "value": "99999999999999999999"}]), id="retry-huge"),
    pytest.param(every_item(code=429, body="{}",
                            headers=[{"name": "retry-after", "value": "-60"}]), id="retry-neg"),
    pytest.param(every_item(code=400, body=RATE_LIMIT, headers=[
        {"name": "x-business-use-case-usage",
         "value": '{"1":[{"call_count":100,"estimated_time_to_regain_access":1e999}]}'}]),
        id="regain-inf"),
    pytest.param(every_item(code=400, body=RATE_LIMIT, headers=[
        {"name": "x-business-use-case-usage",
         "value": '{"1":[{"call_count":100,"estimated_time_to_regain_access":1e300}]}'}]),
        id="regain-huge"),
]


@pytest.mark.parametrize("change", IMPOSSIBLE_WAITS)
def test_an_impossible_wait_is_unknown_and_said_to_be(data_dir: Path, change: Change) -> None:
    code, out, err, _ = sync(data_dir, change, "--platform", "facebook")
    assert code == 1
    assert "Traceback" not in err and "OverflowError" not in out + err
    assert "internal-error" not in out
    failed = failures(out)
    assert set(failed) == {f"facebook:{p.handle}" for p in PAGES}
    assert all(reason.startswith("rate-limited: ") and "is not credible" in reason
               for reason in failed.values())
    assert "väntetiden den angav är orimlig" in out  # the platform's stop, in words
    assert not re.search(r"\d{7,} min", out + err)  # never a wait of endless minutes


# --- 4. usage that is not reported, or not credibly --------------------------------------------

@pytest.mark.parametrize("value", [
    "not json", '{"call_count": NaN, "total_cputime": NaN, "total_time": NaN}',
    '{"call_count": -50, "total_cputime": -1, "total_time": -3}', '{"call_count": 1e999}',
    '{"call_count": 3, "total_time": 20000}', "[" * 5000,
], ids=["not-json", "nan", "negative", "infinite", "absurd", "nested"])
def test_usage_that_cannot_be_read_is_unknown_never_0(data_dir: Path, value: str) -> None:
    def usage(calls: list[str], items: list[Any]) -> list[Any]:
        for item in items:
            if isinstance(item, dict):
                item["headers"] = [h for h in item.get("headers", [])
                                   if h["name"].lower() != "x-app-usage"]
                item["headers"].append({"name": "x-app-usage", "value": value})
        return items

    code, out, _, _ = sync(data_dir, usage, "--platform", "facebook")
    assert code == 0, out
    assert "facebook: Meta rapporterade ingen användning (okänd)" in out
    assert "högst" not in out


# --- 6. what is wrong with a batch answer, said -------------------------------------------------

@pytest.mark.parametrize(("change", "reason"), [
    (lambda calls, items: items[:-1], "the batch answer has 3 items for 4 calls"),
    (lambda calls, items: {"a": 1}, "the batch answer is an object, not a list of items"),
    (lambda calls, items: b"<html>", "the batch answer is not JSON"),
    (every_item(code=True), "batch item 1 of 4 has no status code (code is true)"),
    (every_item(code=999), "batch item 1 of 4 has code 999, not an HTTP status"),
    (lambda calls, items: [1, *items[1:]], "batch item 1 of 4 is a number, not an object"),
    (lambda calls, items: [{"code": 200}, *items[1:]],
     "batch item 1 of 4 has no body text (body is missing)"),
], ids=["fewer", "object", "not-json", "code-true", "code-999", "not-object", "no-body"])
def test_a_bad_batch_answer_says_what_is_wrong(
    data_dir: Path, change: Change, reason: str,
) -> None:
    code, out, _, _ = sync(data_dir, change, "--platform", "facebook")
    failed = failures(out)
    assert code == 1
    assert failed["facebook:sida0"].startswith(f"malformed-response: {reason} (")
    assert "body is not JSON" not in out


def test_a_null_item_is_still_retried_as_unfinished(data_dir: Path) -> None:
    nulled: list[str] = []

    def once(calls: list[str], items: list[Any]) -> list[Any]:
        if not nulled:
            nulled.append(calls[0])
            return [None, *items[1:]]
        return items

    code, out, _, app = sync(data_dir, once, "--platform", "facebook")
    assert code == 0, out
    assert sum(nulled[0] in batch for batch in app.batches) == 2  # asked again
