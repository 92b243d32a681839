"""Filter and sort the instances table (issue #17, journey 3)."""

from __future__ import annotations

from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

FILTER_TERM = "web"


async def filter_and_sort(person: Person) -> None:
    """Typing into the filter narrows the rows to those that match; clearing it shows all
    again; a click on the Instance ID header sorts by id, a second click reverses it."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    table = await steps.filter_for(person, FILTER_TERM)
    shown = table.model().rowCount()
    person.record("rows_matching_web", shown)
    await person.check(shown > 0, f"some rows match {FILTER_TERM!r}")
    in_view = person.rows(table)
    await person.check(
        all(FILTER_TERM in " ".join(row).lower() for row in in_view),
        f"every row in view to contain {FILTER_TERM!r}: {in_view[:3]}",
    )
    await person.screenshot("filtered for web")
    field = steps.filter_field(person)
    assert field is not None
    await person.replace_text(field, "")
    await steps.full_list(person, timeout=5)

    column = steps.column_of(table, "Instance ID")
    before = person.rows_in_view(table, column)
    await person.click(person.header_section(table, column))
    ascending = await person.wait_until(
        lambda: _changed(person.rows_in_view(table, column), before), 5, "the rows to sort"
    )
    await person.check(ascending == sorted(ascending), f"ids ascending: {ascending[:5]}")
    await person.screenshot("sorted by instance id")
    await person.click(person.header_section(table, column))
    descending = await person.wait_until(
        lambda: _changed(person.rows_in_view(table, column), ascending), 5, "the order to reverse"
    )
    await person.check(
        descending == sorted(descending, reverse=True), f"ids descending: {descending[:5]}"
    )
    await person.screenshot("sorted by instance id, descending")


def _changed(now: list[str], before: list[str]) -> list[str] | None:
    return now if now and now != before else None
