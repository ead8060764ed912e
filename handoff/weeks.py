"""ISO week labels (``2026-W10``): the unit every weekly figure and sample is filed under."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")
# For JSON Schema and OpenAPI; is_week also checks that the week exists.
WEEK_PATTERN = f"^{_WEEK.pattern}$"


def week_label(moment: date, zone: tzinfo = UTC) -> str:
    """Return the ISO week label of a date, or of an instant as seen in ``zone``."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def monday(week: str) -> date:
    """Return the Monday of an ISO week label."""
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def is_week(text: str) -> bool:
    """Tell whether ``text`` names a real ISO week between 2000 and 2199 (``2026-W05``)."""
    if not _WEEK.fullmatch(text) or not 2000 <= int(text[:4]) <= 2199:
        return False
    try:
        monday(text)
    except ValueError:
        return False
    return True
