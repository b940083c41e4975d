"""Error answers shaped as each platform documents them."""

from __future__ import annotations

import json

from governance.emulation.app import Answer, Fault, Request


def _graph(code: int, message: str, subcode: int | None = None) -> dict[str, object]:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code,
                                "fbtrace_id": "AbCdEfGhIjKlMnOp"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def denied(request: Request, why: str) -> Answer:
    """An expired, revoked or missing token."""
    platform = request.platform
    if platform in ("facebook", "instagram"):
        if why == "missing":
            return Answer(_graph(104, "An access token is required to request this resource."),
                          400)
        return Answer(_graph(190, "Error validating access token: Session has expired on "
                                  "Tuesday, 03-Nov-26 09:00:00 PST.", 463), 400)
    if platform == "linkedin":
        return Answer({"status": 401, "serviceErrorCode": 65601, "code": "EXPIRED_ACCESS_TOKEN",
                       "message": "The token used in the request has expired"}, 401)
    if platform == "x":
        return Answer({"title": "Unauthorized", "type": "about:blank", "status": 401,
                       "detail": "Unauthorized"}, 401,
                      {"content-type": "application/problem+json"})
    message = "API key not valid. Please pass a valid API key."
    return Answer({"error": {
        "code": 400, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason": "API_KEY_INVALID", "domain": "googleapis.com"}],
    }}, 400)


def not_found(request: Request) -> Answer:
    """An unknown object or path."""
    platform = request.platform
    if platform in ("facebook", "instagram"):
        return Answer(_graph(100, "Unsupported get request. Object does not exist, cannot be "
                                  "loaded due to missing permissions, or does not support this "
                                  "operation.", 33), 400)
    if platform == "linkedin":
        return Answer({"status": 404, "serviceErrorCode": 0, "code": "NOT_FOUND",
                       "message": "Not Found"}, 404)
    if platform == "x":
        return Answer({"errors": [{"value": "/".join(request.parts), "detail": "Could not find"
                       " user.", "title": "Not Found Error", "resource_type": "user",
                       "type": "https://api.twitter.com/2/problems/resource-not-found"}]}, 200)
    return Answer({"error": {"code": 404, "message": "Not Found", "errors": [
        {"message": "Not Found", "domain": "global", "reason": "notFound"}]}}, 404)


def rate_limit(request: Request, fault: Fault, wall: float) -> Answer:
    """The platform's own rate-limit answer, with its signals set to ``fault.wait_s``."""
    platform = request.platform
    if platform in ("facebook", "instagram"):
        code = fault.code or (80002 if platform == "instagram" else 80001)
        minutes = max(1, round(fault.wait_s / 60)) if fault.wait_s >= 60 else fault.wait_s / 60
        usage = {"1234567890": [{"type": platform if platform == "instagram" else "pages",
                                 "call_count": 100, "total_cputime": 30, "total_time": 40,
                                 "estimated_time_to_regain_access": minutes}]}
        return Answer(
            _graph(code, "There have been too many calls from this business account. Wait a bit "
                         "and try again."),
            400 if code != 4 else 403,
            {"x-business-use-case-usage": json.dumps(usage)},
        )
    if platform == "x":
        return Answer(
            {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
             "status": 429},
            429,
            {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0",
             "x-rate-limit-reset": str(int(wall + fault.wait_s)),
             "content-type": "application/problem+json"},
        )
    if platform == "linkedin":
        return Answer({"status": 429, "serviceErrorCode": 101, "message": "Resource level throttle"
                       " limit for calls to this resource is reached."}, 429)
    return Answer({"error": {"code": 403, "message": "The request cannot be completed because "
                   "you have exceeded your quota.", "errors": [
                       {"message": "Rate limit exceeded", "domain": "youtube.quota",
                        "reason": "rateLimitExceeded"}]}}, 403)


def quota(request: Request) -> Answer:
    """A quota that lasts the day: YouTube's quotaExceeded, X's usage cap."""
    if request.platform == "x":
        return Answer({"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product"
                       " cap", "type": "https://api.twitter.com/2/problems/usage-capped",
                       "period": "Monthly", "scope": "Product"}, 429)
    if request.platform == "youtube":
        return Answer({"error": {"code": 403, "message": "The request cannot be completed because "
                       "you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">"
                       "quota</a>.", "errors": [{"message": "quota exceeded", "domain":
                       "youtube.quota", "reason": "quotaExceeded"}]}}, 403)
    return Answer({"status": 429, "serviceErrorCode": 101, "message": "Application daily limit"
                   " reached."}, 429)


def forbidden(request: Request) -> Answer:
    """A token without the permission the endpoint needs (messaging, ``dm.read``)."""
    if request.platform in ("facebook", "instagram"):
        return Answer(_graph(200, "(#200) Requires pages_messaging permission to manage the "
                                  "object"), 403)
    if request.platform == "x":
        return Answer({"title": "Forbidden", "type": "about:blank", "status": 403,
                       "detail": "Forbidden"}, 403, {"content-type": "application/problem+json"})
    return Answer({"message": "Forbidden", "status": 403}, 403)
