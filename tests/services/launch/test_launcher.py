"""The launcher: real processes on Linux; the Windows and macOS choices by equality.

`Desktop` fakes the host (which/exists/env) and a recording spawn stands in for
CreateProcess/posix_spawn, so every per-OS branch runs here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ntpath
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from ssmgui.core.errors import ClientNotFoundError, ClientStartError, ConfigurationError
from ssmgui.core.launch import HostOs, rdp_file_bytes, rdp_file_text
from ssmgui.core.settings import Settings
from ssmgui.core.terminals import held_on_failure
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.launch.client_process import ClientProcess, Desktop, SpawnRequest
from ssmgui.services.launch.instance_connect import NOT_ACCEPTED_HINT
from ssmgui.services.launch.launcher import Launcher

SYSTEM32 = "C:\\Windows\\System32"


class FakeProcess:
    def __init__(self, code: int = 0) -> None:
        self.code = code
        self.returncode: int | None = None
        self.terminated = False

    async def wait(self) -> int:
        self.returncode = self.code
        return self.code

    def terminate(self) -> None:
        self.terminated = True


class Recorder:
    """A spawn that records each request and captures the .rdp file while it exists."""

    def __init__(self) -> None:
        self.requests: list[SpawnRequest] = []
        self.files: dict[str, bytes] = {}

    async def __call__(self, request: SpawnRequest) -> ClientProcess:
        self.requests.append(request)
        for arg in request.argv:
            if arg.endswith(".rdp"):
                self.files[arg] = Path(arg).read_bytes()
        return FakeProcess()


def desktop(os_name: HostOs, programs: Iterable[str] = (), files: Iterable[str] = ()) -> Desktop:
    on_path = {ntpath.basename(p): p for p in programs}
    existing = set(files)
    return Desktop(
        os_name,
        which=on_path.get,
        exists=existing.__contains__,
        env={"HOME": "/Users/me", "SystemRoot": "C:\\Windows", "PATH": "/usr/bin"},
    )


def launcher(host: Desktop, recorder: Recorder, tmp_path: Path) -> Launcher:
    return Launcher(host, recorder, temp_root=str(tmp_path))


async def test_rdp_on_windows_uses_mstsc_and_mstsc_encoding(tmp_path: Path) -> None:
    recorder = Recorder()
    host = desktop(HostOs.WINDOWS, files=[f"{SYSTEM32}\\mstsc.exe"])
    client = await launcher(host, recorder, tmp_path).open(
        TunnelKind.RDP, 13389, Settings(), instance_id="i-0abc", title="web 1 (prod)"
    )
    (request,) = recorder.requests
    rdp = client.rdp_file
    assert rdp is not None and rdp.name == "web-1-prod.rdp"
    assert request.argv == (f"{SYSTEM32}\\mstsc.exe", str(rdp))
    assert recorder.files[str(rdp)] == rdp_file_bytes(
        rdp_file_text(13389, "Administrator"), HostOs.WINDOWS
    )
    assert not client.handed_off
    assert await client.wait() == 0
    assert not rdp.parent.exists()  # removed once mstsc exits


async def test_rdp_on_macos_opens_the_app_and_keeps_the_file_until_close(tmp_path: Path) -> None:
    recorder = Recorder()
    app = "/Users/me/Applications/Microsoft Remote Desktop.app"
    host = desktop(HostOs.MACOS, files=[app])
    client = await launcher(host, recorder, tmp_path).open_rdp(3390, Settings(), username="")
    rdp = client.rdp_file
    assert rdp is not None
    assert recorder.requests[0].argv == ("/usr/bin/open", "-a", app, str(rdp))
    assert recorder.files[str(rdp)] == rdp_file_text(3390).encode()
    assert client.handed_off
    await client.wait()
    assert rdp.exists()  # the app may read it after `open` returns
    client.close()
    client.close()
    assert not rdp.parent.exists()


@pytest.mark.parametrize(
    ("programs", "handed_off"),
    [
        (["/usr/bin/xfreerdp"], False),
        (["/usr/bin/xfreerdp", "/usr/bin/remmina"], True),
    ],
)
async def test_rdp_on_linux_picks_remmina_then_freerdp(
    tmp_path: Path, programs: list[str], handed_off: bool
) -> None:
    recorder = Recorder()
    client = await launcher(desktop(HostOs.LINUX, programs), recorder, tmp_path).open_rdp(
        1, Settings()
    )
    assert recorder.requests[0].argv[0] == programs[-1]
    assert client.handed_off is handed_off
    client.close()


@pytest.mark.parametrize(
    ("os_name", "advice"),
    [
        (HostOs.WINDOWS, "mstsc.exe"),
        (HostOs.MACOS, "Windows App"),
        (HostOs.LINUX, "sudo apt install remmina"),
    ],
)
async def test_missing_rdp_client_says_what_to_install_and_leaves_nothing(
    tmp_path: Path, os_name: HostOs, advice: str
) -> None:
    recorder = Recorder()
    with pytest.raises(ClientNotFoundError, match=advice) as caught:
        await launcher(desktop(os_name), recorder, tmp_path).open_rdp(1, Settings())
    assert "RDP command" in caught.value.user_message
    assert recorder.requests == []
    assert list(tmp_path.iterdir()) == []


async def test_rdp_command_template_with_a_real_process(tmp_path: Path) -> None:
    """A real child reads the file: private directory, mode 0600, removed after exit."""
    report = tmp_path / "report.json"
    script = (
        "import json, os, sys; f = sys.argv[1]; "
        "json.dump({'text': open(f).read(), 'mode': os.stat(f).st_mode & 0o777, "
        "'dir': os.stat(os.path.dirname(f)).st_mode & 0o777, 'port': sys.argv[2], "
        "'user': sys.argv[3]}, open(sys.argv[4], 'w'))"
    )
    settings = dataclasses.replace(
        Settings(),
        rdp_user="Jane Doe",
        rdp_command=f'{sys.executable} -c "{script}" {{file}} {{port}} {{user}} {report}',
    )
    host = Desktop(HostOs.LINUX)
    client = await Launcher(host, temp_root=str(tmp_path)).open_rdp(13389, settings)
    rdp = client.rdp_file
    assert rdp is not None
    assert await asyncio.wait_for(client.wait(), 30) == 0
    seen = json.loads(report.read_text())
    assert seen == {
        "text": rdp_file_text(13389, "Jane Doe").replace("\r\n", "\n"),  # text-mode read
        "mode": 0o600,
        "dir": 0o700,
        "port": "13389",
        "user": "Jane Doe",
    }
    assert not rdp.parent.exists()


async def test_terminate_ends_a_real_client(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), rdp_command="sleep 30")
    client = await Launcher(Desktop(HostOs.LINUX), temp_root=str(tmp_path)).open_rdp(1, settings)
    assert client.returncode is None
    client.terminate()
    assert await asyncio.wait_for(client.wait(), 10) == -15
    client.terminate()  # already gone: no error
    assert list(tmp_path.iterdir()) == []


async def test_custom_command_naming_a_missing_program(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), rdp_command="no-such-rdp-client {file}")
    with pytest.raises(ClientNotFoundError, match="'no-such-rdp-client', which was not found"):
        await Launcher(Desktop(HostOs.LINUX), temp_root=str(tmp_path)).open_rdp(1, settings)
    assert list(tmp_path.iterdir()) == []


async def test_a_client_that_cannot_start_is_a_client_start_error(tmp_path: Path) -> None:
    not_executable = tmp_path / "client"
    not_executable.write_text("")
    settings = dataclasses.replace(Settings(), browser_command=f"{not_executable} {{url}}")
    with pytest.raises(ClientStartError, match="could not be started: Permission denied"):
        await Launcher(Desktop(HostOs.LINUX)).open_url(TunnelKind.HTTP, 80, settings)


KEYED = dataclasses.replace(Settings(), ssh_user="ubuntu", ssh_key_path="/home/me/k.pem")
SSH_TAIL = ("-p", "40022", "-i", "/home/me/k.pem", "-o", "IdentitiesOnly=yes",
            "-o", "HostKeyAlias=i-0abc", "ubuntu@127.0.0.1")  # fmt: skip


async def test_ssh_on_linux_opens_the_first_terminal(tmp_path: Path) -> None:
    recorder = Recorder()
    host = desktop(HostOs.LINUX, ["/usr/bin/ssh", "/usr/bin/gnome-terminal", "/usr/bin/xterm"])
    client = await launcher(host, recorder, tmp_path).open(
        TunnelKind.SSH, 40022, KEYED, instance_id="i-0abc"
    )
    # ssh runs inside held_on_failure: a failing ssh leaves its window open to be read.
    assert recorder.requests[0].argv == (
        "/usr/bin/gnome-terminal", "--wait", "--",
        *held_on_failure(["/usr/bin/ssh", *SSH_TAIL]),
    )  # fmt: skip
    assert not client.handed_off


async def test_a_pushed_key_replaces_the_settings_key_and_the_held_terminal_says_why_ssh_may_refuse(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    host = desktop(HostOs.LINUX, ["/usr/bin/ssh", "/usr/bin/xterm"])
    pushed = tmp_path / "id_ed25519"
    await launcher(host, recorder, tmp_path).open(
        TunnelKind.SSH, 40022, KEYED, instance_id="i-0abc", identity_file=pushed
    )
    held = held_on_failure(["/usr/bin/ssh", "-p", "40022", "-i", str(pushed), *SSH_TAIL[4:]],
                           NOT_ACCEPTED_HINT)  # fmt: skip
    assert recorder.requests[0].argv[-len(held) :] == tuple(held)


async def test_ssh_on_windows_prefers_windows_terminal_then_cmd(tmp_path: Path) -> None:
    ssh = f"{SYSTEM32}\\OpenSSH\\ssh.exe"
    wt = "C:\\Users\\me\\AppData\\Local\\Microsoft\\WindowsApps\\wt.exe"
    recorder = Recorder()
    host = desktop(HostOs.WINDOWS, [wt], files=[ssh, f"{SYSTEM32}\\cmd.exe"])
    client = await launcher(host, recorder, tmp_path).open_ssh(40022, KEYED, instance_id="i-0abc")
    assert recorder.requests[0].argv == (wt, "new-tab", "--title", "ssmgui", "--", ssh, *SSH_TAIL)
    assert recorder.requests[0].new_console
    assert client.handed_off

    host = desktop(HostOs.WINDOWS, files=[ssh, f"{SYSTEM32}\\cmd.exe"])
    client = await launcher(host, recorder, tmp_path).open_ssh(40022, KEYED, instance_id="i-0abc")
    assert recorder.requests[1].argv == (f"{SYSTEM32}\\cmd.exe", "/k", ssh, *SSH_TAIL)
    assert recorder.requests[1].new_console
    assert not client.handed_off


async def test_ssh_on_macos_uses_terminal_app(tmp_path: Path) -> None:
    recorder = Recorder()
    host = desktop(HostOs.MACOS, ["/usr/bin/ssh"])
    client = await launcher(host, recorder, tmp_path).open_ssh(40022, Settings())
    assert recorder.requests[0].argv[:4] == (
        "/usr/bin/osascript", "-e", 'tell application "Terminal"', "-e",
    )  # fmt: skip
    assert recorder.requests[0].argv[4] == 'do script "/usr/bin/ssh -p 40022 ec2-user@127.0.0.1"'
    assert client.handed_off


async def test_ssh_terminal_command_and_missing_pieces(tmp_path: Path) -> None:
    recorder = Recorder()
    settings = dataclasses.replace(KEYED, terminal_command="foot --title=x {command}")
    host = desktop(HostOs.LINUX, ["/usr/bin/ssh", "/usr/bin/foot"])
    await launcher(host, recorder, tmp_path).open_ssh(40022, settings, instance_id="i-0abc")
    assert recorder.requests[0].argv == ("foot", "--title=x", "/usr/bin/ssh", *SSH_TAIL)
    with pytest.raises(ClientNotFoundError, match="No terminal emulator"):
        await launcher(desktop(HostOs.LINUX, ["/usr/bin/ssh"]), recorder, tmp_path).open_ssh(
            1, Settings()
        )
    with pytest.raises(ClientNotFoundError, match="Optional features"):
        await launcher(desktop(HostOs.WINDOWS), recorder, tmp_path).open_ssh(1, Settings())


def test_copy_ssh_command_quotes_for_the_desktop() -> None:
    settings = dataclasses.replace(Settings(), ssh_key_path="C:\\Users\\A B\\k.pem")
    windows = Launcher(desktop(HostOs.WINDOWS))
    assert windows.ssh_command(40022, settings) == (
        'ssh -p 40022 -i "C:\\Users\\A B\\k.pem" -o IdentitiesOnly=yes ec2-user@127.0.0.1'
    )
    posix = Launcher(desktop(HostOs.LINUX))
    assert posix.ssh_command(1, dataclasses.replace(settings, ssh_key_path="~/a b")) == (
        "ssh -p 1 -i '~/a b' -o IdentitiesOnly=yes ec2-user@127.0.0.1"
    )


async def test_urls_open_in_the_default_browser(tmp_path: Path) -> None:
    recorder = Recorder()
    host = desktop(HostOs.LINUX, ["/usr/bin/xdg-open"])
    client = await launcher(host, recorder, tmp_path).open(
        TunnelKind.HTTPS, 8443, Settings(), path="admin"
    )
    assert recorder.requests[0].argv == ("/usr/bin/xdg-open", "https://127.0.0.1:8443/admin")
    assert client.handed_off
    await launcher(desktop(HostOs.WINDOWS), recorder, tmp_path).open_url(
        TunnelKind.HTTP, 80, Settings()
    )
    assert recorder.requests[1].argv == (
        "rundll32.exe", "url.dll,FileProtocolHandler", "http://127.0.0.1:80/",
    )  # fmt: skip
    with pytest.raises(ClientNotFoundError, match="xdg-utils"):
        await launcher(desktop(HostOs.LINUX), recorder, tmp_path).open_url(
            TunnelKind.HTTP, 80, Settings()
        )


async def test_a_real_browser_command_gets_the_url(tmp_path: Path) -> None:
    seen = tmp_path / "url"
    script = f"import sys; open({str(seen)!r}, 'w').write(sys.argv[1])"
    settings = dataclasses.replace(
        Settings(), browser_command=f'{sys.executable} -c "{script}" {{url}}'
    )
    client = await Launcher(Desktop(HostOs.LINUX)).open_url(
        TunnelKind.HTTP, 8080, settings, path="/a b"
    )
    assert await asyncio.wait_for(client.wait(), 30) == 0
    assert seen.read_text() == "http://127.0.0.1:8080/a%20b"


async def test_no_client_for_custom_tunnels(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"connect to 127\.0\.0\.1:5432 yourself"):
        await launcher(desktop(HostOs.LINUX), Recorder(), tmp_path).open(
            TunnelKind.CUSTOM, 5432, Settings()
        )


def test_current_desktop_is_this_machine() -> None:
    here = Desktop.current()
    assert here.os_name is HostOs.LINUX
    assert here.which("sh") is not None
    assert here.env.get("PATH") == os.environ.get("PATH")
    assert stat.S_ISDIR(os.stat("/").st_mode)
