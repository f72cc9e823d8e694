"""Server URLs as they may be shown: what a URL may carry that is a secret stays out."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def public_url(url: str) -> str:
    """A server URL as it may be shown (status, ``%pachinco config``, error messages, logs):
    without user name, password, query or fragment, which may carry secrets."""
    if not url.strip():
        return ""
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
