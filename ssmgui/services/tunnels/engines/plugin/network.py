"""The plugin's proxy and trust, said in the only language it understands: its environment.

session-manager-plugin dials two places (docs/protocol.md §10): the data channel (the
StreamUrl, through gorilla/websocket's default dialer: `http.ProxyFromEnvironment`, and the
system's trust store, which Go on Linux and BSD replaces with `SSL_CERT_FILE`), and the SSM
API for ResumeSession and TerminateSession (AWS SDK for Go v1 at the endpoint in argv: the
same proxy variables, and `AWS_CA_BUNDLE`). ssmgui's own connections take botocore's choice
for each URL (`services/aws/transport.py`, a `Route`); `network_env` writes that choice for
the two URLs into variables, so the plugin goes where botocore would, whatever the choice
came from (environment, system settings on macOS/Windows, a profile's `ca_bundle`):

- `HTTPS_PROXY` (`HTTP_PROXY` for an http:// URL) is the proxy botocore chose; a URL it
  reaches directly has its host in `NO_PROXY`. The parent's own proxy variables are not
  passed on, so Go's reading of NO_PROXY (which differs from Python's) cannot disagree.
- `AWS_CA_BUNDLE` is the bundle botocore trusts for the API, `SSL_CERT_FILE` the one for
  the data channel (honoured by Go on Linux and BSD; elsewhere Go uses the system store).

A proxy URL may hold a password: it goes to the child's environment, never its argv.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ssmgui.ssm.dial import Route

#: The parent's variables `network_env` replaces (either case where Go reads both).
NETWORK_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "AWS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
_PLAIN_SCHEMES = frozenset({"http", "ws"})


@dataclass(frozen=True)
class Reached:
    """One URL the plugin dials, and botocore's route to it."""

    url: str
    route: Route


def network_env(api: Reached, stream: Reached) -> dict[str, str]:
    """The child's proxy and CA variables for the SSM API and the data channel (module doc).

    Both URLs share each proxy variable by scheme; should botocore choose two different
    proxies for one scheme (it does not with environment or system settings), the data
    channel's wins: it carries the session.
    """
    env: dict[str, str] = {}
    direct: list[str] = []
    for reached in (api, stream):
        if reached.route.proxy_url:
            env[_proxy_variable(reached.url)] = reached.route.proxy_url
        else:
            direct.append(_host(reached.url))
    if direct:
        env["NO_PROXY"] = ",".join(dict.fromkeys(host for host in direct if host))
    if api.route.ca_bundle:
        env["AWS_CA_BUNDLE"] = api.route.ca_bundle
    if stream.route.ca_bundle:
        env["SSL_CERT_FILE"] = stream.route.ca_bundle
    return env


def _proxy_variable(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    return "HTTP_PROXY" if scheme in _PLAIN_SCHEMES else "HTTPS_PROXY"


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
