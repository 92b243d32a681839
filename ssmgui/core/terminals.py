"""Run a command in the user's terminal, per desktop; and the user's own command templates.

Pure builders, compared whole in tests; the launcher finds the programs and starts them.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.launch import HostOs, command_line

#: Tried in this order on Linux and the BSDs: Debian's alternative first (the user's choice).
LINUX_TERMINALS = (
    "x-terminal-emulator",
    "gnome-terminal",
    "konsole",
    "xfce4-terminal",
    "kitty",
    "alacritty",
    "wezterm",
    "xterm",
)
#: Remmina first: it asks for the password and the certificate in a window, where FreeRDP
#: can only ask on a terminal the tray app does not have.
LINUX_RDP_CLIENTS = ("remmina", "xfreerdp3", "xfreerdp", "sdl-freerdp", "wlfreerdp3", "wlfreerdp")
WINDOWS_TERMINALS = ("wt.exe", "cmd.exe")
MACOS_TERMINAL = "Terminal"

# cmd.exe reads these even inside the command line of /k; they would start another command.
_CMD_METACHARACTERS = frozenset('&|<>^%!"()')
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def terminal_argv(os_name: HostOs, terminal: str, command_argv: Sequence[str]) -> list[str]:
    """The argv that opens `terminal` running `command_argv`.

    Windows: Windows Terminal (`wt.exe new-tab -- …`, with `;` escaped as wt's command
    separator) or `cmd.exe /k …` (refuses arguments cmd would reinterpret); the launcher starts
    either in a new console. macOS: Terminal.app through osascript, the command shell-quoted
    inside an AppleScript string. Linux: each emulator's own "run this" flag.
    """
    if not command_argv:
        raise ConfigurationError("There is no command to run in the terminal.")
    if os_name is HostOs.WINDOWS:
        return _windows_terminal(terminal, command_argv)
    if os_name is HostOs.MACOS:
        return _macos_terminal(terminal, command_argv)
    return _linux_terminal(terminal, command_argv)


def _windows_terminal(terminal: str, command_argv: Sequence[str]) -> list[str]:
    name = ntpath.basename(terminal).lower().removesuffix(".exe")
    if name == "wt":
        escaped = [arg.replace(";", r"\;") for arg in command_argv]
        return [terminal, "new-tab", "--title", "ssmgui", "--", *escaped]
    if name == "cmd":
        for arg in command_argv:
            if _CMD_METACHARACTERS.intersection(arg) or (arg is command_argv[0] and " " in arg):
                raise ConfigurationError(
                    f"cmd.exe would misread {arg!r}: install Windows Terminal, or set a "
                    "terminal command in Settings."
                )
        return [terminal, "/k", *command_argv]
    raise ConfigurationError(
        f"ssmgui does not know how to run a command in {terminal!r}: set a terminal command "
        "with {command} in Settings."
    )


def _macos_terminal(terminal: str, command_argv: Sequence[str]) -> list[str]:
    if posixpath.basename(terminal).removesuffix(".app") != MACOS_TERMINAL:
        raise ConfigurationError(
            f"ssmgui opens Terminal.app by itself; for {terminal!r} set a terminal command "
            "with {command} in Settings."
        )
    script = applescript_string(shlex.join(command_argv))
    return [
        "/usr/bin/osascript",
        "-e", 'tell application "Terminal"',
        "-e", f"do script {script}",
        "-e", "activate",
        "-e", "end tell",
    ]  # fmt: skip


def applescript_string(text: str) -> str:
    """`text` as an AppleScript string literal: backslash and double quote escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _linux_terminal(terminal: str, command_argv: Sequence[str]) -> list[str]:
    name = posixpath.basename(terminal)
    if name == "gnome-terminal":
        # --wait: the launcher sees the session end instead of the server hand-off.
        return [terminal, "--wait", "--", *command_argv]
    if name == "xfce4-terminal":
        return [terminal, "-x", *command_argv]
    if name == "kitty":
        return [terminal, *command_argv]
    if name == "wezterm":
        return [terminal, "start", "--", *command_argv]
    # Debian policy: x-terminal-emulator takes `-e command args…`; xterm, konsole and
    # alacritty read the rest of the line after -e the same way.
    return [terminal, "-e", *command_argv]


#: Runs "$@"; on failure prints the program, its exit status and the note ($1), then waits
#: for Enter. On success the window closes as before: the person ended the session.
_HOLD_ON_FAILURE = (
    'note=$1; shift; "$@"; status=$?; [ "$status" -eq 0 ] && exit 0; '
    'printf "\\n%s exited with status %s.\\n" "${1##*/}" "$status"; '
    '[ -n "$note" ] && printf "%s\\n" "$note"; '
    'printf "Press Enter to close this window. "; read -r _; exit "$status"'
)


def held_on_failure(command_argv: Sequence[str], note: str = "") -> list[str]:
    """`command_argv` run by /bin/sh so that, when it fails, the terminal window stays open
    showing the program's exit status and `note` until Enter is pressed: an ssh that
    cannot connect no longer flashes a window that closes before anyone reads why.
    POSIX terminals only (cmd /k, Terminal.app's shell already stay open). Nothing is
    pasted into the script: the note and the command travel as arguments."""
    if not command_argv:
        raise ConfigurationError("There is no command to run in the terminal.")
    return ["/bin/sh", "-c", _HOLD_ON_FAILURE, "ssmgui", note, *command_argv]


def split_template(template: str, os_name: HostOs) -> list[str]:
    """Split a user's command template into words.

    POSIX: shell rules (shlex). Windows: whitespace separates words, double quotes group
    them and are removed, backslashes are literal (so C:\\Program Files\\… works when
    quoted); each word then reaches the program as one argument.
    """
    if os_name is not HostOs.WINDOWS:
        try:
            return shlex.split(template)
        except ValueError as error:
            raise ConfigurationError(f"The command {template!r} is not valid: {error}.") from None
    lexer = shlex.shlex(template, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.quotes = '"'
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as error:
        raise ConfigurationError(f"The command {template!r} is not valid: {error}.") from None


def expand_template(
    template: str,
    values: Mapping[str, str | Sequence[str]],
    os_name: HostOs,
) -> list[str]:
    """The argv for a user's command template with `{name}` placeholders filled.

    A word that is exactly `{command}` (a sequence value) becomes the command's own words;
    inside a longer word it becomes one shell-quoted line (e.g. `sh -c "{command}; read"`).
    The template is split first, so a value with spaces stays one argument. A placeholder
    not in `values` is refused with the list of those that are.
    """
    words = split_template(template, os_name)
    if not words:
        raise ConfigurationError("The command is empty.")
    argv: list[str] = []
    for word in words:
        whole = _PLACEHOLDER.fullmatch(word)
        if whole and not isinstance(values.get(whole.group(1), ""), str):
            argv.extend(values[whole.group(1)])
            continue
        argv.append(_PLACEHOLDER.sub(lambda m: _fill(m.group(1), values, os_name), word))
    return argv


def _fill(name: str, values: Mapping[str, str | Sequence[str]], os_name: HostOs) -> str:
    if name not in values:
        known = ", ".join("{" + key + "}" for key in values)
        raise ConfigurationError(f"The command uses {{{name}}}; it can use {known}.")
    value = values[name]
    return value if isinstance(value, str) else command_line(value, os_name)
