"""The one owner of the settings file: load and save `Settings` as JSON.

Lives in the platform's config directory (platformdirs); written atomically (temp file +
os.replace) so a crash mid-write never loses the previous settings. A malformed file is
kept aside as `settings.json.broken` and the defaults are used, with a message saying so.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import platformdirs

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.settings import Loaded, Settings, from_dict, to_dict
from ssmgui.services.private_paths import private_directory

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"


def default_directory() -> Path:
    return Path(platformdirs.user_config_dir("ssmgui", appauthor=False))


class SettingsStore:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory or default_directory()

    @property
    def path(self) -> Path:
        return self._directory / FILE_NAME

    def load(self) -> Loaded:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Loaded(Settings())
        except OSError as exc:
            return Loaded(Settings(), (f"Could not read {self.path} ({exc.strerror}).",))
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not an object")
        except (ValueError, TypeError):
            broken = self.path.with_name(FILE_NAME + ".broken")
            os.replace(self.path, broken)
            log.warning("settings file was malformed; kept as %s", broken)
            return Loaded(
                Settings(),
                (f"{self.path} was malformed; it was kept as {broken.name} and defaults apply.",),
            )
        return from_dict(data)

    def save(self, settings: Settings) -> None:
        text = json.dumps(to_dict(settings), indent=2, sort_keys=True)
        try:
            private_directory(self._directory)
            handle, temp = tempfile.mkstemp(dir=self._directory, prefix=".settings-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, self.path)
        except OSError as exc:
            raise ConfigurationError(
                f"Could not save settings to {self.path} ({exc.strerror}). Check that the "
                "folder is writable."
            ) from None


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
