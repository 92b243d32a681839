"""Which local port a tunnel listens on.

A user-fixed port is used or refused with a clear error. Otherwise the port remembered for
this (instance, kind) is reused when free — saved RDP connections and browser bookmarks
keep working across runs — else any free port. 3389 is never chosen on Windows, where the
local Remote Desktop service owns it. "Free" means free on every address we will bind
(127.0.0.1 and ::1), since a client dialling "localhost" may take either.
"""

from __future__ import annotations

import contextlib
import errno
import socket
from collections.abc import Sequence

from ssmgui.core.errors import PortInUseError
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelSpec

LAN_HOSTS = ("0.0.0.0", "::")
WINDOWS_RDP_PORT = 3389
_UNAVAILABLE = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


def choose_local_port(
    spec: TunnelSpec, settings: Settings, platform: str, hosts: Sequence[str]
) -> int:
    if spec.local_port:
        if platform == "win32" and spec.local_port == WINDOWS_RDP_PORT:
            raise PortInUseError(
                "Port 3389 belongs to Windows' own Remote Desktop service. Choose another "
                "local port, such as 13389."
            )
        if not is_free(spec.local_port, hosts):
            raise PortInUseError(
                f"Local port {spec.local_port} is already in use by another program. Choose "
                "another port, or stop the program that holds it."
            )
        return spec.local_port
    preferred = settings.preferred_port(spec.instance_id, spec.kind)
    if preferred and not _forbidden(preferred, platform) and is_free(preferred, hosts):
        return preferred
    return any_free_port(platform, hosts)


def _forbidden(port: int, platform: str) -> bool:
    return platform == "win32" and port == WINDOWS_RDP_PORT


def is_free(port: int, hosts: Sequence[str]) -> bool:
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with contextlib.closing(socket.socket(family, socket.SOCK_STREAM)) as probe:
            # Same options as the real listener, so TIME_WAIT leftovers don't count as busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                if exc.errno in _UNAVAILABLE:
                    continue  # no IPv6 here: nothing to collide with
                return False
    return True


def any_free_port(platform: str, hosts: Sequence[str], tries: int = 20) -> int:
    for _ in range(tries):
        with contextlib.closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if not _forbidden(port, platform) and is_free(port, hosts):
            return port
    raise PortInUseError("Found no free local port. Close some programs and try again.")
