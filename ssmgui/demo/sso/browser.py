"""The demo's browser for IAM Identity Center sign-ins: it visits the sign-in address
the way a person's browser would, on a thread of its own, and follows the portal's
redirect back to the app's 127.0.0.1 receiver — the demo person is signed in to the
portal and has consented (`FakeSso.approve_automatically`).

Used as `SignInUi.open_browser` by composition roots of the demo only: the app's sign-in
(state, PKCE verifier, CreateToken) runs exactly as it does with a real browser.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from urllib.error import URLError

log = logging.getLogger(__name__)

#: The portal and the receiver are both on loopback; a visit is quick or broken.
VISIT_TIME_LIMIT_S = 10.0
#: Proxies from the person's environment never see a loopback sign-in.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def visit(url: str) -> bool:
    """Start visiting `url` (and its redirects) in the background; True, as a browser
    that opened. Failures are logged without the address (it holds the PKCE challenge
    and state; the redirect, the code)."""
    threading.Thread(target=_visit, args=(url,), name="demo browser", daemon=True).start()
    return True


def _visit(url: str) -> None:
    try:
        with _OPENER.open(url, timeout=VISIT_TIME_LIMIT_S) as answer:
            answer.read()
    except (URLError, OSError) as exc:
        log.warning("the demo browser's sign-in visit failed: %s", type(exc).__name__)
