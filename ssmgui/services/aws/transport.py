"""The one place that decides how ssmgui's own connections reach AWS: the proxy and the TLS
trust botocore would use for a profile and a URL.

boto3 calls (sign-in, StartSession, ResumeSession, TerminateSession) go through botocore,
which chooses both itself. The connections ssmgui makes without botocore, the data-channel
WebSocket (ssm/websocket.py) and the inventory's HTTP client (inventory/http.py), ask
`route_for(session, url, config)` and get a `Route` (ssm/dial.py) holding botocore's answer:

- **Proxy.** The client config's `proxies` when it sets them (the session's default client
  config merged with `config`, as `Session.create_client` merges them); otherwise
  `botocore.utils.get_environ_proxies(url)`: urllib's `getproxies()` (HTTP(S)_PROXY in
  either case, and the system settings on macOS and Windows) unless
  `should_bypass_proxies` exempts the URL (NO_PROXY, or the system's bypass list). Of those,
  `ProxyConfiguration.proxy_url_for(url)` picks the one for the URL's scheme and makes a
  bare `host:port` an `http://` URL. Credentials in the proxy URL stay in it (the dialer
  sends them as botocore does). `https://` proxies are used as such (TLS to the proxy).
- **TLS trust.** The `ca_bundle` setting (AWS_CA_BUNDLE, else `ca_bundle` in the profile),
  else REQUESTS_CA_BUNDLE, else botocore's default bundle (`get_cert_path(True)`: certifi's
  when installed, otherwise botocore's own cacert.pem). Never the operating system's store:
  botocore does not use it either, and a frozen app on another system may have none.
- **Proxy TLS trust.** The client config's `proxies_config["proxy_ca_bundle"]`, in addition
  to the bundle above (urllib3 loads both for botocore).

A WebSocket URL is asked about as its HTTP equivalent (wss:// as https://), as the
session-manager-plugin's Go WebSocket library does. Not covered, as ssmgui never sets them:
`verify=False`, client certificates (`client_cert`, `proxy_client_cert`) and
`proxy_use_forwarding_for_https` (the dialer always tunnels with CONNECT).
"""

from __future__ import annotations

from typing import Any, cast

import boto3
import botocore.session
from botocore.config import Config
from botocore.endpoint import EndpointCreator
from botocore.exceptions import InvalidConfigError
from botocore.httpsession import ProxyConfiguration, get_cert_path
from botocore.utils import get_environ_proxies

from ssmgui.core.errors import ConfigurationError
from ssmgui.ssm.dial import Route

_HTTP_EQUIVALENT = {"ws": "http", "wss": "https"}


def route_for(
    session: boto3.Session | botocore.session.Session, url: str, config: Config | None = None
) -> Route:
    """botocore's proxy and CA bundle for `url` with `session`'s profile and a client made
    with `config` (see the module docstring). May read the AWS config files and, on macOS
    and Windows, the system's proxy settings: call it off the event loop.

    Raises `ConfigurationError` when botocore refuses the CA bundle setting (empty) or the
    proxy setting is not a URL.
    """
    core = _botocore_session(session)
    http_url = _as_http(url)
    client_config = _client_config(core, config)
    # Config sets its options as attributes from keyword arguments; the stubs omit these.
    proxies: Any = getattr(client_config, "proxies", None)
    settings: dict[str, Any] = dict(getattr(client_config, "proxies_config", None) or {})
    ca_bundle = _ca_bundle(core)
    try:
        if proxies is None:
            proxies = get_environ_proxies(http_url)
        proxy_url = ProxyConfiguration(proxies, settings).proxy_url_for(http_url)
        return Route(
            proxy_url=proxy_url or None,
            ca_bundle=ca_bundle,
            proxy_ca_bundle=settings.get("proxy_ca_bundle"),
        )
    except ValueError:
        # The value is not quoted: a proxy URL may hold a password.
        raise ConfigurationError(
            "The proxy setting (HTTPS_PROXY / HTTP_PROXY, or your system's proxy settings) "
            "is not a URL ssmgui can use. Write it as http://host:port (or "
            "http://user:password@host:port), or remove it."
        ) from None


def _ca_bundle(core: botocore.session.Session) -> str:
    verify = core.get_config_variable("ca_bundle")
    try:
        # botocore's rule for REQUESTS_CA_BUNDLE and empty values is only in this private
        # method of the class that makes every client's endpoint; it keeps no state.
        verify = EndpointCreator(None)._get_verify_value(verify)  # type: ignore[arg-type,attr-defined]
    except InvalidConfigError:
        raise ConfigurationError(
            "AWS_CA_BUNDLE (or ca_bundle in the AWS profile, or REQUESTS_CA_BUNDLE) is set but "
            "empty. Set it to the file of the CA certificates to trust, or remove it."
        ) from None
    return str(get_cert_path(cast("bool", verify)))


def _client_config(core: botocore.session.Session, config: Config | None) -> Config | None:
    """The config a client made with `config` would have, as Session.create_client
    merges it with the session's default client config."""
    default: Config | None = core.get_default_client_config()
    if config is not None and default is not None:
        return default.merge(config)
    return config if config is not None else default


def _botocore_session(
    session: boto3.Session | botocore.session.Session,
) -> botocore.session.Session:
    if isinstance(session, botocore.session.Session):
        return session
    core: botocore.session.Session = session._session  # boto3 exposes it under no other name
    return core


def _as_http(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    return f"{_HTTP_EQUIVALENT.get(scheme.lower(), scheme)}{separator}{rest}"
