"""Dates: shown in the event's own zone, read from a datetime-local field as wall time in that zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest

from khala.lib import dates


def test_dates_are_shown_in_the_events_own_timezone() -> None:
    start = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert dates.format_date_short(start, "Europe/Stockholm") == "Wed 1 Jul 2026 · 19:00 CEST"
    assert dates.format_date_short(start, "Europe/London") == "Wed 1 Jul 2026 · 18:00 BST"
    long = dates.format_date_long(start, start + timedelta(hours=3), "Europe/Stockholm")
    assert long == "Wednesday 1 July 2026, 19:00–22:00 CEST"
    assert "Thursday 2 July" in dates.format_date_long(start, start + timedelta(hours=8), "Europe/Stockholm")
    assert dates.format_date_long(start, None, "Europe/Stockholm") == "Wednesday 1 July 2026, 19:00 CEST"
    assert dates.format_date_short(start, "Not/AZone").endswith("17:00 UTC")  # unknown zone: UTC, no crash


def test_short_datetime_and_time() -> None:
    winter = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    assert dates.format_datetime_short(winter, "Europe/Stockholm") == "12 Mar 2026, 10:00 CET"
    assert dates.format_datetime_short(None, "Europe/Stockholm") == ""
    assert dates.format_time(winter, "Asia/Tokyo") == "18:00"
    assert dates.local(datetime(2026, 3, 12, 9, 0), "UTC") == winter  # naive means UTC


def test_parse_local_datetime_reads_wall_time_in_the_zone() -> None:
    # Stockholm is UTC+1 in December and UTC+2 in July.
    assert dates.parse_local_datetime("2026-12-01T19:00", "Europe/Stockholm") == datetime(
        2026, 12, 1, 18, 0, tzinfo=UTC
    )
    assert dates.parse_local_datetime("2026-07-01 19:00", "Europe/Stockholm") == datetime(
        2026, 7, 1, 17, 0, tzinfo=UTC
    )
    assert dates.parse_local_datetime("2026-07-01T19:00+00:00", "Europe/Stockholm") == datetime(
        2026, 7, 1, 19, 0, tzinfo=UTC
    )
    assert dates.parse_local_datetime("", "Europe/Stockholm") is None
    assert dates.parse_local_datetime(None, "Europe/Stockholm") is None
    for junk in ("next friday", "2026-13-01T10:00", "2" * 41):
        with pytest.raises(ValueError):
            dates.parse_local_datetime(junk, "Europe/Stockholm")
    with pytest.raises(ZoneInfoNotFoundError):
        dates.parse_local_datetime("2026-07-01T19:00", "Mars/Olympus")


def test_local_input_round_trips_with_parse() -> None:
    moment = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    text = dates.local_input(moment, "Europe/Stockholm")
    assert text == "2026-12-01T19:00"
    assert dates.parse_local_datetime(text, "Europe/Stockholm") == moment
    assert dates.local_input(None, "Europe/Stockholm") == ""


def test_timezone_names() -> None:
    assert dates.is_timezone("Europe/Stockholm") and dates.is_timezone("UTC")
    assert not dates.is_timezone("Mars/Olympus") and not dates.is_timezone("") and not dates.is_timezone(None)
    assert str(dates.zone("nope")) == "UTC"
    assert dates.default_timezone() == "Europe/Stockholm"
