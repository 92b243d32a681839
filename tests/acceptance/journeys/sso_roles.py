"""Every IAM Identity Center account and role (issue #19): the demo's profile
demo-sso-sandbox waits for its sign-in, and the notice bar's "Sign in…" signs in (the demo's
sign-in page, no browser window) and lists its account's instances; in Settings → IAM Identity
Center, "List accounts and roles" signs in to the demo's IAM Identity Center (its sign-in
page completes in the demo's browser, PKCE checked) and lists its four accounts with the
person's roles, none ticked; one role ticked (demo-production / Ops) and OK, its account's
instances join the list under `demo-sso:demo-production/Ops`, and the filter finds them by
the account's name."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTableView, QTreeWidget, QTreeWidgetItem

from ssmgui.demo.desktop.sso import PER_ACCOUNT, SSO_PROFILE
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

SESSION, ACCOUNT, ROLE = "demo-sso", "demo-production", "Ops"
LABEL = f"{SESSION}:{ACCOUNT}/{ROLE}"
ACCOUNT_INSTANCES = 4


async def pick_a_role(person: Person) -> None:
    window = await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await person.wait_until(
        lambda: person.sees(f"{SSO_PROFILE}: sign in to IAM Identity Center", window),
        20, f"the bar offering {SSO_PROFILE}'s sign-in",
    )  # fmt: skip
    await person.screenshot(f"{SSO_PROFILE} waits for its sign-in")
    await person.click_button("Sign in…", window=window)
    clicked = time.monotonic()
    table = await steps.full_list(person)
    await person.wait_until(
        lambda: len(_rows_of(person, table, SSO_PROFILE)) == PER_ACCOUNT,
        20, f"{PER_ACCOUNT} instances listed under {SSO_PROFILE}",
    )  # fmt: skip
    person.record("bar_sign_in_to_rows_s", round(time.monotonic() - clicked, 3))
    await person.screenshot(f"signed in from the bar: {SSO_PROFILE}'s instances")
    dialog = await steps.open_settings_from_tray(person)
    await person.click_tab("IAM Identity Center", window=dialog)
    await person.click_button("List accounts and roles", window=dialog)
    clicked = time.monotonic()
    item = await person.wait_until(
        lambda: _role_item(person, dialog), 20, f"{ACCOUNT}'s role {ROLE} in the list"
    )
    person.record("sign_in_to_accounts_listed_s", round(time.monotonic() - clicked, 3))
    tree = item.treeWidget()
    await person.check(not _ticked(tree), "no role ticked before the person ticks one")
    await person.screenshot("accounts and roles, none ticked")
    rect = tree.visualItemRect(item)
    await person.click(tree.viewport().mapToGlobal(rect.center()))
    await person.key("space")  # ticks the current item, as for any checkable list item
    await person.wait_until(lambda: _ticked(tree) == [ROLE], 5, f"{ROLE} to be ticked")
    await person.screenshot(f"{ACCOUNT} {ROLE} ticked")
    await person.click_button("OK", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the Settings dialog to close")

    table = await steps.full_list(person)
    await person.wait_until(
        lambda: len(_rows_of(person, table)) == ACCOUNT_INSTANCES,
        20, f"{ACCOUNT_INSTANCES} instances listed under {LABEL}",
    )  # fmt: skip
    table = await steps.filter_for(person, ACCOUNT)
    await person.wait_until(
        lambda: table.model().rowCount() == ACCOUNT_INSTANCES, 5, f"only {ACCOUNT}'s rows"
    )
    profile = steps.column_of(table, "Profile")
    shown = {row[profile] for row in person.rows(table)}
    await person.check(shown == {LABEL}, f"the rows to name {LABEL} (they name {shown})")
    await person.screenshot(f"filtered to {ACCOUNT}")


def _tree(person: Person, dialog: QDialog) -> QTreeWidget | None:
    return next(iter(person.find(QTreeWidget, window=dialog)), None)


def _role_items(tree: QTreeWidget) -> list[tuple[str, QTreeWidgetItem]]:
    """(account line, role item) for every role the tree shows."""
    found = []
    for index in range(tree.topLevelItemCount()):
        account = tree.topLevelItem(index)
        if account is None:
            continue
        for child in range(account.childCount()):
            role = account.child(child)
            if role is not None:
                found.append((account.text(0), role))
    return found


def _role_item(person: Person, dialog: QDialog) -> QTreeWidgetItem | None:
    tree = _tree(person, dialog)
    if tree is None:
        return None
    return next(
        (role for account, role in _role_items(tree)
         if f": {ACCOUNT} (" in account and role.text(0) == ROLE),
        None,
    )  # fmt: skip


def _ticked(tree: QTreeWidget) -> list[str]:
    return [
        role.text(0) for _, role in _role_items(tree) if role.checkState(0) == Qt.CheckState.Checked
    ]


def _rows_of(person: Person, table: QTableView, label: str = LABEL) -> list[int]:
    model = table.model()
    profile = steps.column_of(table, "Profile")
    return [row for row in range(model.rowCount()) if model.index(row, profile).data() == label]
