"""The one owner of the settings file: load and save `Settings` as JSON.

Lives in the platform's config directory (platformdirs); written atomically (temp file +
os.replace) so a crash mid-write never loses the previous settings. A malformed file (not
UTF-8, not JSON, not an object, or larger than `MAX_SETTINGS_BYTES`) is kept aside as
`settings.json.broken` and the defaults are used, with a message saying so. Loading never
raises and never blocks: what is not a regular file (a FIFO, a folder, a device) is not read,
and is left where it is, with a message.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import platformdirs

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.settings import Loaded, Settings, from_dict, to_dict
from ssmgui.services.private_paths import write_privately

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
#: Settings with hundreds of favourites take a few kilobytes.
MAX_SETTINGS_BYTES = 4 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def default_directory() -> Path:
    return Path(platformdirs.user_config_dir("ssmgui", appauthor=False))


class SettingsStore:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory or default_directory()

    @property
    def path(self) -> Path:
        return self._directory / FILE_NAME

    def load(self) -> Loaded:
        """The saved settings, or the defaults with `problems` saying why."""
        try:
            data = _read_small_regular_file(self.path)
        except FileNotFoundError:
            return Loaded(Settings())
        except OSError as exc:
            return Loaded(Settings(), (f"Could not read {self.path} ({_reason(exc)}).",))
        try:
            parsed = json.loads(data.decode("utf-8")) if data is not None else None
        except ValueError:  # not UTF-8 (UnicodeDecodeError) or not JSON
            parsed = None
        if not isinstance(parsed, dict):
            return Loaded(Settings(), (self._keep_aside(),))
        return from_dict(parsed)

    def _keep_aside(self) -> str:
        """Moves a malformed file out of the way; says what happened."""
        broken = self.path.with_name(FILE_NAME + ".broken")
        try:
            os.replace(self.path, broken)
        except OSError as exc:
            log.warning("settings file was malformed and could not be moved aside")
            return (
                f"{self.path} is malformed and could not be kept aside ({_reason(exc)}); "
                "defaults apply until it is fixed or removed."
            )
        log.warning("settings file was malformed; kept as %s", broken)
        return f"{self.path} was malformed; it was kept as {broken.name} and defaults apply."

    def save(self, settings: Settings) -> None:
        text = json.dumps(to_dict(settings), indent=2, sort_keys=True)
        try:
            write_privately(self.path, text)
        except OSError as exc:
            raise ConfigurationError(
                f"Could not save settings to {self.path} ({exc.strerror}). Check that the "
                "folder is writable."
            ) from None


class NotARegularFileError(OSError):
    """The settings path names a FIFO, a folder or a device."""


def _read_small_regular_file(path: Path) -> bytes | None:
    """The file's bytes; None when it is larger than `MAX_SETTINGS_BYTES`. Raises OSError,
    `NotARegularFileError` for a FIFO, folder or device (opened without waiting, so a FIFO
    is noticed rather than waited on)."""
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode):
            raise NotARegularFileError(path)
        if found.st_size > MAX_SETTINGS_BYTES:
            return None
        data = os.read(descriptor, MAX_SETTINGS_BYTES + 1)
        while len(data) <= MAX_SETTINGS_BYTES and (more := os.read(descriptor, 1024 * 1024)):
            data += more
        return data if len(data) <= MAX_SETTINGS_BYTES else None
    finally:
        os.close(descriptor)


def _reason(exc: OSError) -> str:
    """An OS error in words; never its text, which repeats the path."""
    if isinstance(exc, NotARegularFileError):
        return "it is not a regular file, so it is left as it is"
    return exc.strerror or type(exc).__name__


SettingsListener = Callable[[Settings], None]


class SettingsService:
    """The one in-memory owner of the current settings; every change is saved at once.

    The GUI's dialog and the tunnel manager (remembered ports) both change settings: one
    owner means neither overwrites the other with a stale copy. `store=None` keeps them in
    memory only (tests, the demo).
    """

    def __init__(self, store: SettingsStore | None) -> None:
        self._store = store
        loaded = store.load() if store is not None else Loaded(Settings())
        self.current = loaded.settings
        self.problems = loaded.problems
        self._listeners: list[SettingsListener] = []

    def subscribe(self, listener: SettingsListener) -> None:
        self._listeners.append(listener)

    def update(self, settings: Settings) -> None:
        if self._store is not None:
            self._store.save(settings)
        self.current = settings
        for listener in list(self._listeners):
            listener(settings)
