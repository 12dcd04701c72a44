"""Filtering and ordering the dashboard's rows, for the page, its API and exports alike."""

from __future__ import annotations

from .rows import AT_RISK, STATES, ParticipantRow


def filter_rows(
    rows: tuple[ParticipantRow, ...] | list[ParticipantRow],
    *,
    state: str = "",
    country: str = "",
    organisation_type: str = "",
    search: str = "",
) -> list[ParticipantRow]:
    """The rows matching every filter given (an empty one matches all); `search` looks in
    names and email addresses, ignoring case."""
    needle = search.strip().casefold()
    return [
        row
        for row in rows
        if (not state or (row.at_risk if state == AT_RISK else row.state == state))
        and (not country or row.country == country)
        and (not organisation_type or row.organisation_type == organisation_type)
        and (not needle or needle in row.name.casefold() or needle in row.email.casefold())
    ]


def sort_rows(
    rows: list[ParticipantRow], *, key: str = "name", descending: bool = False
) -> list[ParticipantRow]:
    """Rows in the order of one of SORTS (by name within equals); never-active participants
    come last when sorting by activity, whichever the direction."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.email))
    if key == "name":
        return list(reversed(by_name)) if descending else by_name
    if key == "activity":
        active = [r for r in by_name if r.last_activity_at is not None]
        never = [r for r in by_name if r.last_activity_at is None]
        return sorted(active, key=lambda r: r.last_activity_at, reverse=descending) + never
    sort_key = {
        "email": lambda r: r.email,
        "progress": lambda r: r.percent,
        "state": lambda r: (not r.at_risk, list(STATES).index(r.state)),
    }[key]
    return sorted(by_name, key=sort_key, reverse=descending)
