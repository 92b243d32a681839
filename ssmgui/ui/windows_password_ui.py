"""The Windows password as a person gets it: a key file chosen once, the password on the
clipboard for a while, and a word saying until when.

`WindowsPasswordUi` answers the controller's `key_file_needed` with a file dialog (opened
with `open()`, never `exec()`: a nested event loop would break qasync) and its
`password_ready` with `SecretClipboard.copy`; a key with a passphrase asks for it,
hidden. The password (and the passphrase) is never shown, logged or kept beyond the
clipboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QWidget

from ssmgui.core.instance import Instance
from ssmgui.ui.controller import AppController, Notice

#: As `pass -c`: long enough to paste into a login box, short enough to be forgotten.
CLEAR_AFTER_S = 45
#: KDE's (and other clipboard managers') hint to keep a copied secret out of their history.
PASSWORD_MANAGER_HINT = "x-kde-passwordManagerHint"  # noqa: S105 - a MIME type
KEY_FILE_FILTERS = ("Private keys (*.pem *.key)", "All files (*)")


class SecretClipboard:
    """Puts a secret on the clipboard and takes it off after `clear_after_s`, or at once with
    `clear()` (on quit) — unless the person has copied something else meanwhile."""

    def __init__(self, clear_after_s: float = CLEAR_AFTER_S) -> None:
        self.clear_after_s = clear_after_s
        self._secret = ""
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    def copy(self, secret: str) -> datetime:
        """Copy `secret`; returns when it will be cleared (local time)."""
        mime = QMimeData()
        mime.setText(secret)
        mime.setData(PASSWORD_MANAGER_HINT, b"secret")
        QGuiApplication.clipboard().setMimeData(mime)
        self._secret = secret
        self._timer.start(int(self.clear_after_s * 1000))
        return datetime.now().astimezone() + timedelta(seconds=self.clear_after_s)

    @property
    def holding(self) -> bool:
        """A secret of ours is waiting to be cleared."""
        return bool(self._secret)

    def clear(self) -> None:
        self._timer.stop()
        secret, self._secret = self._secret, ""
        clipboard = QGuiApplication.clipboard()
        if secret and clipboard.text() == secret:
            clipboard.clear()


class WindowsPasswordUi:
    """Wires the controller's password requests to a key-file dialog and the clipboard.

    `key_folder` is where the file dialog starts when no key was chosen before (the demo
    points it at its own key); else the folder of the last key chosen, ~/.ssh, or home.
    """

    def __init__(
        self,
        controller: AppController,
        parent: Callable[[], QWidget | None],
        clipboard: SecretClipboard | None = None,
    ) -> None:
        self._controller = controller
        self._parent = parent
        self.clipboard = clipboard or SecretClipboard()
        self.key_folder: Path | None = None
        self.dialog: QFileDialog | None = None  # the key-file dialog while it is open
        self.passphrase_dialog: QInputDialog | None = None  # the passphrase's, while open
        controller.key_file_needed.connect(self.ask_key_file)
        controller.passphrase_needed.connect(self.ask_passphrase)
        controller.password_ready.connect(self._copy)

    def request(self, instance: Instance) -> None:
        """ "Get Windows password…" for `instance` (menus call this)."""
        self._controller.spawn(self._controller.windows_password(instance))

    def ask_key_file(self, instance: Instance, key_name: str) -> None:
        pair = f"key pair '{key_name}'" if key_name else "its key pair"
        dialog = QFileDialog(self._parent(), f"Private key of {pair} for {instance.display_name}")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(list(KEY_FILE_FILTERS))
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Decrypt")
        dialog.setDirectory(str(self._start_folder()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self._chosen(instance, Path(path)))
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _closed(self, _result: int) -> None:
        self.dialog = None

    def ask_passphrase(self, instance: Instance, key_file: Path) -> None:
        """The key file's passphrase, typed hidden; used once and never kept."""
        dialog = QInputDialog(self._parent())
        dialog.setWindowTitle(f"Passphrase of {key_file.name}")
        dialog.setLabelText(f"{key_file} is protected by a passphrase. Enter it to decrypt:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda text: self._controller.spawn(
                self._controller.windows_password(instance, key_file, text.encode())
            )
        )
        dialog.finished.connect(self._passphrase_closed)
        self.passphrase_dialog = dialog
        dialog.open()

    def _passphrase_closed(self, _result: int) -> None:
        self.passphrase_dialog = None

    def _chosen(self, instance: Instance, key_file: Path) -> None:
        self._controller.spawn(self._controller.windows_password(instance, key_file))

    def _start_folder(self) -> Path:
        remembered = [Path(p).parent for p in self._controller.settings.key_files.values()]
        ssh = Path.home() / ".ssh"
        for folder in (*remembered[-1:], self.key_folder, ssh):
            if folder is not None and folder.is_dir():
                return folder
        return Path.home()

    def _copy(self, instance: Instance, password: str) -> None:
        cleared_at = self.clipboard.copy(password)
        user = self._controller.settings.rdp_user or "Administrator"
        self._controller.notify.emit(
            Notice(
                f"Windows password of {instance.display_name} copied",
                f"The password of {user} is on the clipboard until {cleared_at:%H:%M:%S} "
                f"({self.clipboard.clear_after_s:g} s); then ssmgui clears it.",
                stays=True,  # in the window too: the tray's balloon is gone in seconds
            )
        )
