"""ISO week labels (``2026-W10``): the unit every weekly figure and sample is filed under."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo


def week_label(moment: date, zone: tzinfo = UTC) -> str:
    """Return the ISO week label of a date, or of an instant as seen in ``zone``."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def monday(week: str) -> date:
    """Return the Monday of an ISO week label."""
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
