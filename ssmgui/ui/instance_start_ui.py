"""Start and connect: a stopped EC2 instance started, waited for, then connected to.

`InstanceStartUi.request(instance, kind)` shows a progress dialog (opened with `show()`,
never `exec()`: a nested event loop would break qasync) whose text follows the start
(services/launch/instance_start.py) and whose Cancel stops the waiting — EC2 goes on
starting the instance, and a notice says so. Once Session Manager reports the instance
connected, the chosen connection opens as from the instance menu and the inventory is
refreshed so the row shows it online. Failures go to the controller's error door.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance, PingStatus
from ssmgui.core.tunnel import TunnelKind
from ssmgui.ui.controller import AppController, Notice

log = logging.getLogger(__name__)


class InstanceStartUi:
    """Runs "Start and connect" for the views (instance menu and tray)."""

    def __init__(self, controller: AppController, parent_for: Callable[[], QWidget | None]):
        self._controller = controller
        self._parent_for = parent_for
        self.dialogs: dict[str, QProgressDialog] = {}  # instance id → its open dialog
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self, instance: Instance, kind: TunnelKind) -> None:
        """Start `instance`, then open a `kind` connection to it; one start per instance."""
        if instance.instance_id in self.dialogs:
            self.dialogs[instance.instance_id].raise_()
            return
        dialog = QProgressDialog(
            f"Starting {instance.display_name}…", "Cancel", 0, 0, self._parent_for()
        )
        dialog.setWindowTitle(f"Start and connect: {instance.display_name}")
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(460)  # the title (the instance's name) and the longest step
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs[instance.instance_id] = dialog
        task = asyncio.get_running_loop().create_task(self._run(instance, kind, dialog))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        dialog.canceled.connect(task.cancel)
        dialog.show()

    async def _run(self, instance: Instance, kind: TunnelKind, dialog: QProgressDialog) -> None:
        controller = self._controller
        try:
            if controller.starter is None:
                raise SsmGuiError("This ssmgui cannot start instances.")
            await controller.starter.start(
                instance.profile, instance.region, instance.instance_id, dialog.setLabelText
            )
        except asyncio.CancelledError:
            controller.notify.emit(
                Notice(
                    instance.display_name,
                    "Stopped waiting. EC2 goes on starting it: refresh in a while.",
                )
            )
            return
        except SsmGuiError as exc:
            controller.failed.emit(exc)
            return
        finally:
            self.dialogs.pop(instance.instance_id, None)
            dialog.canceled.disconnect()  # closing emits canceled: it must not cancel us
            dialog.close()
        online = dataclasses.replace(instance, state="running", ping_status=PingStatus.ONLINE)
        controller.spawn(controller.refresh())  # the row shows it online
        await controller.open_tunnel(online, kind)

    async def close(self) -> None:
        """Stop waiting for every start (on quit)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
