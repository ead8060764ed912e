"""ISO week labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from handoff.weeks import is_week, monday, week_label


def test_an_instant_is_labelled_in_the_given_zone():
    """Is a Sunday-evening UTC instant already next week in Europe/Berlin?"""
    sunday_night = datetime(2026, 2, 1, 23, 30, tzinfo=UTC)
    assert week_label(sunday_night) == "2026-W05"
    assert week_label(sunday_night, ZoneInfo("Europe/Berlin")) == "2026-W06"


def test_a_date_near_new_year_takes_its_iso_year():
    """Is 2027-01-01 (a Friday) in 2026-W53, and is that week's Monday found again?"""
    assert week_label(date(2027, 1, 1)) == "2026-W53"
    assert monday("2026-W53") == date(2026, 12, 28)


def test_is_week_takes_real_iso_weeks_only():
    """Are real weeks accepted, and a 53rd week only in a year that has one?"""
    assert is_week("2026-W05") and is_week("2026-W53") and not is_week("2027-W53")
    for wrong in ("2026-W5", "2026-W00", "1999-W10", "2026-W05\n", "٢٠٢٦-W05", "2026-w05", ""):
        assert not is_week(wrong), wrong
