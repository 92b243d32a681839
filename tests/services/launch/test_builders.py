"""The pure launch builders, compared whole: .rdp text, ssh argv, URLs, terminals, templates."""

from __future__ import annotations

import dataclasses
import shlex

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.launch import (
    HostOs,
    browser_argv,
    command_line,
    default_action,
    rdp_client_argv,
    rdp_file_bytes,
    rdp_file_text,
    ssh_argv,
    ssh_config_snippet,
    url_for,
)
from ssmgui.core.settings import Settings
from ssmgui.core.terminals import applescript_string, expand_template, terminal_argv
from ssmgui.core.tunnel import TunnelKind

SSH = ["ssh", "-p", "40022", "ec2-user@127.0.0.1"]


def test_rdp_file_has_the_address_user_and_no_password() -> None:
    text = rdp_file_text(13389, "Administrator")
    lines = text.split("\r\n")
    assert lines[:3] == [
        "full address:s:127.0.0.1:13389",
        "username:s:Administrator",
        "screen mode id:i:1",
    ]
    assert lines[-1] == ""  # CRLF-terminated, as mstsc writes
    assert "authentication level:i:2" in lines
    assert not any("password" in line.lower() for line in lines)
    assert "username" not in rdp_file_text(13389, "")
    assert "screen mode id:i:2" in rdp_file_text(1, "", full_screen=True)


def test_rdp_user_with_a_line_break_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="line break"):
        rdp_file_text(13389, "admin\r\nalternate shell:s:calc.exe")


def test_rdp_file_encoding_per_os() -> None:
    text = rdp_file_text(3390, "Jürgen")
    assert rdp_file_bytes(text, HostOs.WINDOWS) == b"\xff\xfe" + text.encode("utf-16-le")
    assert rdp_file_bytes(text, HostOs.LINUX) == text.encode()
    assert rdp_file_bytes(text, HostOs.MACOS) == text.encode()


@pytest.mark.parametrize(
    ("os_name", "client", "expected"),
    [
        (HostOs.WINDOWS, r"C:\Windows\System32\mstsc.exe", [r"C:\Windows\System32\mstsc.exe", "F"]),
        (
            HostOs.MACOS,
            "/Applications/Windows App.app",
            ["/usr/bin/open", "-a", "/Applications/Windows App.app", "F"],
        ),
        (HostOs.LINUX, "/usr/bin/remmina", ["/usr/bin/remmina", "-c", "F"]),
        (HostOs.LINUX, "/usr/bin/xfreerdp", ["/usr/bin/xfreerdp", "F", "/cert-tofu"]),
        (HostOs.LINUX, "/usr/bin/wlfreerdp", ["/usr/bin/wlfreerdp", "F", "/cert-tofu"]),
        (HostOs.LINUX, "/usr/bin/xfreerdp3", ["/usr/bin/xfreerdp3", "F", "/cert:tofu"]),
        (HostOs.LINUX, "/usr/bin/sdl-freerdp", ["/usr/bin/sdl-freerdp", "F", "/cert:tofu"]),
    ],
)
def test_rdp_client_argv(os_name: HostOs, client: str, expected: list[str]) -> None:
    assert rdp_client_argv(os_name, client, "F") == expected


def test_ssh_argv() -> None:
    assert ssh_argv(40022, "ec2-user") == SSH
    keyed = ssh_argv(40022, "ubuntu", "/home/me/k.pem", host_key_alias="i-0abc", ssh="/usr/bin/ssh")
    assert keyed == [
        "/usr/bin/ssh", "-p", "40022", "-i", "/home/me/k.pem", "-o", "IdentitiesOnly=yes",
        "-o", "HostKeyAlias=i-0abc", "ubuntu@127.0.0.1",
    ]  # fmt: skip
    assert ssh_argv(22, "")[-1] == "127.0.0.1"
    with pytest.raises(ConfigurationError):
        ssh_argv(22, "root\n")


def test_ssh_argv_with_the_demos_known_hosts_quotes_a_path_with_spaces() -> None:
    """ssh reads UserKnownHostsFile as a list split at whitespace unless quoted."""
    plain = ssh_argv(22, "u", host_key_alias="i-1", known_hosts_file="/tmp/d/known_hosts")
    assert plain[-3:] == ["-o", "UserKnownHostsFile=/tmp/d/known_hosts", "u@127.0.0.1"]
    spaced = ssh_argv(22, "u", known_hosts_file="/tmp/a b/known_hosts")
    assert spaced[-2] == 'UserKnownHostsFile="/tmp/a b/known_hosts"'
    assert not any("StrictHostKeyChecking" in arg for arg in plain + spaced)


def test_command_line_quotes_per_os() -> None:
    argv = ["ssh", "-i", "C:\\Users\\A B\\k.pem", "admin@127.0.0.1"]
    assert command_line(argv, HostOs.WINDOWS) == 'ssh -i "C:\\Users\\A B\\k.pem" admin@127.0.0.1'
    assert command_line(["ssh", "-i", "/a b/k'1"], HostOs.LINUX) == "ssh -i '/a b/k'\"'\"'1'"
    assert shlex.split(command_line(["ssh", "-i", "/a b/k'1"], HostOs.MACOS)) == [
        "ssh", "-i", "/a b/k'1",
    ]  # fmt: skip


def test_url_for() -> None:
    assert url_for(TunnelKind.HTTP, 8080) == "http://127.0.0.1:8080/"
    assert url_for(TunnelKind.HTTPS, 8443, "admin/my page?x=1&y=%20") == (
        "https://127.0.0.1:8443/admin/my%20page?x=1&y=%20"
    )
    with pytest.raises(ConfigurationError, match="no web address"):
        url_for(TunnelKind.RDP, 1)


@pytest.mark.parametrize(
    ("os_name", "expected"),
    [
        (HostOs.WINDOWS, ["rundll32.exe", "url.dll,FileProtocolHandler", "http://x/"]),
        (HostOs.MACOS, ["/usr/bin/open", "http://x/"]),
        (HostOs.LINUX, ["xdg-open", "http://x/"]),
    ],
)
def test_browser_argv(os_name: HostOs, expected: list[str]) -> None:
    assert browser_argv(os_name, "http://x/") == expected


def test_default_action() -> None:
    settings = Settings()
    assert default_action("Windows", settings) is TunnelKind.RDP
    assert default_action("Linux", settings) is TunnelKind.SSH
    assert default_action("MacOS", settings) is TunnelKind.SSH
    custom = dataclasses.replace(
        settings, windows_action=TunnelKind.HTTPS, linux_action=TunnelKind.HTTP
    )
    assert default_action("windows", custom) is TunnelKind.HTTPS
    assert default_action("Linux", custom) is TunnelKind.HTTP


def test_host_os_parse() -> None:
    assert HostOs.parse("win32") is HostOs.WINDOWS
    assert HostOs.parse("darwin") is HostOs.MACOS
    assert HostOs.parse("linux") is HostOs.LINUX
    assert HostOs.parse("freebsd14") is HostOs.LINUX


def test_ssh_config_snippet_posix() -> None:
    snippet = ssh_config_snippet(
        ["/home/me/.local/bin/ssmgui"], "prod", "eu-west-1", user="ec2-user",
        key_path="~/.ssh/my key.pem",
    )  # fmt: skip
    assert snippet == (
        "# ssmgui: ssh/scp to instance ids through Session Manager\n"
        "# (profile prod, region eu-west-1)\n"
        "Host i-* mi-*\n"
        "    ProxyCommand /home/me/.local/bin/ssmgui ssh-proxy --profile prod "
        "--region eu-west-1 %h %p\n"
        "    User ec2-user\n"
        '    IdentityFile "~/.ssh/my key.pem"\n'
        "    IdentitiesOnly yes\n"
    )


def test_ssh_config_snippet_quotes_and_escapes_percent() -> None:
    snippet = ssh_config_snippet(
        ["/opt/my app/python", "-m", "ssmgui"], "", "", proxy_options=["--reason", "50% off"]
    )
    assert (
        "    ProxyCommand '/opt/my app/python' -m ssmgui ssh-proxy --reason '50%% off' %h %p\n"
    ) in snippet
    windows = ssh_config_snippet(
        [r"C:\Program Files\ssmgui\ssmgui.exe"], "dev", "us-east-1", os_name=HostOs.WINDOWS
    )
    assert (
        '    ProxyCommand "C:\\Program Files\\ssmgui\\ssmgui.exe" ssh-proxy --profile dev '
        "--region us-east-1 %h %p\n"
    ) in windows
    with pytest.raises(ConfigurationError, match="quote"):
        ssh_config_snippet(["ssmgui"], "p", "r", key_path='a"b')


def test_terminal_argv_linux() -> None:
    assert terminal_argv(HostOs.LINUX, "/usr/bin/x-terminal-emulator", SSH) == [
        "/usr/bin/x-terminal-emulator", "-e", *SSH,
    ]  # fmt: skip
    assert terminal_argv(HostOs.LINUX, "/usr/bin/gnome-terminal", SSH) == [
        "/usr/bin/gnome-terminal", "--wait", "--", *SSH,
    ]  # fmt: skip
    assert terminal_argv(HostOs.LINUX, "konsole", SSH) == ["konsole", "-e", *SSH]
    assert terminal_argv(HostOs.LINUX, "xfce4-terminal", SSH) == ["xfce4-terminal", "-x", *SSH]
    assert terminal_argv(HostOs.LINUX, "kitty", SSH) == ["kitty", *SSH]
    assert terminal_argv(HostOs.LINUX, "wezterm", SSH) == ["wezterm", "start", "--", *SSH]
    assert terminal_argv(HostOs.LINUX, "xterm", SSH) == ["xterm", "-e", *SSH]


def test_terminal_argv_macos_quotes_for_the_shell_then_applescript() -> None:
    argv = ["/usr/bin/ssh", "-i", '/Users/me/my "key".pem', "ec2-user@127.0.0.1"]
    assert terminal_argv(HostOs.MACOS, "Terminal", argv) == [
        "/usr/bin/osascript",
        "-e", 'tell application "Terminal"',
        "-e", "do script \"/usr/bin/ssh -i '/Users/me/my \\\"key\\\".pem' ec2-user@127.0.0.1\"",
        "-e", "activate",
        "-e", "end tell",
    ]  # fmt: skip
    assert applescript_string('a\\b"c') == '"a\\\\b\\"c"'
    with pytest.raises(ConfigurationError, match="terminal command"):
        terminal_argv(HostOs.MACOS, "iTerm", argv)


def test_terminal_argv_windows() -> None:
    argv = ["C:\\Windows\\System32\\OpenSSH\\ssh.exe", "-i", "C:\\k;1.pem", "a@127.0.0.1"]
    wt = "C:\\Users\\me\\AppData\\Local\\Microsoft\\WindowsApps\\wt.exe"
    assert terminal_argv(HostOs.WINDOWS, wt, argv) == [
        wt, "new-tab", "--title", "ssmgui", "--",
        "C:\\Windows\\System32\\OpenSSH\\ssh.exe", "-i", "C:\\k\\;1.pem", "a@127.0.0.1",
    ]  # fmt: skip
    plain = ["ssh", "-i", "C:\\Users\\A B\\k.pem", "a@127.0.0.1"]
    assert terminal_argv(HostOs.WINDOWS, "C:\\Windows\\System32\\cmd.exe", plain) == [
        "C:\\Windows\\System32\\cmd.exe", "/k", *plain,
    ]  # fmt: skip
    with pytest.raises(ConfigurationError, match=r"cmd\.exe would misread"):
        terminal_argv(HostOs.WINDOWS, "cmd.exe", ["ssh", "-i", "C:\\a&b\\k.pem"])
    with pytest.raises(ConfigurationError, match=r"cmd\.exe would misread"):
        terminal_argv(HostOs.WINDOWS, "cmd.exe", ["C:\\Program Files\\ssh.exe", "x"])
    with pytest.raises(ConfigurationError, match="terminal command"):
        terminal_argv(HostOs.WINDOWS, "powershell.exe", plain)
    with pytest.raises(ConfigurationError, match="no command"):
        terminal_argv(HostOs.LINUX, "xterm", [])


def test_templates_expand_after_splitting() -> None:
    values = {"file": "/tmp/a b/x.rdp", "port": "13389", "user": "Admin"}
    template = "xfreerdp {file} /u:{user} /v:127.0.0.1:{port}"
    assert expand_template(template, values, HostOs.LINUX) == [
        "xfreerdp", "/tmp/a b/x.rdp", "/u:Admin", "/v:127.0.0.1:13389",
    ]  # fmt: skip
    command = {"command": ["ssh", "-p", "1", "me@127.0.0.1"]}
    assert expand_template("alacritty -e {command}", command, HostOs.LINUX) == [
        "alacritty", "-e", "ssh", "-p", "1", "me@127.0.0.1",
    ]  # fmt: skip
    assert expand_template('sh -c "{command}; read"', command, HostOs.LINUX) == [
        "sh", "-c", "ssh -p 1 me@127.0.0.1; read",
    ]  # fmt: skip


def test_templates_on_windows_keep_backslashes_and_group_quotes() -> None:
    template = "\"C:\\Program Files\\Remote\\client.exe\" /file {file} --x='y'"
    assert expand_template(template, {"file": "C:\\T\\a.rdp"}, HostOs.WINDOWS) == [
        "C:\\Program Files\\Remote\\client.exe", "/file", "C:\\T\\a.rdp", "--x='y'",
    ]  # fmt: skip


def test_templates_refuse_unknown_placeholders_and_bad_quoting() -> None:
    with pytest.raises(ConfigurationError, match=r"uses \{url\}; it can use \{file\}"):
        expand_template("client {url}", {"file": "f"}, HostOs.LINUX)
    with pytest.raises(ConfigurationError, match="not valid"):
        expand_template('client "{file}', {"file": "f"}, HostOs.LINUX)
    with pytest.raises(ConfigurationError, match="empty"):
        expand_template("  ", {"file": "f"}, HostOs.LINUX)
    # Braces that are not placeholders (JSON, shell) pass through untouched.
    assert expand_template("x {1} {} {url}", {"url": "u"}, HostOs.LINUX) == ["x", "{1}", "{}", "u"]
