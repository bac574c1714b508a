"""Dates: shown in the event's own zone, read from a datetime-local field as wall time in that zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest

from khala.lib import dates


def test_dates_are_shown_in_the_events_own_timezone() -> None:
    start = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert dates.format_date_short(start, "Europe/Stockholm") == "Wed 1 Jul 2026 · 7:00\u00a0PM CEST"
    assert dates.format_date_short(start, "Europe/London") == "Wed 1 Jul 2026 · 6:00\u00a0PM BST"
    long = dates.format_date_long(start, start + timedelta(hours=3), "Europe/Stockholm")
    assert long == "Wednesday 1 July 2026, 7:00\u00a0PM–10:00\u00a0PM CEST"
    assert "Thursday 2 July" in dates.format_date_long(start, start + timedelta(hours=8), "Europe/Stockholm")
    assert (
        dates.format_date_long(start, None, "Europe/Stockholm") == "Wednesday 1 July 2026, 7:00\u00a0PM CEST"
    )
    assert dates.format_date_short(start, "Not/AZone").endswith(
        "5:00\u00a0PM UTC"
    )  # unknown zone: UTC, no crash


def test_short_datetime_and_time() -> None:
    winter = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    assert dates.format_datetime_short(winter, "Europe/Stockholm") == "12 Mar 2026, 10:00\u00a0AM CET"
    assert dates.format_datetime_short(None, "Europe/Stockholm") == ""
    assert dates.format_time(winter, "Asia/Tokyo") == "6:00\u00a0PM"
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


def test_dates_in_both_languages_follow_the_issue_examples() -> None:
    from khala.lib import i18n

    start = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)  # 19:30 in Stockholm (CET)
    with i18n.use_language("sv"):
        assert dates.format_day_time(start, "Europe/Stockholm") == "lördag 5 december 19:30"
        assert dates.format_date_short(start, "Europe/Stockholm") == "lör 5 dec. 2026 · 19:30 CET"
        assert dates.format_datetime_short(start, "Europe/Stockholm") == "5 dec. 2026 19:30 CET"
        assert dates.format_relative(start + timedelta(days=3), now=start) == "om 3 dagar"
        assert dates.format_relative(start - timedelta(hours=2), now=start) == "för 2 timmar sedan"
        assert dates.format_list(["Malmö", "Lund", "Ystad"]) == "Malmö, Lund och Ystad"
    with i18n.use_language("en"):
        assert dates.format_day_time(start, "Europe/Stockholm") == "Saturday 5 December, 7:30\u00a0PM"
        assert dates.format_relative(start + timedelta(days=3), now=start) == "in 3 days"
        assert dates.format_list(["Malmö", "Lund", "Ystad"]) == "Malmö, Lund, and Ystad"
    # an explicit locale wins over the current language
    assert dates.format_time(start, "Europe/Stockholm", locale="sv") == "19:30"


def test_dates_across_a_dst_change() -> None:
    from khala.lib import i18n

    # Stockholm leaves summer time at 03:00 on 25 October 2026: the same UTC hour is 19:00 before, 18:00 after.
    before = datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
    after = datetime(2026, 10, 26, 17, 0, tzinfo=UTC)
    with i18n.use_language("sv"):
        assert dates.format_date_short(before, "Europe/Stockholm") == "lör 24 okt. 2026 · 19:00 CEST"
        assert dates.format_date_short(after, "Europe/Stockholm") == "mån 26 okt. 2026 · 18:00 CET"
        night = dates.format_date_long(before, after, "Europe/Stockholm")
        assert night == "lördag 24 oktober 2026 19:00 – måndag 26 oktober 2026 18:00 CET"
    with i18n.use_language("en"):
        assert dates.format_date_short(after, "Europe/Stockholm") == "Mon 26 Oct 2026 · 6:00\u00a0PM CET"


def test_calendar_headings_in_both_languages() -> None:
    from datetime import date

    from khala.lib import i18n

    with i18n.use_language("sv"):
        assert dates.format_month(2026, 12) == "december 2026"
        assert dates.format_day(date(2026, 11, 2)) == "måndag 2 november"
        assert dates.month_abbr(datetime(2026, 12, 5, tzinfo=UTC)) == "dec."
    assert dates.format_month(2026, 12) == "December 2026"
    assert dates.format_day(date(2026, 11, 2)) == "Monday 2 November"
