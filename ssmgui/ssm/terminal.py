"""The user's own terminal for a shell session (docs/protocol.md §14).

`this_process_terminal()` picks the platform's kind:

- POSIX: when stdin is a terminal, raw mode (every byte, Ctrl-C included, goes to the
  remote side; echo and line editing are the remote pty's), its size, and SIGWINCH. The
  terminal's attributes and the descriptors' blocking flags are restored by `restore`,
  which the caller runs in a `finally`; asyncio makes descriptors non-blocking, and stdin
  and stdout usually share one open file with the user's shell.
- Windows: the console's virtual-terminal input (ENABLE_VIRTUAL_TERMINAL_INPUT), so keys
  arrive as the same VT sequences a Unix terminal sends whatever the keyboard layout;
  characters are read with ReadConsoleW (UTF-16) and passed on as UTF-8, and output is
  written as UTF-8 with VT processing on. Windows has no SIGWINCH: the size is polled.
- stdin that is not a terminal (a pipe, a file): no raw mode and no size; bytes pass as
  they are.

Nothing here knows the data channel: `shell.py` joins the two.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
import stat
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

READ_SIZE = 4096
SIZE_POLL_S = 0.5  # Windows: how often the console's size is compared (the plugin's 500 ms)

# Console modes (wincon.h), named for the pure functions below and their tests.
ENABLE_PROCESSED_INPUT = 0x0001
ENABLE_LINE_INPUT = 0x0002
ENABLE_ECHO_INPUT = 0x0004
ENABLE_VIRTUAL_TERMINAL_INPUT = 0x0200
ENABLE_PROCESSED_OUTPUT = 0x0001
ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004
DISABLE_NEWLINE_AUTO_RETURN = 0x0008
CP_UTF8 = 65001

Read = Callable[[], Awaitable[bytes]]
Write = Callable[[bytes], Awaitable[None]]
Size = tuple[int, int]  # (cols, rows)


class LocalTerminal(Protocol):
    """What a shell session needs from the user's side."""

    @property
    def is_terminal(self) -> bool:
        """stdin is an interactive terminal (raw mode, size messages)."""
        ...

    def enter(self) -> None:
        """Raw mode (a terminal only). Always pair with `restore` in a `finally`."""

    def restore(self) -> None:
        """Undo `enter` and any non-blocking mode asyncio set; safe to call twice."""

    def size(self) -> Size | None:
        """(cols, rows), or None when stdin is not a terminal or the size is unknown."""

    async def open(self) -> tuple[Read, Write, Write]:
        """(read stdin, write stdout, write stderr); read returns b"" at the end."""
        ...

    def watch_size(self, changed: Callable[[Size], None]) -> None:
        """Call `changed` with every new size until `restore`."""


class PosixTerminal:
    def __init__(self, in_fd: int = 0, out_fd: int = 1, err_fd: int = 2) -> None:
        self._in_fd, self._out_fd, self._err_fd = in_fd, out_fd, err_fd
        self._is_terminal = os.isatty(in_fd)
        self._saved_attributes: list[Any] | None = None
        self._saved_blocking = {fd: os.get_blocking(fd) for fd in {in_fd, out_fd, err_fd}}
        self._closers: list[Callable[[], None]] = []
        self._watching = False

    @property
    def is_terminal(self) -> bool:
        return self._is_terminal

    def enter(self) -> None:
        if not self._is_terminal:
            return
        import termios  # noqa: PLC0415 - POSIX only
        import tty  # noqa: PLC0415

        self._saved_attributes = termios.tcgetattr(self._in_fd)
        tty.setraw(self._in_fd, termios.TCSANOW)

    def restore(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()
        if self._watching:
            self._watching = False
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                asyncio.get_running_loop().remove_signal_handler(signal.SIGWINCH)
        for fd, blocking in self._saved_blocking.items():
            with contextlib.suppress(OSError):
                os.set_blocking(fd, blocking)
        if self._saved_attributes is not None:
            import termios  # noqa: PLC0415

            with contextlib.suppress(termios.error):
                termios.tcsetattr(self._in_fd, termios.TCSADRAIN, self._saved_attributes)
            self._saved_attributes = None

    def size(self) -> Size | None:
        if not self._is_terminal:
            return None
        for fd in (self._out_fd, self._in_fd):
            with contextlib.suppress(OSError):
                columns, lines = os.get_terminal_size(fd)
                if columns > 0 and lines > 0:
                    return columns, lines
        return None

    async def open(self) -> tuple[Read, Write, Write]:
        read = await self._reader(self._in_fd)
        return read, await self._writer(self._out_fd), await self._writer(self._err_fd)

    def watch_size(self, changed: Callable[[Size], None]) -> None:
        if not self._is_terminal:
            return

        def on_sigwinch() -> None:
            size = self.size()
            if size is not None:
                changed(size)

        asyncio.get_running_loop().add_signal_handler(signal.SIGWINCH, on_sigwinch)
        self._watching = True

    async def _reader(self, fd: int) -> Read:
        if _is_regular_file(fd):  # asyncio's pipes refuse files; reading one never blocks
            return lambda: _read_quietly(fd)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        self._closers.append(transport.close)

        async def read() -> bytes:
            try:
                return await reader.read(READ_SIZE)
            except OSError:  # EIO: the terminal hung up
                return b""

        return read

    async def _writer(self, fd: int) -> Write:
        if _is_regular_file(fd):
            return lambda data: _write_all_blocking(fd, data)
        loop = asyncio.get_running_loop()
        pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, pipe)
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        self._closers.append(transport.close)

        async def write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        return write


def _is_regular_file(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


async def _read_quietly(fd: int) -> bytes:
    try:
        return os.read(fd, READ_SIZE)
    except OSError:
        return b""


async def _write_all_blocking(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


async def _write_all_in_thread(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = await asyncio.to_thread(os.write, fd, view)
        view = view[written:]


# --- Windows ------------------------------------------------------------------------------


def console_input_mode(mode: int) -> int:
    """The input mode for a shell: no line editing, echo or Ctrl-C processing (the remote
    pty does those), and keys as VT sequences."""
    cooked = ENABLE_PROCESSED_INPUT | ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT
    return (mode & ~cooked) | ENABLE_VIRTUAL_TERMINAL_INPUT


def console_output_mode(mode: int) -> int:
    """The output mode for a shell: VT sequences interpreted; a line feed moves down only,
    as on a Unix terminal (the remote pty already sends CR LF)."""
    return (
        mode
        | ENABLE_PROCESSED_OUTPUT
        | ENABLE_VIRTUAL_TERMINAL_PROCESSING
        | (DISABLE_NEWLINE_AUTO_RETURN)
    )


class Utf16ToUtf8:
    """ReadConsoleW's UTF-16 code units → UTF-8 bytes. A surrogate pair split across two
    reads (an emoji typed as the buffer filled) is held until its second half comes; an
    unpaired half becomes U+FFFD rather than an error."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-16-le")(errors="replace")

    def feed(self, units: bytes) -> bytes:
        return self._decoder.decode(units).encode("utf-8")


class WindowsConsole:
    """The Windows console, or plain pipes when stdin is not one. Not testable here: the
    pure parts above are; this class only calls the console API with them."""

    def __init__(self) -> None:
        import ctypes  # noqa: PLC0415 - Windows only
        import ctypes.wintypes  # noqa: PLC0415

        self._ctypes = ctypes
        windll: Any = getattr(ctypes, "windll")  # noqa: B009 - absent on POSIX (mypy)
        self._kernel32: Any = windll.kernel32
        wintypes = ctypes.wintypes
        # HANDLEs are pointer-sized: ctypes' default int result would cut them on 64 bits.
        self._kernel32.GetStdHandle.restype = wintypes.HANDLE
        self._kernel32.GetConsoleMode.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        self._kernel32.SetConsoleMode.argtypes = (wintypes.HANDLE, wintypes.DWORD)
        self._kernel32.ReadConsoleW.argtypes = (
            wintypes.HANDLE,
            wintypes.LPVOID,
            wintypes.DWORD,
            ctypes.POINTER(wintypes.DWORD),
            wintypes.LPVOID,
        )
        self._in = self._kernel32.GetStdHandle(-10)
        self._out = self._kernel32.GetStdHandle(-11)
        self._in_mode = self._console_mode(self._in)
        self._out_mode = self._console_mode(self._out)
        self._code_pages: tuple[int, int] | None = None
        self._watch: asyncio.Task[None] | None = None

    @property
    def is_terminal(self) -> bool:
        return self._in_mode is not None

    def _console_mode(self, handle: Any) -> int | None:
        mode = self._ctypes.wintypes.DWORD()
        if not self._kernel32.GetConsoleMode(handle, self._ctypes.byref(mode)):
            return None
        return int(mode.value)

    def enter(self) -> None:
        self._code_pages = (self._kernel32.GetConsoleCP(), self._kernel32.GetConsoleOutputCP())
        self._kernel32.SetConsoleOutputCP(CP_UTF8)
        if self._in_mode is not None:
            self._kernel32.SetConsoleMode(self._in, console_input_mode(self._in_mode))
        if self._out_mode is not None:
            self._kernel32.SetConsoleMode(self._out, console_output_mode(self._out_mode))

    def restore(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._in_mode is not None:
            self._kernel32.SetConsoleMode(self._in, self._in_mode)
        if self._out_mode is not None:
            self._kernel32.SetConsoleMode(self._out, self._out_mode)
        if self._code_pages is not None:
            self._kernel32.SetConsoleOutputCP(self._code_pages[1])
            self._code_pages = None

    def size(self) -> Size | None:
        if not self.is_terminal:
            return None
        with contextlib.suppress(OSError):
            columns, lines = os.get_terminal_size(sys.stdout.fileno())
            return columns, lines
        return None

    async def open(self) -> tuple[Read, Write, Write]:
        out_fd, err_fd = sys.stdout.fileno(), sys.stderr.fileno()

        async def write_out(data: bytes) -> None:
            await _write_all_in_thread(out_fd, data)

        async def write_err(data: bytes) -> None:
            await _write_all_in_thread(err_fd, data)

        if not self.is_terminal:
            in_fd = sys.stdin.fileno()
            return (lambda: asyncio.to_thread(_read_or_end, in_fd)), write_out, write_err
        decoder = Utf16ToUtf8()

        async def read() -> bytes:
            while True:
                units = await asyncio.to_thread(self._read_console)
                if not units:
                    return b""
                data = decoder.feed(units)
                if data:  # half a surrogate pair: wait for the other half
                    return data

        return read, write_out, write_err

    def _read_console(self) -> bytes:
        """One ReadConsoleW: up to 1,024 UTF-16 code units as bytes; b"" when it fails."""
        units = 1024
        buffer = self._ctypes.create_unicode_buffer(units)
        count = self._ctypes.wintypes.DWORD()
        ok = self._kernel32.ReadConsoleW(self._in, buffer, units, self._ctypes.byref(count), None)
        if not ok:
            return b""
        raw: bytes = self._ctypes.string_at(buffer, count.value * 2)
        return raw

    def watch_size(self, changed: Callable[[Size], None]) -> None:
        if not self.is_terminal:
            return

        async def poll() -> None:
            last = self.size()
            while True:
                await asyncio.sleep(SIZE_POLL_S)
                size = self.size()
                if size is not None and size != last:
                    last = size
                    changed(size)

        self._watch = asyncio.get_running_loop().create_task(poll())


def _read_or_end(fd: int) -> bytes:
    try:
        return os.read(fd, READ_SIZE)
    except OSError:
        return b""


def this_process_terminal() -> LocalTerminal:
    """The terminal (or pipes) this process was given."""
    if os.name == "nt":
        return WindowsConsole()
    return PosixTerminal(sys.stdin.fileno(), sys.stdout.fileno(), sys.stderr.fileno())
