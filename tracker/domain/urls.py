"""URL identity: two spellings of one article's address compare equal."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_KEYS = {
    "fbclid", "gclid", "yclid", "dclid", "igshid", "ref", "ref_src", "cmpid", "ocid", "_ga",
}  # fmt: skip
# scheme, user info, host, port, path, query; the fragment is dropped
_URL = re.compile(
    r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://)?(?:[^@/?#]*@)?([^/?#:]*)(?::(\d+))?([^?#]*)"
    r"(?:\?([^#]*))?"
)


def normalize_url(url: str) -> str:
    """Scheme, `www.`, letter case of the host, tracking parameters, fragment, trailing slash.

    A regular expression rather than urllib.parse.urlsplit: this runs for every evidence file on
    every cold load, and the split is a fifth of the cost of reading the file.
    """
    match = _URL.match(url)
    if match is None:  # pragma: no cover - the pattern matches any string
        return url.strip()
    host, port, path, query = match.groups()
    host = host.lower().removeprefix("www.")
    if port and port not in ("80", "443"):
        host = f"{host}:{port}"
    path = path.rstrip().rstrip("/")
    if not query:
        return f"{host}{path}"
    kept = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    ]
    return f"{host}{path}?{urlencode(sorted(kept))}" if kept else f"{host}{path}"
