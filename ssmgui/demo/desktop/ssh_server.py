"""DemoSshServer: a real SSH server behind demo-ssh's port 22, logging in with keys pushed
with EC2 Instance Connect, serving the demo's confined shell (docs/protocol.md §15).

It listens on 127.0.0.1 only (ssh reaches it through the Session Manager tunnel ssmgui
opens, as sshd on a private instance) and accepts public-key authentication only: a key
is accepted for a user when it is among `active_keys(user)`, the keys the fake EC2
Instance Connect holds for this instance and user, pushed less than 60 s ago (as sshd's
`AuthorizedKeysCommand` on a real instance reads them from the instance metadata). No
password, no keyboard-interactive, no port forwarding, no sftp.

A session gets the fake agent's shell (`channel/agent_shell.py`): a REAL shell on THIS
computer, in a pseudo-terminal, in a temporary folder removed when the session ends, whose
first line says so; `ssh … COMMAND` runs the command there. The host key is made per demo
run (`new_host_key`); `known_hosts_line` is what ssh needs to trust it without asking and
without touching the person's own ~/.ssh/known_hosts (the GUI's ssh is pointed at a
known_hosts file of the demo's, keyed by instance id as its HostKeyAlias).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence

from cryptography.utils import CryptographyDeprecationWarning

from ssmgui.demo.channel.agent_shell import ShellServer

with warnings.catch_warnings():  # asyncssh still imports cryptography's DSA, deprecated
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    import asyncssh

log = logging.getLogger(__name__)

SERVER_VERSION = "ssmgui-demo"  # "SSH-2.0-ssmgui-demo", what ssh -v shows
LOGIN_TIMEOUT_S = 30.0
#: (user) → the OpenSSH public keys pushed for that user on this instance, still valid.
ActiveKeys = Callable[[str], Sequence[str]]


def new_host_key() -> asyncssh.SSHKey:
    """An ed25519 host key for this demo run only."""
    return asyncssh.generate_private_key("ssh-ed25519")


def known_hosts_line(aliases: Iterable[str], host_key: asyncssh.SSHKey) -> str:
    """One known_hosts line trusting `host_key` for each of `aliases` (instance ids, as
    the launcher's `HostKeyAlias`)."""
    public = host_key.export_public_key("openssh").decode().split()
    return f"{','.join(aliases)} {public[0]} {public[1]}\n"


class DemoSshServer:
    """`start()` → its port on 127.0.0.1; `stop()` ends every session and shell. Set
    `active_keys` before anyone connects (the instance is made after its target)."""

    def __init__(self, host_key: asyncssh.SSHKey, active_keys: ActiveKeys = lambda _u: ()):
        self.host_key = host_key
        self.active_keys = active_keys
        self.port = 0
        self.logins = 0  # accepted so far
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._shells: set[_ShellSession] = set()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    async def start(self) -> int:
        self._acceptor = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _Login(self),
            server_version=SERVER_VERSION,
            encoding=None,  # the shell's bytes as they are
            login_timeout=LOGIN_TIMEOUT_S,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
        )
        self.port = self._acceptor.get_port()
        return self.port

    async def stop(self) -> None:
        """Stop listening, close every connection, end every shell. Idempotent."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
            await acceptor.wait_closed()
        for connection in list(self._connections):
            connection.close()
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.wait_closed()
        endings = [shell.end() for shell in list(self._shells)]
        await asyncio.gather(*(ending for ending in endings if ending is not None))

    def accepts(self, user: str, key: asyncssh.SSHKey) -> bool:
        """Whether `key` was pushed for `user` on this instance less than 60 s ago."""
        for text in self.active_keys(user):
            try:
                pushed = asyncssh.import_public_key(text)
            except (asyncssh.KeyImportError, ValueError):
                continue
            if pushed.public_data == key.public_data:
                return True
        return False


class _Login(asyncssh.SSHServer):
    """One connection: public-key authentication against the pushed keys, then sessions."""

    def __init__(self, server: DemoSshServer) -> None:
        self._server = server
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._server._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._server._connections.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True  # every user must authenticate

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        accepted = self._server.accepts(username, key)
        if accepted:
            self._server.logins += 1
        log.info("demo-ssh: %s key for %s", "accepted a" if accepted else "refused the", username)
        return accepted

    def session_requested(self) -> _ShellSession:
        return _ShellSession(self._server._shells)


class _ChannelSink:
    """The shell's output to the SSH channel; dropped once the channel is closing (the
    client hung up and the shell is being ended)."""

    def __init__(self, channel: asyncssh.SSHServerChannel[bytes]) -> None:
        self._channel = channel

    def write(self, data: bytes) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self._channel.write(data)


class _ShellSession(asyncssh.SSHServerSession[bytes]):
    """One SSH session: the demo's pty shell (or `sh -c COMMAND`) until it exits."""

    def __init__(self, shells: set[_ShellSession]) -> None:
        self._shells = shells
        self._channel: asyncssh.SSHServerChannel[bytes] | None = None
        self._command = ""
        self._size: tuple[int, int] | None = None
        self._shell: ShellServer | None = None
        self._ending: asyncio.Task[None] | None = None
        # Input (and its end) can arrive before the shell has started: kept until it has.
        self._early_input = bytearray()

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._channel = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self._size = (term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self._command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no sftp: the demo's shell is all there is

    def session_started(self) -> None:
        assert self._channel is not None
        sink = _ChannelSink(self._channel)
        # Without a terminal (ssh's input is a pipe) the shell reads its commands as sshd's
        # does, with no line editor: bash's readline could drop input typed before it set
        # the terminal up.
        command = self._command or ("" if self._size is not None else "exec /bin/sh")
        self._shell = ShellServer(sink, command, self._exited, "demo-ssh")
        self._shells.add(self)
        if self._size is not None:
            self._shell.set_size(*self._size)
        self._shell.feed(bytes(self._early_input))
        self._early_input.clear()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if self._shell is not None:
            self._shell.feed(data)
        else:
            self._early_input.extend(data)

    def eof_received(self) -> bool:
        """The client's input ended (a pipe, not a terminal): end the shell's too, with the
        terminal's EOF character, and stay open for its output and exit status."""
        self.data_received(b"\x04", None)
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self._shell is not None:
            self._shell.set_size(width, height)

    def pause_writing(self) -> None:
        if self._shell is not None:
            self._shell.set_paused(True)

    def resume_writing(self) -> None:
        if self._shell is not None:
            self._shell.set_paused(False)

    def _exited(self, status: int) -> None:
        if self._channel is not None:
            self._channel.exit(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.end()

    def end(self) -> asyncio.Task[None] | None:
        """Kill the shell and remove its folder (at the session's end, or the server's):
        the task doing it, the same one however often asked; None without a shell."""
        if self._ending is None and self._shell is not None:
            self._ending = asyncio.get_running_loop().create_task(self._shell.close())
            self._ending.add_done_callback(lambda _task: self._shells.discard(self))
        return self._ending
