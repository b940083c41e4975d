"""``kontokoll stats posts ACCOUNT [--month YYYY-MM] [--top N]``: an account's posts with their
figures and engagemangsgrad; unknown is "–", never 0."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.i18n import t

if TYPE_CHECKING:
    from governance.post_figures import PostView
    from kontokoll.cli.context import CliContext

#: The most posts ``--top`` lists (13 months of a busy account fit well under it).
MAX_TOP = 1000
UNKNOWN = "–"
_COLUMNS = ("published", "kind", "reach", "video_views", "link_clicks", "reactions", "comments",
            "shares", "saves", "interactions", "rate")


def _top(text: str) -> int:
    from governance.text_safety import visible

    value = visible(text.strip())
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_TOP:
        raise argparse.ArgumentTypeError(t("posts.cli.bad_top", limit=MAX_TOP, value=value[:20]))
    return int(value)


def _month(text: str) -> str:
    from governance.errors import FieldError
    from governance.fields import parse_month

    try:
        return parse_month(text, "month")
    except FieldError as error:
        if error.key == "input.year_out_of_range":  # a month, but not one we accept
            raise argparse.ArgumentTypeError(error.reason) from None
        from governance.text_safety import visible

        shown = visible(text.strip()[:20])
        raise argparse.ArgumentTypeError(t("posts.cli.bad_month", value=shown)) from None


def register_posts(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``stats posts`` to the ``stats`` group."""
    posts = sub.add_parser("posts", help=t("posts.cli.help"))
    posts.add_argument("account", metavar="ACCOUNT", help=t("posts.cli.account_help"))
    posts.add_argument("--month", type=_month, metavar="YYYY-MM", help=t("posts.cli.month_help"))
    posts.add_argument("--top", type=_top, metavar="N", help=t("posts.cli.top_help"))
    posts.set_defaults(handler=show_posts)


def show_posts(args: argparse.Namespace, ctx: CliContext) -> int:
    """The account's posts: newest first, or the ``--top`` N by engagemangsgrad."""
    from governance.post_figures import top
    from governance.posts_read import read_account_views
    from governance.register import Register
    from kontokoll.cli.tables import render_table

    account = Register(ctx.store).account(args.account)
    views = read_account_views(ctx.store, account.id)
    if args.month:
        views = [v for v in views if v.post.month == args.month]
    if not views:
        ctx.print(_why_none(account.ref, account.platform, args.month))
        return 0
    chosen = top(views, args.top) if args.top else list(reversed(views))
    header = [t(f"posts.col.{name}") for name in _COLUMNS]
    ctx.print(render_table(header, [row(v) for v in chosen]))
    ctx.print()
    ctx.print(t("posts.cli.legend"))
    return 0


def _why_none(ref: str, platform: str, month: str | None) -> str:
    """Why there is nothing to list: no API to read, a month no longer kept, or not synced."""
    from governance.fields import API_PLATFORMS
    from governance.model import utc_now
    from governance.posts import KEPT_MONTHS, first_kept_month

    if platform not in API_PLATFORMS:
        return t("posts.cli.none_no_api", ref=ref, platform=platform)
    if month is not None and month < first_kept_month(utc_now()):
        return t("posts.cli.none_not_kept", month=month, kept=KEPT_MONTHS)
    in_month = t("posts.cli.in_month", month=month) if month else ""
    return t("posts.cli.none", ref=ref, month=in_month)


def row(view: PostView) -> list[str]:
    """One post as table cells (Stockholm time, no text)."""
    from governance.monthly import STOCKHOLM
    from governance.posts_read import shown_percent

    post = view.post
    counts = [getattr(post, name) for name in _COLUMNS[2:9]]
    return [
        post.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
        t(f"posts.kind.{post.kind}"),
        *(UNKNOWN if c is None else str(c) for c in counts),
        UNKNOWN if view.interactions is None else str(view.interactions),
        shown_percent(view.rate),
    ]
