"""URL identity: two spellings of one article's address compare equal."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_KEYS = {
    "fbclid",
    "gclid",
    "yclid",
    "dclid",
    "igshid",
    "ref",
    "ref_src",
    "cmpid",
    "ocid",
    "_ga",
}


def normalize_url(url: str) -> str:
    """Scheme, `www.`, letter case of the host, tracking parameters, fragment, trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    if not parts.query:
        return f"{host}{path}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    ]
    return urlunsplit(("", host, path, urlencode(sorted(query)), "")).removeprefix("//")
