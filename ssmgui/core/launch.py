"""What to hand a client once a tunnel is open: .rdp text, ssh argv, URLs, client argv.

Pure builders, compared whole in tests. Finding programs and starting them is
`ssmgui.services.launch.launcher`'s job; terminals and custom command templates live in
`ssmgui.core.terminals`. Nothing here ever holds a password: the .rdp file carries the
address and user only, so the client asks for the password (or the user pastes it).
"""

from __future__ import annotations

import enum
import posixpath
import shlex
import subprocess
import urllib.parse
from collections.abc import Mapping, Sequence

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind

#: Clients dial this, never "localhost": that name can resolve to ::1 only (plugin#46).
LOOPBACK = "127.0.0.1"


class HostOs(enum.StrEnum):
    """The desktop we launch clients on, named as `sys.platform` names it."""

    WINDOWS = "win32"
    MACOS = "darwin"
    LINUX = "linux"

    @classmethod
    def parse(cls, sys_platform: str) -> HostOs:
        """`sys.platform` → member; other POSIX desktops (BSDs) launch like Linux."""
        for member in cls:
            if sys_platform == member.value:
                return member
        return cls.LINUX


#: An instance tag naming what a double-click opens on it: rdp, ssh, http, https or shell
#: (e.g. `ssmgui:action=http` on a web server). Any other value is ignored.
ACTION_TAG = "ssmgui:action"


def default_action(
    platform: str,
    settings: Settings,
    tags: Mapping[str, str] | None = None,
    *,
    ssh_ready: bool = True,
) -> TunnelKind:
    """What a double-click opens: the instance's `ssmgui:action` tag when it names an
    action (rdp, ssh, http, https, shell; any case); else `windows_action` for Windows and
    `linux_action` otherwise — except that SSH becomes a shell when `ssh_ready` is False
    (the person has no known SSH setup: ssh could not log in, a shell needs nothing).

    `platform` is SSM's PlatformType ("Windows", "Linux", "MacOS", any case).
    """
    tagged = tagged_action(tags or {})
    if tagged is not None:
        return tagged
    if platform.strip().lower() == "windows":
        return settings.windows_action
    if settings.linux_action is TunnelKind.SSH and not ssh_ready:
        return TunnelKind.SHELL
    return settings.linux_action


def tagged_action(tags: Mapping[str, str]) -> TunnelKind | None:
    """The action the `ssmgui:action` tag names (key and value in any case), if any."""
    for key, value in tags.items():
        if key.lower() == ACTION_TAG:
            try:
                kind = TunnelKind(value.strip().lower())
            except ValueError:
                return None
            return kind if kind in _TAGGABLE else None
    return None


_TAGGABLE = (TunnelKind.RDP, TunnelKind.SSH, TunnelKind.HTTP, TunnelKind.HTTPS, TunnelKind.SHELL)


def rdp_file_text(
    port: int,
    username: str = "",
    *,
    width: int = 1600,
    height: int = 900,
    full_screen: bool = False,
) -> str:
    """The .rdp settings for 127.0.0.1:`port` (CRLF lines, as mstsc writes them).

    Windowed with smart sizing and dynamic resolution; wallpaper, animations and themes off
    and auto-detected bandwidth, because port forwarding tops out near 0.7 MB/s
    (amazon-ssm-agent#664); auto-reconnect on, as the tunnel itself reconnects under it.
    """
    _check_line_value("user name", username)
    lines = [
        f"full address:s:{LOOPBACK}:{port}",
        *([f"username:s:{username}"] if username else []),
        f"screen mode id:i:{2 if full_screen else 1}",
        f"desktopwidth:i:{width}",
        f"desktopheight:i:{height}",
        "session bpp:i:32",
        "smart sizing:i:1",
        "dynamic resolution:i:1",
        "connection type:i:7",
        "networkautodetect:i:1",
        "bandwidthautodetect:i:1",
        "disable wallpaper:i:1",
        "disable full window drag:i:1",
        "disable menu anims:i:1",
        "disable themes:i:0",
        "allow font smoothing:i:1",
        "autoreconnection enabled:i:1",
        "redirectclipboard:i:1",
        "audiomode:i:0",
        "prompt for credentials:i:0",
        "enablecredsspsupport:i:1",
        # The certificate names the server, never 127.0.0.1: warn, don't refuse.
        "authentication level:i:2",
    ]
    return "\r\n".join(lines) + "\r\n"


def rdp_file_bytes(text: str, os_name: HostOs) -> bytes:
    """mstsc's own encoding on Windows (UTF-16 LE with BOM, safe for non-ASCII user names);
    UTF-8 elsewhere (FreeRDP, Remmina and the Mac clients read it)."""
    if os_name is HostOs.WINDOWS:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("utf-8")


def rdp_client_argv(os_name: HostOs, client: str, rdp_file: str) -> list[str]:
    """The argv that opens `rdp_file` with `client`, a path found by the launcher.

    Windows: mstsc. macOS: `client` is the app bundle, opened with /usr/bin/open. Linux:
    Remmina (`-c`), FreeRDP 3 (`/cert:tofu`) or FreeRDP 2 (`/cert-tofu`): trust the server
    certificate on first use instead of an interactive prompt a tray app cannot answer.
    """
    if os_name is HostOs.WINDOWS:
        return [client, rdp_file]
    if os_name is HostOs.MACOS:
        return ["/usr/bin/open", "-a", client, rdp_file]
    name = posixpath.basename(client)
    if name.startswith("remmina"):
        return [client, "-c", rdp_file]
    if name.endswith("freerdp3") or name == "sdl-freerdp":
        return [client, rdp_file, "/cert:tofu"]
    return [client, rdp_file, "/cert-tofu"]


def ssh_argv(
    port: int,
    user: str,
    key_path: str = "",
    *,
    host_key_alias: str = "",
    known_hosts_file: str = "",
    ssh: str = "ssh",
) -> list[str]:
    """`ssh -p PORT [-i KEY] user@127.0.0.1` for a port-forwarding tunnel.

    `host_key_alias` (the instance id) keys known_hosts by instance, not by [127.0.0.1]:port:
    ports are reused across instances, which would otherwise raise OpenSSH's "REMOTE HOST
    IDENTIFICATION HAS CHANGED". `known_hosts_file` (the demo's only) stands in for the
    person's ~/.ssh/known_hosts: ssh trusts the host keys it lists and records any other
    there, never in the person's file. Host keys are always checked (no
    StrictHostKeyChecking=no).
    """
    _check_line_value("SSH user", user)
    argv = [ssh, "-p", str(port)]
    if key_path:
        argv += ["-i", key_path, "-o", "IdentitiesOnly=yes"]
    if host_key_alias:
        argv += ["-o", f"HostKeyAlias={host_key_alias}"]
    if known_hosts_file:
        _check_line_value("known_hosts file", known_hosts_file)
        # ssh splits the option's value at whitespace (it takes a list), unless quoted.
        quoted = f'"{known_hosts_file}"' if any(c.isspace() for c in known_hosts_file) else None
        argv += ["-o", f"UserKnownHostsFile={quoted or known_hosts_file}"]
    argv.append(f"{user}@{LOOPBACK}" if user else LOOPBACK)
    return argv


def command_line(argv: Sequence[str], os_name: HostOs) -> str:
    """`argv` as one line to paste into a shell ("copy SSH command"): POSIX shell quoting,
    or the Windows C runtime's (cmd and PowerShell pass it through to ssh.exe alike)."""
    if os_name is HostOs.WINDOWS:
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


def url_for(kind: TunnelKind, port: int, path: str = "/") -> str:
    """`http(s)://127.0.0.1:PORT/path`, with spaces and other unsafe bytes percent-encoded
    (so the URL stays one argument for every opener); existing %xx escapes are kept."""
    if kind not in (TunnelKind.HTTP, TunnelKind.HTTPS):
        raise ConfigurationError(f"A {kind} tunnel has no web address to open.")
    if not path.startswith("/"):
        path = "/" + path
    safe_path = urllib.parse.quote(path, safe="/?&=#%:@!$'()*+,;~-._")
    return f"{kind}://{LOOPBACK}:{port}{safe_path}"


def browser_argv(os_name: HostOs, url: str) -> list[str]:
    """The platform's default-browser opener (no shell: the URL is one argument)."""
    if os_name is HostOs.WINDOWS:
        return ["rundll32.exe", "url.dll,FileProtocolHandler", url]
    if os_name is HostOs.MACOS:
        return ["/usr/bin/open", url]
    return ["xdg-open", url]


def ssh_config_snippet(
    ssmgui_command: Sequence[str],
    profile: str,
    region: str,
    *,
    os_name: HostOs = HostOs.LINUX,
    user: str = "",
    key_path: str = "",
    proxy_options: Sequence[str] = (),
) -> str:
    """A `Host i-* mi-*` block for ~/.ssh/config whose ProxyCommand is `ssmgui ssh-proxy`.

    Then `ssh i-0abc…` and `scp file i-0abc…:` ride AWS-StartSSHSession with the credentials
    ssmgui keeps in the keyring. `ssmgui_command` is the ssmgui executable, or
    [python, "-m", "ssmgui"]. OpenSSH expands %-tokens in ProxyCommand, so a literal % is
    doubled; POSIX OpenSSH runs the line through the shell (shell quoting), Windows OpenSSH
    through CreateProcess (C runtime quoting).
    """
    options: list[str] = []
    if profile:
        options += ["--profile", profile]
    if region:
        options += ["--region", region]
    argv = [*ssmgui_command, "ssh-proxy", *options, *proxy_options]
    proxy = command_line(argv, os_name).replace("%", "%%") + " %h %p"
    lines = [
        "# ssmgui: ssh/scp to instance ids through Session Manager",
        f"# (profile {profile or 'default'}, region {region or 'the profile default'})",
        "Host i-* mi-*",
        f"    ProxyCommand {proxy}",
    ]
    if user:
        lines.append(f"    User {_config_value(user)}")
    if key_path:
        lines += [f"    IdentityFile {_config_value(key_path)}", "    IdentitiesOnly yes"]
    return "\n".join(lines) + "\n"


def _config_value(value: str) -> str:
    """One ssh_config argument: double quotes around spaces; % doubled (token expansion)."""
    _check_line_value("ssh config value", value)
    if '"' in value:
        raise ConfigurationError(f"{value!r} cannot go in ~/.ssh/config: it contains a quote.")
    value = value.replace("%", "%%")
    return f'"{value}"' if any(c.isspace() for c in value) else value


def _check_line_value(what: str, value: str) -> None:
    if any(c in value for c in "\r\n\0"):
        raise ConfigurationError(f"The {what} {value!r} contains a line break.")
