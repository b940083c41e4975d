"""Emulated YouTube Data API v3: channels, playlist items, videos and comment threads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from governance.emulation.app import Answer, Handler, Request
from governance.emulation.data import AccountData
from governance.emulation.fields import google_select, parse_google, youtube_parts


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()[:19] + "Z"  # isoformat: faster than strftime


def route(request: Request) -> tuple[AccountData | None, Handler | None]:
    data, handler = _resource(request)
    return data, _fields_named(handler) if handler else None


def _fields_named(handler: Handler) -> Handler:
    """``handler`` answering only the parts ``part`` names, and of them only the properties
    ``fields`` names if it names any (see ``emulation.fields``)."""
    def answer(request: Request, data: AccountData) -> Answer:
        found = handler(request, data)
        if found.status != 200:
            return found
        found.body = youtube_parts(found.body, request.params.get("part", ""))
        fields = request.params.get("fields", "")
        if fields:
            found.body = google_select(found.body, parse_google(fields))
        return found
    return answer


def _resource(request: Request) -> tuple[AccountData | None, Handler | None]:
    emulation, params = request.emulation, request.params
    resource = request.parts[0] if len(request.parts) == 1 else ""
    if resource == "channels":
        if params.get("id"):  # up to 50 ids: the first known one stands for the request
            known = (emulation.account("youtube", i) for i in params["id"].split(",")[:50])
            return next((d for d in known if d is not None), None), _channels
        return emulation.account("youtube", params.get("forHandle", "").lstrip("@")), _channels
    if resource == "playlistItems":
        return emulation.account("youtube", "UC" + params.get("playlistId", "")[2:]), _uploads
    if resource == "videos":
        first = params.get("id", "").split(",")[0]
        return emulation.videos.get(first), _videos
    if resource == "commentThreads":
        return emulation.account("youtube", params.get("allThreadsRelatedToChannelId", "")), (
            _threads
        )
    return None, None


def _channels(request: Request, data: AccountData) -> Answer:
    """``channels.list`` by ``forHandle`` or by ``id`` (a comma-separated list of up to 50):
    one item per channel found, in the order asked; unknown ids are left out."""
    ids = request.params.get("id", "").split(",")
    if len(ids) > 50:
        message = "The request specifies more than the maximum of 50 ids."
        return Answer({"error": {"code": 400, "message": message, "errors": [
            {"message": message, "domain": "youtube.parameter", "reason": "invalidValue"}]}},
            400)
    found = [request.emulation.account("youtube", i) for i in ids] if ids != [""] else [data]
    channels = [_channel(request, d) for d in found if d is not None]
    return Answer({"kind": "youtube#channelListResponse", "etag": "etag",
                   "pageInfo": {"totalResults": len(channels), "resultsPerPage": 50},
                   "items": channels})


def _channel(request: Request, data: AccountData) -> dict[str, Any]:
    channel_id = data.profile.platform_id
    videos = [p for p in data.posts if p.at <= request.now]
    # YouTube rounds subscriber counts to three significant figures.
    rounded = round(data.followers, -max(0, len(str(data.followers)) - 3))
    parts = request.params.get("part", "").split(",")
    item: dict[str, Any] = {"kind": "youtube#channel", "etag": "etag", "id": channel_id}
    if "snippet" in parts:
        item["snippet"] = {"title": data.profile.handle, "description": "…",
                           "customUrl": "@" + data.profile.handle.lower(),
                           "publishedAt": "2012-03-01T09:00:00Z"}
    if "contentDetails" in parts:
        item["contentDetails"] = {"relatedPlaylists": {"likes": "",
                                                       "uploads": "UU" + channel_id[2:]}}
    if "statistics" in parts:
        item["statistics"] = {"viewCount": str(sum(v.views for v in videos)),
                              "subscriberCount": str(rounded), "hiddenSubscriberCount": False,
                              "videoCount": str(len(videos))}
    return item


def _paged(request: Request, found: list[dict[str, Any]], kind: str) -> Answer:
    limit = min(50 if kind != "commentThread" else 100,
                int(request.params.get("maxResults", "5")))
    token = request.params.get("pageToken", "")
    start = int(token[1:]) if token.startswith("T") and token[1:].isdigit() else 0
    body: dict[str, Any] = {
        "kind": f"youtube#{kind}ListResponse", "etag": "etag",
        "pageInfo": {"totalResults": len(found), "resultsPerPage": limit},
        "items": found[start:start + limit],
    }
    if start + limit < len(found):
        body["nextPageToken"] = f"T{start + limit}"

    def loop(answer: Any) -> Any:
        answer["nextPageToken"] = "T0"
        return answer

    return Answer(body, loop=loop)


def _uploads(request: Request, data: AccountData) -> Answer:
    found = request.emulation.memo(("yt-uploads", data.key), lambda: _upload_items(request, data))
    return _paged(request, found, "playlistItem")


def _upload_items(request: Request, data: AccountData) -> list[dict[str, Any]]:
    return [{
        "kind": "youtube#playlistItem", "etag": "etag", "id": f"PL{video.id}",
        "contentDetails": {"videoId": video.id, "videoPublishedAt": rfc3339(video.at)},
    } for video in data.posts if video.at <= request.now]


def _videos(request: Request, data: AccountData) -> Answer:
    wanted = request.params.get("id", "").split(",")[:50]
    by_id = data.by_id
    found = []
    for video_id in wanted:
        video = by_id.get(video_id)
        if video is None:
            continue
        found.append({"kind": "youtube#video", "etag": "etag", "id": video.id, "statistics": {
            "viewCount": str(video.views), "likeCount": str(video.likes),
            "favoriteCount": "0", "commentCount": str(len(video.comments))}})
    return Answer({"kind": "youtube#videoListResponse", "etag": "etag", "items": found,
                   "pageInfo": {"totalResults": len(found), "resultsPerPage": len(found)}})


def _threads(request: Request, data: AccountData) -> Answer:
    found = request.emulation.memo(("yt-threads", data.key), lambda: _thread_items(request, data))
    return _paged(request, found, "commentThread")


def _thread_items(request: Request, data: AccountData) -> list[dict[str, Any]]:
    """Every comment thread on the channel's videos, newest first."""
    channel_id = data.profile.platform_id
    found = []
    for video, comment in data.comments():
        # Held or rejected comments are not in the default (``published``) listing.
        if comment.at > request.now or comment.hidden:
            continue
        top = {"authorChannelId": {"value": f"UCu{comment.author}"},
               "publishedAt": rfc3339(comment.at), "textDisplay": comment.text,
               "textOriginal": comment.text}
        thread: dict[str, Any] = {
            "kind": "youtube#commentThread", "etag": "etag", "id": comment.id,
            "snippet": {
                "channelId": channel_id, "videoId": video.id, "canReply": True,
                "isPublic": True, "totalReplyCount": 1 if comment.reply_at else 0,
                "topLevelComment": {"kind": "youtube#comment", "etag": "etag", "id": comment.id,
                                    "snippet": top},
            },
        }
        if comment.reply_at and comment.reply_at <= request.now:
            thread["replies"] = {"comments": [{"kind": "youtube#comment", "etag": "etag",
                                               "id": f"{comment.id}.r", "snippet": {
                                                   "authorChannelId": {"value": channel_id},
                                                   "publishedAt": rfc3339(comment.reply_at),
                                                   "parentId": comment.id}}]}
        found.append(thread)
    return found
