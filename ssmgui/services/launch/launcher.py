"""Open the client for a tunnel: the RDP client, ssh in a terminal, or the browser.

The launcher resolves the program before starting anything (a missing one is a
`ClientNotFoundError` saying what to install or which setting to set), writes the .rdp file
(mode 0600, in a private directory, never with a password), starts the process without a
shell, and returns a `LaunchedClient`: the process with a lifecycle and an outcome, so
`ssmgui connect` can keep the tunnel until the client exits.

The .rdp folders (`ssmgui-rdp-<owner>-…`, services/owned_temp_dirs.py) go when their client
is done, all of them at `close()` (on quit, when a client may still run), and those of a
crashed run at the next start (`remove_leftovers`), never another running ssmgui's.

The host's facts (OS, `which`, file existence, environment) and the process starter are
passed in, so tests run the real code paths on Linux and choose the Windows/macOS paths by
equality.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from ssmgui.core import launch
from ssmgui.core.errors import ClientNotFoundError, ClientStartError, ConfigurationError
from ssmgui.core.launch import HostOs
from ssmgui.core.settings import Settings
from ssmgui.core.terminals import (
    LINUX_RDP_CLIENTS,
    LINUX_TERMINALS,
    MACOS_TERMINAL,
    expand_template,
    held_on_failure,
    terminal_argv,
)
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.launch.client_process import (
    ClientProcess,
    Desktop,
    LaunchedClient,
    Spawn,
    SpawnRequest,
    spawn_process,
)
from ssmgui.services.launch.instance_connect import NOT_ACCEPTED_HINT
from ssmgui.services.owned_temp_dirs import owned_temp_dir, remove_leftovers

#: Where the Mac RDP clients live; "Windows App" is Microsoft Remote Desktop's 2024 name.
MACOS_RDP_APPS = ("Windows App.app", "Microsoft Remote Desktop.app")
RDP_FOLDER_PREFIX = "ssmgui-rdp-"


class Launcher:
    """Opens clients for tunnels on `desktop`, starting processes with `spawn`."""

    def __init__(
        self,
        desktop: Desktop | None = None,
        spawn: Spawn = spawn_process,
        temp_root: str | None = None,
        notes: Mapping[TunnelKind, str] | None = None,
        known_hosts: Path | None = None,
    ) -> None:
        """`notes`: a sentence per client kind for the person to read when that client
        opens (the demo says what its instances cannot serve); each `LaunchedClient`
        carries its kind's as `note`, and a terminal that ssh fails in shows it too.
        `known_hosts`: the demo's only, ssh's known_hosts instead of the person's (it
        trusts the demo SSH server's host key of this run; `launch.ssh_argv`)."""
        self.desktop = desktop or Desktop.current()
        self._spawn = spawn
        self._temp_root = temp_root
        self._notes = dict(notes or {})
        self._known_hosts = str(known_hosts) if known_hosts is not None else ""
        self._with_files: list[LaunchedClient] = []

    def remove_leftovers(self) -> list[Path]:
        """Remove the .rdp folders of ssmgui processes that are gone (at start)."""
        return remove_leftovers(RDP_FOLDER_PREFIX, self._temp_root)

    def close(self) -> None:
        """Remove the .rdp folder of every client this launcher started (on quit: the
        tunnels are ending, so a client still open has no more use for its file)."""
        for client in self._with_files:
            client.close()
        self._with_files.clear()

    async def open(
        self,
        kind: TunnelKind,
        port: int,
        settings: Settings,
        *,
        instance_id: str = "",
        title: str = "",
        path: str = "/",
        identity_file: Path | None = None,
    ) -> LaunchedClient:
        """Open the client `kind` calls for on 127.0.0.1:`port` (what `ssmgui connect` does).
        `identity_file`: the key ssh logs in with instead of the settings' (a pushed one)."""
        launched: LaunchedClient | None = None
        if kind is TunnelKind.RDP:
            launched = await self.open_rdp(port, settings, title=title or instance_id)
        elif kind is TunnelKind.SSH:
            launched = await self.open_ssh(
                port, settings, instance_id=instance_id, identity_file=identity_file
            )
        elif kind in (TunnelKind.HTTP, TunnelKind.HTTPS):
            launched = await self.open_url(kind, port, settings, path=path)
        if launched is not None:
            launched.note = self._notes.get(kind, "")
            return launched
        raise ConfigurationError(
            f"ssmgui has no client for {kind} tunnels: connect to 127.0.0.1:{port} yourself."
        )

    async def open_rdp(
        self, port: int, settings: Settings, *, title: str = "", username: str | None = None
    ) -> LaunchedClient:
        """Write a .rdp for 127.0.0.1:`port` (user `username`, default `settings.rdp_user`)
        and open it with `settings.rdp_command` or this desktop's client."""
        user = settings.rdp_user if username is None else username
        client = None if settings.rdp_command else self._rdp_client()
        text = launch.rdp_file_text(port, user)
        private_dir = owned_temp_dir(RDP_FOLDER_PREFIX, self._temp_root)
        try:
            rdp_file = private_dir / f"{_file_stem(title)}.rdp"
            _write_private(rdp_file, launch.rdp_file_bytes(text, self.desktop.os_name))
            if settings.rdp_command:
                values = {"file": str(rdp_file), "port": str(port), "user": user}
                argv = self._custom(settings.rdp_command, values, "RDP command")
                handed_off = False
            else:
                assert client is not None  # resolved above, before the directory existed
                argv = launch.rdp_client_argv(self.desktop.os_name, client, str(rdp_file))
                handed_off = self.desktop.os_name is HostOs.MACOS or "remmina" in client
            process = await self._start(argv)
        except BaseException:
            shutil.rmtree(private_dir, ignore_errors=True)
            raise
        launched = LaunchedClient(argv, process, handed_off=handed_off, private_dir=private_dir)
        self._with_files = [c for c in self._with_files if c.rdp_file is not None]
        self._with_files.append(launched)
        return launched

    def ssh_argv(
        self,
        port: int,
        settings: Settings,
        *,
        instance_id: str = "",
        identity_file: Path | None = None,
    ) -> list[str]:
        """ssh to 127.0.0.1:`port` as `settings.ssh_user` with `identity_file`, else
        `settings.ssh_key_path` (`-i KEY -o IdentitiesOnly=yes`)."""
        ssh = self._program(
            ["ssh"], [self.desktop.system32(r"OpenSSH\ssh.exe")], _SSH_MISSING[self.desktop.os_name]
        )
        key = str(identity_file) if identity_file is not None else settings.ssh_key_path
        return launch.ssh_argv(
            port, settings.ssh_user, key, host_key_alias=instance_id,
            known_hosts_file=self._known_hosts, ssh=ssh,
        )  # fmt: skip

    def ssh_command(self, port: int, settings: Settings, *, instance_id: str = "") -> str:
        """The ssh command line to paste into a shell ("copy SSH command")."""
        argv = launch.ssh_argv(
            port, settings.ssh_user, settings.ssh_key_path, host_key_alias=instance_id,
            known_hosts_file=self._known_hosts,
        )  # fmt: skip
        return launch.command_line(argv, self.desktop.os_name)

    async def open_ssh(
        self,
        port: int,
        settings: Settings,
        *,
        instance_id: str = "",
        identity_file: Path | None = None,
    ) -> LaunchedClient:
        """Open `settings.terminal_command` or this desktop's terminal running ssh."""
        command = self.ssh_argv(
            port, settings, instance_id=instance_id, identity_file=identity_file
        )
        note = self._notes.get(TunnelKind.SSH, "")
        if identity_file is not None:  # a pushed key: say why ssh may still refuse it
            note = f"{note} {NOT_ACCEPTED_HINT}".strip()
        return await self.open_in_terminal(command, settings, held_note=note)

    async def open_shell(self, command: Sequence[str], settings: Settings) -> LaunchedClient:
        """Open the person's terminal running `command` (`ssmgui shell …`, built by
        `shell_launch.shell_argv`), held open with its status should it fail; `note` is
        this launcher's note for shells (the demo's)."""
        note = self._notes.get(TunnelKind.SHELL, "")
        launched = await self.open_in_terminal(command, settings, held_note=note)
        launched.note = note
        return launched

    async def open_in_terminal(
        self, command: Sequence[str], settings: Settings, *, held_note: str = ""
    ) -> LaunchedClient:
        """`settings.terminal_command` or this desktop's terminal running `command`. On
        Linux the window stays open when the command fails, showing its exit status and
        `held_note` (`terminals.held_on_failure`)."""
        if settings.terminal_command:
            values = {"command": list(command)}
            argv = self._custom(settings.terminal_command, values, "terminal command")
            return LaunchedClient(argv, await self._start(argv, new_console=True), handed_off=False)
        terminal = self._terminal()
        if self.desktop.os_name is HostOs.LINUX:
            command = held_on_failure(command, held_note)
        argv = terminal_argv(self.desktop.os_name, terminal, command)
        # Terminal.app and Windows Terminal run the command in their own long-lived process.
        handed_off = self.desktop.os_name is HostOs.MACOS or terminal.lower().endswith("wt.exe")
        process = await self._start(argv, new_console=True)
        return LaunchedClient(argv, process, handed_off=handed_off)

    async def open_url(
        self, kind: TunnelKind, port: int, settings: Settings, *, path: str = "/"
    ) -> LaunchedClient:
        """Open http(s)://127.0.0.1:`port``path` with `settings.browser_command` or the
        default browser."""
        url = launch.url_for(kind, port, path)
        if settings.browser_command:
            argv = self._custom(settings.browser_command, {"url": url}, "browser command")
            return LaunchedClient(argv, await self._start(argv), handed_off=False)
        argv = launch.browser_argv(self.desktop.os_name, url)
        if self.desktop.os_name is HostOs.LINUX:
            argv[0] = self._program(
                ["xdg-open"], [], "xdg-open was not found: install xdg-utils, or set a "
                "browser command with {url} in Settings."
            )  # fmt: skip
        return LaunchedClient(argv, await self._start(argv), handed_off=True)

    def _rdp_client(self) -> str:
        desktop = self.desktop
        if desktop.os_name is HostOs.WINDOWS:
            return self._program(["mstsc.exe"], [desktop.system32("mstsc.exe")], _MSTSC_MISSING)
        if desktop.os_name is HostOs.MACOS:
            home = desktop.env.get("HOME", "")
            apps = [f"/Applications/{app}" for app in MACOS_RDP_APPS]
            apps += [f"{home}/Applications/{app}" for app in MACOS_RDP_APPS if home]
            return self._program([], apps, _MAC_RDP_MISSING)
        return self._program(LINUX_RDP_CLIENTS, [], _LINUX_RDP_MISSING)

    def _terminal(self) -> str:
        desktop = self.desktop
        if desktop.os_name is HostOs.WINDOWS:
            return desktop.first_program(["wt.exe"]) or self._program(
                ["cmd.exe"], [desktop.system32("cmd.exe")], "cmd.exe was not found."
            )
        if desktop.os_name is HostOs.MACOS:
            return MACOS_TERMINAL
        return self._program(LINUX_TERMINALS, [], _LINUX_TERMINAL_MISSING)

    def _program(self, names: Sequence[str], paths: Sequence[str], missing: str) -> str:
        found = self.desktop.first_program(names) or self.desktop.first_file(paths)
        if found is None:
            raise ClientNotFoundError(missing)
        return found

    def _custom(
        self, template: str, values: Mapping[str, str | Sequence[str]], what: str
    ) -> list[str]:
        argv = expand_template(template, values, self.desktop.os_name)
        program = argv[0]
        if not (self.desktop.which(program) or self.desktop.exists(program)):
            raise ClientNotFoundError(
                f"The {what} in Settings starts {program!r}, which was not found: install it "
                "or change the setting."
            )
        return argv

    async def _start(self, argv: Sequence[str], *, new_console: bool = False) -> ClientProcess:
        request = SpawnRequest(tuple(argv), self.desktop.env, new_console)
        try:
            return await self._spawn(request)
        except OSError as error:
            raise ClientStartError(f"{argv[0]} could not be started: {error.strerror}.") from None


def _write_private(path: Path, content: bytes) -> None:
    """Create `path` readable by its owner only; refuse to follow or reuse an existing one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)


def _file_stem(title: str) -> str:
    """A file name from an instance name or id: clients show it in their title bar."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-.")
    return stem[:60] or "ssmgui"


_MSTSC_MISSING = (
    "Remote Desktop Connection (mstsc.exe) was not found: add it under Settings › Optional "
    "features, or set an RDP command with {file} in ssmgui's Settings."
)
_MAC_RDP_MISSING = (
    "No Remote Desktop client was found: install Windows App (formerly Microsoft Remote "
    "Desktop) from the Mac App Store, or set an RDP command with {file} in Settings."
)
_LINUX_RDP_MISSING = (
    "No Remote Desktop client was found: install Remmina (Debian/Ubuntu: sudo apt install "
    "remmina remmina-plugin-rdp) or FreeRDP (freerdp2-x11), or set an RDP command with {file} "
    "in Settings."
)
_LINUX_TERMINAL_MISSING = (
    "No terminal emulator was found (tried " + ", ".join(LINUX_TERMINALS) + "): install one, "
    "or set a terminal command with {command} in Settings."
)
_SSH_MISSING = {
    HostOs.WINDOWS: "ssh.exe was not found: add OpenSSH Client under Settings › System › "
    "Optional features.",
    HostOs.MACOS: "ssh was not found in /usr/bin.",
    HostOs.LINUX: "ssh was not found: install the OpenSSH client (sudo apt install "
    "openssh-client).",
}
