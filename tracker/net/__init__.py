"""The network client: fetching a URL safely, whoever wrote it and whatever answers.

`fetch` is the one entry point; `Response` what it returns; `FetchError` every way it fails;
`Cancel` a switch another thread flips to stop it. Nothing here is imported until a fetch is
made (the command line's start-up never pays for sockets and TLS).
"""

from __future__ import annotations

from tracker.net.cancel import Cancel
from tracker.net.errors import FetchError
from tracker.net.http import MAX_REDIRECTS, USER_AGENT, Response, fetch

__all__ = ["MAX_REDIRECTS", "USER_AGENT", "Cancel", "FetchError", "Response", "fetch"]
