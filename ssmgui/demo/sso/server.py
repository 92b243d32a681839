"""FakeSso: IAM Identity Center's OIDC service, sign-in pages and portal on one loopback URL.

Wire formats are botocore's rest-json for `sso-oidc` (POST /client/register,
/device_authorization, /token with JSON bodies) and `sso` (GET /assignment/accounts,
/assignment/roles, /federation/credentials with the token in `x-amz-sso_bearer_token`).
Errors carry `x-amzn-ErrorType` (the exception botocore raises) and the OAuth `error` /
`error_description` body OIDC sends, or the portal's `message`.

The pages a browser visits:
- `GET /authorize?…` checks client_id and redirect_uri first (a bad one gets an error
  page, never a redirect), then the rest of the request (`oidc.OidcState.issue_code`; a
  bad one is redirected back with `error=` and the state). With `approve_automatically`
  (the default: the user is signed in and has consented) it answers `302` to
  `redirect_uri?code=…&state=…` at once; otherwise a small page whose form posts
  `/authorize/decide` (the demo clicks it).
- `GET /device?user_code=…` a page whose form posts `/device/decide`.
`approve_device` / `deny_device` do the same from code.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from ssmgui.demo.servers.http import HttpRequest, HttpResponse, LoopbackHttpServer
from ssmgui.demo.sso.oidc import Client, OidcError, OidcState
from ssmgui.demo.sso.organisation import SsoAccount, demo_organisation
from ssmgui.demo.sso.portal import Portal, PortalError

START_PATH = "/start"
_JSON = "application/json"
_HTML = "text/html; charset=utf-8"


def utc_now() -> datetime:
    return datetime.now(UTC)


class FakeSso:
    """Start with `await start()`; `start_url` is the portal URL profiles name."""

    def __init__(
        self,
        accounts: Sequence[SsoAccount] | None = None,
        clock: Callable[[], datetime] = utc_now,
        *,
        token_lifetime: timedelta = timedelta(hours=8),
        device_interval: int = 1,
        session_lifetime: timedelta | None = None,
    ) -> None:
        self._http = LoopbackHttpServer(self._handle)
        self.oidc = OidcState(
            "",
            clock,
            token_lifetime=token_lifetime,
            device_interval=device_interval,
            session_lifetime=session_lifetime,
        )
        self.portal = Portal(accounts or demo_organisation(), self.oidc.valid_access_token, clock)
        self.approve_automatically = True
        self.calls: dict[str, int] = {}
        self._pending: dict[str, tuple[Client, dict[str, str]]] = {}  # browser sign-ins
        self.url = ""

    @property
    def start_url(self) -> str:
        return self.oidc.start_url

    async def start(self) -> str:
        await self._http.start()
        self.url = self._http.url
        self.oidc.start_url = self.url + START_PATH
        return self.url

    async def stop(self) -> None:
        await self._http.stop()

    def approve_device(self, user_code: str) -> bool:
        return self.oidc.decide_device(user_code, True)

    def deny_device(self, user_code: str) -> bool:
        return self.oidc.decide_device(user_code, False)

    def expire_sessions(self) -> None:
        """Every access token stops working (the demo's "session ended")."""
        self.oidc.access_tokens.clear()

    # --- routing -----------------------------------------------------------------------

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route = f"{request.method} {parts.path}"
        self.calls[route] = self.calls.get(route, 0) + 1
        try:
            return self._route(route, request, query)
        except OidcError as exc:
            body = {"error": exc.code, "error_description": exc.description}
            return _json(exc.status, body, exc.kind)
        except PortalError as exc:
            return _json(exc.status, {"message": exc.message}, exc.kind)

    def _route(self, route: str, request: HttpRequest, query: dict[str, str]) -> HttpResponse:
        token = request.headers.get("x-amz-sso_bearer_token", "")
        answers: dict[str, Callable[[], HttpResponse]] = {
            "POST /client/register": lambda: _json(200, self.oidc.register_client(_body(request))),
            "POST /device_authorization": lambda: _json(
                200, self.oidc.start_device_authorization(_body(request), self.url)
            ),
            "POST /token": lambda: _json(200, self.oidc.create_token(_body(request))),
            "GET /assignment/accounts": lambda: _json(200, self.portal.list_accounts(token, query)),
            "GET /assignment/roles": lambda: _json(
                200, self.portal.list_account_roles(token, query)
            ),
            "GET /federation/credentials": lambda: _json(
                200, self.portal.role_credentials(token, query)
            ),
            "GET /authorize": lambda: self._authorize(query),
            "POST /authorize/decide": lambda: self._authorize_decided(_form(request)),
            "GET /device": lambda: _device_page(query.get("user_code", "")),
            "POST /device/decide": lambda: self._device_decided(_form(request)),
        }
        answer = answers.get(route)
        if answer is None:
            return _json(404, {"message": f"no route {route}"}, "ResourceNotFoundException")
        return answer()

    def _device_decided(self, form: dict[str, str]) -> HttpResponse:
        done = self.oidc.decide_device(form.get("user_code", ""), form.get("decision") == "allow")
        return _page(200, "Done. You may close this window." if done else "Unknown code.")

    # --- the browser sign-in -----------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> HttpResponse:
        try:
            client = self.oidc.check_client_redirect(
                query.get("client_id", ""), query.get("redirect_uri", "")
            )
        except OidcError as exc:  # nowhere safe to redirect to: say so on the page
            return _page(400, f"Sign-in refused: {exc.code} ({exc.description}).")
        if self.approve_automatically:
            return self._redirect_with_code(client, query)
        request_id = secrets.token_urlsafe(16)
        self._pending[request_id] = (client, query)
        return _consent_page(request_id)

    def _authorize_decided(self, form: dict[str, str]) -> HttpResponse:
        pending = self._pending.pop(form.get("request", ""), None)
        if pending is None:
            return _page(400, "This sign-in request is unknown or already answered.")
        client, query = pending
        if form.get("decision") != "allow":
            return _redirect(query["redirect_uri"], {"error": "access_denied", **_state(query)})
        return self._redirect_with_code(client, query)

    def _redirect_with_code(self, client: Client, query: dict[str, str]) -> HttpResponse:
        try:
            code = self.oidc.issue_code(client, query)
        except OidcError as exc:
            return _redirect(query["redirect_uri"], {"error": exc.code, **_state(query)})
        return _redirect(query["redirect_uri"], {"code": code, **_state(query)})


def _state(query: Mapping[str, str]) -> dict[str, str]:
    return {"state": query["state"]} if "state" in query else {}


def _body(request: HttpRequest) -> dict[str, object]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise OidcError("InvalidRequestException", "invalid_request", "body is not JSON") from None
    if not isinstance(body, dict):
        raise OidcError("InvalidRequestException", "invalid_request", "body is not an object")
    return body


def _form(request: HttpRequest) -> dict[str, str]:
    form = parse_qs(request.body.decode("utf-8", "replace"))
    return {key: values[0] for key, values in form.items()}


def _json(status: int, body: Mapping[str, object], error_type: str | None = None) -> HttpResponse:
    headers = {"x-amzn-ErrorType": f"{error_type}:"} if error_type else {}
    return HttpResponse(status, _JSON, json.dumps(body).encode(), headers)


def _redirect(uri: str, params: Mapping[str, str]) -> HttpResponse:
    location = f"{uri}?{urlencode(params)}"
    return HttpResponse(302, _HTML, b"", {"Location": location})


def _page(status: int, text: str) -> HttpResponse:
    body = f"<!doctype html><title>Demo sign-in</title><p>{html.escape(text)}</p>"
    return HttpResponse(status, _HTML, body.encode())


def _consent_page(request_id: str) -> HttpResponse:
    body = (
        "<!doctype html><title>Demo sign-in</title><h1>Allow ssmgui to use your sign-in?</h1>"
        '<form method="post" action="/authorize/decide">'
        f'<input type="hidden" name="request" value="{html.escape(request_id)}">'
        '<button name="decision" value="allow">Allow</button>'
        '<button name="decision" value="deny">Deny</button></form>'
    )
    return HttpResponse(200, _HTML, body.encode())


def _device_page(user_code: str) -> HttpResponse:
    body = (
        "<!doctype html><title>Demo sign-in</title><h1>Confirm the code</h1>"
        '<form method="post" action="/device/decide">'
        f'<input name="user_code" value="{html.escape(user_code)}">'
        '<button name="decision" value="allow">Allow</button>'
        '<button name="decision" value="deny">Deny</button></form>'
    )
    return HttpResponse(200, _HTML, body.encode())
