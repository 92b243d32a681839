"""The loopback end of the browser sign-in: where IAM Identity Center sends the browser
back with the authorization code (RFC 8252 §7.3, as `aws sso login` does).

`RedirectReceiver(state)` listens on 127.0.0.1 on a port the system picks (never a fixed
one another program could hold) and answers `GET /oauth/callback?code=…&state=…`. Only an
answer carrying our `state` counts: any other request gets a page saying so and the wait
goes on, so a page elsewhere cannot end the sign-in or slip us its code. `error=…` with
our state ends the wait as a refusal. `wait(seconds)` never waits longer than asked.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

#: The redirect URI registered with RegisterClient: any port on 127.0.0.1 matches it.
REGISTERED_REDIRECT_URI = "http://127.0.0.1/oauth/callback"
_CALLBACK_PATH = "/oauth/callback"
_DONE_PAGE = (
    b"<!doctype html><title>ssmgui</title><p>Signed in. You can close this tab and go back "
    b"to ssmgui.</p>"
)
_REFUSED_PAGE = b"<!doctype html><title>ssmgui</title><p>The sign-in was not completed.</p>"
_IGNORED_PAGE = b"<!doctype html><title>ssmgui</title><p>This is not the sign-in ssmgui began.</p>"


@dataclass
class RedirectAnswer:
    """The browser's answer: `code`, or the `error` the service sent instead."""

    code: str | None = field(default=None, repr=False)
    error: str | None = None


class RedirectReceiver:
    """Start on construction; `redirect_uri` is what the authorize request names;
    `close()` (or leaving the `with` block) stops listening."""

    def __init__(self, state: str) -> None:
        self._state = state
        self._answer: RedirectAnswer | None = None
        self._answered = threading.Event()
        self._server = HTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="SSO redirect", daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{_CALLBACK_PATH}"

    def wait(self, seconds: float) -> RedirectAnswer | None:
        """The answer, or None when none came within `seconds`."""
        self._answered.wait(seconds)
        return self._answer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RedirectReceiver:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _take(self, path: str) -> bytes:
        """The page for a request to `path`, noting the answer when it is ours."""
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        state = query.get("state", "")
        if parts.path != _CALLBACK_PATH or not secrets.compare_digest(state, self._state):
            return _IGNORED_PAGE
        if self._answered.is_set():
            return _IGNORED_PAGE
        if "code" in query and "error" not in query:
            self._answer = RedirectAnswer(code=query["code"])
            page = _DONE_PAGE
        else:
            self._answer = RedirectAnswer(error=query.get("error", "no code"))
            page = _REFUSED_PAGE
        self._answered.set()
        return page

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                page = receiver._take(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_: object) -> None:
                pass  # the query holds the code: it must not reach stderr or a log

        return Handler
