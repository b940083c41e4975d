"""The fields an emulated answer carries: those the request names, and the platform's defaults.

The real APIs return only what a request asks for, so a client that reads a field it never asked
for must fail here as it would there. Handlers build their documents whole; the platform's
router passes each answer through one of these selections:

* Graph API (Facebook, Instagram): ``fields=a,b.summary(total_count).limit(0),c{d,e{f}}``, field
  expansion with modifiers (https://developers.facebook.com/docs/graph-api/guides/field-expansion).
  A node answers its ``id`` and the fields named; an edge (``{"data": [...]}``) answers its items
  with the fields named in braces (its default fields when none are), its ``summary`` only when
  ``.summary(...)`` asks for it (``true`` for the whole summary, else the summary fields named),
  and an ``insights.metric(a,b)`` edge only those metrics. A listing's ``fields`` apply to each
  of its items. Without ``fields`` the handler's own default answer stands.
* YouTube Data API: ``fields=items(id,snippet(title)),nextPageToken`` and ``a/b`` for ``a(b)``,
  Google's partial response (https://developers.google.com/youtube/v3/getting-started#partial):
  only the properties named, a list's selection applied to each element; before it, ``part``:
  a resource is its ``kind``, ``etag`` and ``id`` and the parts named
  (https://developers.google.com/youtube/v3/docs/videos/list, parameter ``part``).
* X API v2: a post is ``id``, ``text`` and ``edit_history_tweet_ids`` plus its ``tweet.fields``, a
  user ``id``, ``name``, ``username`` plus its ``user.fields``, a medium ``media_key`` and ``type``
  plus its ``media.fields``; ``includes`` come only for the ``expansions`` named
  (https://docs.x.com/x-api/fundamentals/fields, .../fundamentals/expansions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One named field: its modifiers (``summary``, ``limit``, ``metric`` ...) and subfields."""

    modifiers: dict[str, str]
    sub: dict[str, Field] | None
    #: Whether the value is shaped (modifiers or subfields), not answered as it is.
    shaped: bool


def parse_graph(text: str) -> dict[str, Field]:
    """A Graph ``fields`` value as a tree (malformed parts are read as far as they go)."""
    tree, _ = _graph_list(text, 0, "")
    return tree


def _graph_list(text: str, at: int, close: str) -> tuple[dict[str, Field], int]:
    tree: dict[str, Field] = {}
    while at < len(text) and text[at] != close:
        if text[at] == "}":  # a stray brace: skipped
            at += 1
            continue
        found = _GRAPH_NAME_END.search(text, at)  # "}" ends a name, closing this list or not
        name_end = found.start() if found else len(text)
        name, at = text[at:name_end].strip(), name_end
        modifiers: dict[str, str] = {}
        while at < len(text) and text[at] == ".":
            open_at = text.find("(", at)
            shut = text.find(")", open_at)
            if open_at < 0 or shut < 0:
                at = len(text)
                break
            modifiers[text[at + 1:open_at]] = text[open_at + 1:shut]
            at = shut + 1
        sub = None
        if at < len(text) and text[at] == "{":
            sub, at = _graph_list(text, at + 1, "}")
            at += 1  # the closing brace
        if name:
            tree[name] = Field(modifiers, sub, bool(modifiers) or sub is not None)
        if at < len(text) and text[at] == ",":
            at += 1
    return tree, at


#: What ends a field's name: its modifiers, subfields, the next field or the end of a list.
_GRAPH_NAME_END = re.compile(r"[.{,}]")
_GOOGLE_NAME_END = re.compile(r"[,()]")


def graph_answer(body: Any, fields: str) -> Any:
    """A Graph answer with only the fields named: each item of a listing, else the node."""
    if not fields or not isinstance(body, dict):
        return body
    tree = parse_graph(fields)
    if isinstance(body.get("data"), list):
        return {**body, "data": [graph_select(item, tree) for item in body["data"]]}
    return graph_select(body, tree)


def graph_select(doc: Any, tree: dict[str, Field]) -> Any:
    """A Graph node with its ``id`` and the fields of ``tree`` it has."""
    if not isinstance(doc, dict):
        return doc
    out = {"id": doc["id"]} if "id" in doc else {}
    for name, asked in tree.items():
        if name in doc:
            out[name] = _graph_value(doc[name], asked) if asked.shaped else doc[name]
    return out


def _graph_value(value: Any, asked: Field) -> Any:
    if isinstance(value, dict) and isinstance(value.get("data"), list):  # an edge
        items = value["data"]
        if "metric" in asked.modifiers:
            metrics = asked.modifiers["metric"].split(",")
            items = [item for item in items if item.get("name") in metrics]
        if asked.sub is not None:
            items = [graph_select(item, asked.sub) for item in items]
        edge: dict[str, Any] = {"data": items}
        summary, wanted = value.get("summary"), asked.modifiers.get("summary")
        if isinstance(summary, dict) and wanted is not None:
            names = wanted.split(",")
            edge["summary"] = summary if wanted in ("true", "1") else {
                k: v for k, v in summary.items() if k in names}
        if "paging" in value:
            edge["paging"] = value["paging"]
        return edge
    if asked.sub is not None:
        return graph_select(value, asked.sub)
    return value


#: What a YouTube resource carries whatever ``part`` names.
YOUTUBE_ALWAYS = frozenset({"kind", "etag", "id"})


def youtube_parts(body: Any, part: str) -> Any:
    """A YouTube listing whose items carry ``kind``, ``etag``, ``id`` and the parts named."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return body
    named = YOUTUBE_ALWAYS | set(part.split(","))
    return {**body, "items": [{k: v for k, v in item.items() if k in named}
                              if isinstance(item, dict) else item for item in body["items"]]}


def parse_google(text: str) -> dict[str, Any]:
    """Google's ``fields`` syntax as a tree: name -> subtree (an empty one: the whole value)."""
    tree, _ = _google_list(text, 0)
    return tree


def _google_list(text: str, at: int) -> tuple[dict[str, Any], int]:
    tree: dict[str, Any] = {}
    while at < len(text) and text[at] != ")":
        found = _GOOGLE_NAME_END.search(text, at)
        end = found.start() if found else len(text)
        path = [part.strip() for part in text[at:end].split("/")]
        at = end
        sub: dict[str, Any] = {}
        if at < len(text) and text[at] == "(":
            sub, at = _google_list(text, at + 1)
            at += 1  # the closing parenthesis
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if path[-1]:
            node[path[-1]] = _merged(node.get(path[-1]), sub)
        if at < len(text) and text[at] == ",":
            at += 1
    return tree, at


def _merged(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    if not old or not new:
        return {}  # one of them asks for the whole value
    return {**old, **{k: _merged(old.get(k), v) for k, v in new.items()}}


def google_select(value: Any, tree: dict[str, Any]) -> Any:
    """``value`` with only the properties of ``tree`` (each element of a list likewise)."""
    if not tree:
        return value
    if isinstance(value, list):
        return [google_select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: google_select(value[k], sub) if sub else value[k]
            for k, sub in tree.items() if k in value}


#: X's default fields of each object (https://docs.x.com/x-api/fundamentals/fields).
X_DEFAULTS = {
    "tweet": ("id", "text", "edit_history_tweet_ids"),
    "user": ("id", "name", "username"),
    "media": ("media_key", "type"),
}
#: The expansion that brings each kind of object into ``includes``.
X_EXPANSIONS = {
    "tweets": ("most_recent_tweet_id", "pinned_tweet_id", "referenced_tweets.id"),
    "users": ("author_id", "in_reply_to_user_id", "entities.mentions.username"),
    "media": ("attachments.media_keys",),
}


def x_answer(body: Any, params: dict[str, str], kind: str) -> Any:
    """An X answer whose ``data`` are ``kind`` objects ("tweet" or "user"): their default
    fields and those named, and ``includes`` only for the expansions named."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    data = body.get("data")
    kept = _x_kept(kind, params)
    if isinstance(data, list):
        out["data"] = [_x_object(item, kept) for item in data]
    elif isinstance(data, dict):
        out["data"] = _x_object(data, kept)
    expansions = params.get("expansions", "").split(",")
    includes = {}
    for name, found in body.get("includes", {}).items():
        if any(e in expansions for e in X_EXPANSIONS.get(name, ())):
            kept = _x_kept(name.rstrip("s"), params)
            includes[name] = [_x_object(item, kept) for item in found]
    out.pop("includes", None)
    if includes:
        out["includes"] = includes
    return out


def _x_kept(kind: str, params: dict[str, str]) -> frozenset[str]:
    """The fields a ``kind`` object answers with: its defaults and those named."""
    return frozenset(X_DEFAULTS[kind]).union(params.get(f"{kind}.fields", "").split(","))


def _x_object(doc: Any, kept: frozenset[str]) -> Any:
    if not isinstance(doc, dict):
        return doc
    return {k: v for k, v in doc.items() if k in kept}
