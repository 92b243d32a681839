"""Settings → IAM Identity Center: which (account, role) pairs of each SSO sign-in to list
as if they were profiles.

"List accounts and roles" asks the portal (signing in first in the browser when the
sign-in is missing or ended) and shows each account with the person's roles, unticked: by
default nothing new is listed, however many accounts there are. An account that refuses
to list its roles says so on its own line. Pairs chosen before are shown ticked from the
start, so they can be unticked without listing anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.sso_roles import ChosenRole, chosen_roles
from ssmgui.services.identity.sso_accounts import AccountRoles

ListAccounts = Callable[[str], Awaitable[list[AccountRoles]]]
Spawn = Callable[[Coroutine[Any, Any, None]], object]
_KEY = Qt.ItemDataRole.UserRole


class SsoRolesPage(QWidget):
    """`sessions`: the config's sso-session names; `chosen`: the settings' lines
    (core/sso_roles.py); `list_accounts(session)` lists (and signs in); `spawn` runs it on
    the GUI's loop. `chosen_keys()` is the result."""

    def __init__(
        self,
        sessions: Iterable[str],
        chosen: Iterable[str],
        list_accounts: ListAccounts,
        spawn: Spawn,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._list_accounts, self._spawn = list_accounts, spawn
        self._accounts: dict[tuple[str, str], QTreeWidgetItem] = {}  # (session, account id)
        self._roles: dict[str, QTreeWidgetItem] = {}  # settings line → its role's item
        self.session_choice = QComboBox()
        self.session_choice.addItems(list(sessions))
        self.list_button = QPushButton("List accounts and roles")
        self.list_button.setEnabled(self.session_choice.count() > 0)
        self.list_button.clicked.connect(self._list)
        self.status = QLabel(
            "Tick the roles to list as if they were profiles. Listing signs in to IAM "
            "Identity Center in your browser when needed."
            if self.session_choice.count()
            else "No [sso-session …] in your AWS config: run aws configure sso-session."
        )
        self.status.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        top = QHBoxLayout()
        top.addWidget(self.session_choice, 1)
        top.addWidget(self.list_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        for role in chosen_roles(chosen):
            self._role_item(role).setCheckState(0, Qt.CheckState.Checked)

    def chosen_keys(self) -> tuple[str, ...]:
        """The settings' lines of the ticked roles, in the tree's order."""
        return tuple(
            key for key, item in self._roles.items() if item.checkState(0) == Qt.CheckState.Checked
        )

    def role_item(self, label: str) -> QTreeWidgetItem | None:
        """The item of the role whose label (`corp:Account/Role`) is `label`."""
        for key, item in self._roles.items():
            role = ChosenRole.from_key(key)
            if role is not None and role.label == label:
                return item
        return None

    def _list(self) -> None:
        session = self.session_choice.currentText()
        self.list_button.setEnabled(False)
        self.status.setText(f"Listing the accounts of {session}… (sign in in your browser)")
        self._spawn(self._listed(session))

    async def _listed(self, session: str) -> None:
        try:
            accounts = await self._list_accounts(session)
        except SsmGuiError as exc:
            self.status.setText(exc.user_message)
            return
        finally:
            self.list_button.setEnabled(True)
        for found in accounts:
            self._show_account(session, found)
        self.tree.expandAll()
        self.status.setText(f"{session}: {len(accounts)} accounts. Tick the roles to list.")

    def _show_account(self, session: str, found: AccountRoles) -> None:
        account = found.account
        item = self._account_item(session, account.account_id, account.name)
        if found.problem is not None:
            item.setText(0, f"{item.text(0)} — {found.problem.user_message}")
            item.setDisabled(True)
        for role in found.roles:
            self._role_item(ChosenRole(session, account.account_id, role, account.name))

    def _account_item(self, session: str, account_id: str, name: str) -> QTreeWidgetItem:
        key = (session, account_id)
        if key not in self._accounts:
            text = f"{session}: {name} ({account_id})" if name else f"{session}: {account_id}"
            self._accounts[key] = QTreeWidgetItem(self.tree, [text])
        return self._accounts[key]

    def _role_item(self, role: ChosenRole) -> QTreeWidgetItem:
        if role.key not in self._roles:
            parent = self._account_item(role.session, role.account_id, role.account_name)
            item = QTreeWidgetItem(parent, [role.role])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, _KEY, role.key)
            item.setToolTip(0, f"Listed as {role.label}")
            self._roles[role.key] = item
        return self._roles[role.key]
