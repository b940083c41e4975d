"""What an operating-system error means, in the user's language.

Python's ``OSError.strerror`` is the C library's English text ("No such file or directory"), which
would end a Swedish message in English. The errors a user can cause or fix (a missing folder, no
permission, a full disk, a file where a folder should be) are told in words of the locale
``os_errors``; any other keeps the system's own text, which is still better than nothing.
"""

from __future__ import annotations

import errno

from governance.i18n import t

_WORDS = {
    errno.ENOENT: "missing",
    errno.EACCES: "denied",
    errno.EPERM: "denied",
    errno.EEXIST: "exists",
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.ENOTDIR: "not_dir",
    errno.EISDIR: "is_dir",
    errno.EROFS: "read_only",
    errno.ENAMETOOLONG: "too_long",
    errno.ELOOP: "loop",
    errno.EXDEV: "other_device",
    errno.ENOTEMPTY: "not_empty",
    errno.EIO: "io",
    errno.ECONNREFUSED: "conn_refused",
    errno.ETIMEDOUT: "timed_out",
    errno.EHOSTUNREACH: "unreachable",
    errno.ENETUNREACH: "unreachable",
    errno.ECONNRESET: "reset",
}


def os_reason(error: BaseException) -> str:
    """Why ``error`` happened, in the current language where it is one of the common ones."""
    code = getattr(error, "errno", None)
    words = _WORDS.get(code) if isinstance(code, int) else None
    if words is not None:
        return t(f"os_errors.{words}")
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
