"""The working calendar: official holidays and make-up days, business hours, the three ways of
counting a deadline, and years nobody has entered yet."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from kefu.core.calendar import BusinessHours, WorkingCalendar, years_without_schedule
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog, CalendarDay, CalendarYear
from kefu.core.services import enter_year_schedule

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def cal(db):
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-26", True),  # Sunday, made up for the Spring Festival
        ("2025-10-01", False),  # National Day, a Wednesday
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, made up
        ("2025-03-15", False),  # an ordinary Saturday
    ],
)
def test_official_days_come_from_the_package(cal, day, working):
    assert cal.is_working_day(dt.date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2025-03-17 10:00", 2, "2025-03-17 12:00"),
        ("2025-03-17 07:00", 2, "2025-03-17 10:30"),  # before opening: counts from 08:30
        ("2025-03-17 15:30", 2, "2025-03-17 17:30"),  # ends exactly at closing: stays
        ("2025-03-14 16:30", 2, "2025-03-17 09:30"),  # Friday → carries over the weekend
        ("2025-03-14 19:00", 2, "2025-03-17 10:30"),  # after closing
        ("2025-09-30 16:30", 2, "2025-10-09 09:30"),  # over the National Day week
        ("2025-03-17 10:00", 20, "2025-03-19 12:00"),  # 9 hours a day
    ],
)
def test_business_hours(cal, start, hours, due):
    assert cal.add_business_time(at(start), dt.timedelta(hours=hours)) == at(due)


def test_business_hours_are_configurable(db):
    cal = WorkingCalendar(hours=BusinessHours(dt.time(9), dt.time(18)))
    assert cal.add_business_time(at("2025-03-17 17:00"), dt.timedelta(hours=2)) == at(
        "2025-03-18 10:00"
    )
    with pytest.raises(ValueError):
        BusinessHours(dt.time(18), dt.time(9))


def test_working_days_do_not_count_the_event_day_and_end_at_closing(cal):
    assert cal.add_working_days(at("2025-03-17 10:00"), 2) == at("2025-03-19 17:30")
    assert cal.add_working_days(at("2025-03-14 23:00"), 1) == at("2025-03-17 17:30")
    assert cal.add_working_days(at("2025-09-30 10:00"), 2) == at("2025-10-10 17:30")
    # A make-up Saturday is a working day like any other.
    assert cal.add_working_days(at("2025-10-10 10:00"), 1) == at("2025-10-11 17:30")


def test_calendar_days_end_at_the_last_second_of_the_day(cal):
    assert cal.add_calendar_days(at("2025-09-30 10:00"), 3) == at("2025-10-03 23:59:59")


def test_an_unknown_year_counts_weekdays_and_is_reported(cal):
    # The package ends with 2026: a deadline from New Year's Eve reaches 2027 and must not fail.
    assert cal.add_working_days(at("2026-12-31 10:00"), 2) == at("2027-01-04 17:30")
    assert cal.unknown_years == {2027}
    assert years_without_schedule(dt.date(2026, 11, 23)) == [2027]
    assert years_without_schedule(dt.date(2026, 10, 1)) == []  # next year asked from November


def test_an_entered_year_is_followed(db, people):
    admin = people["supervisor"]
    entry = enter_year_schedule(
        2027,
        [("2027-01-01", "holiday", "元旦"), ("2027-02-20", "makeup", "春节调休")],
        actor=admin,
        source="测试通知",
    )
    cal = WorkingCalendar()
    assert cal.add_working_days(at("2026-12-31 10:00"), 2) == at("2027-01-05 17:30")
    assert cal.is_working_day(dt.date(2027, 2, 20)) is True  # a Saturday, made up
    assert cal.unknown_years == set()
    assert years_without_schedule(dt.date(2026, 11, 23)) == []
    assert (entry.source, entry.entered_by) == ("测试通知", admin)
    assert AuditLog.objects.filter(action="calendar.enter_year", object_id=str(entry.pk)).exists()


def test_an_entered_year_overrides_the_package_and_keeps_closures(db, people):
    CalendarDay.objects.create(date=dt.date(2026, 3, 18), kind="closure", name="系统升级停业")
    enter_year_schedule(2026, [("2026-01-01", "holiday", "元旦")], actor=people["supervisor"])
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2026, 3, 18)) is False  # the closure stands
    assert cal.is_working_day(dt.date(2026, 10, 1)) is True  # no longer the package's holiday
    assert CalendarDay.objects.filter(date__year=2026).count() == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("2027-13-01", "holiday", "")], "第 1 行:日期无效"),
        (
            [("2027-01-01", "holiday", ""), ("2028-01-01", "holiday", "")],
            "第 2 行:日期不在 2027 年",
        ),
        ([("2027-01-01", "vacation", "")], "第 1 行:类别应为 holiday 或 makeup"),
        ([("2027-01-01", "holiday", ""), ("2027-01-01", "makeup", "")], "第 2 行:日期重复"),
        ([("2027-02-20", "makeup", "")], "没有任何法定节假日,请检查文件"),
    ],
)
def test_a_bad_schedule_is_refused_whole(db, people, rows, message):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    with pytest.raises(ServiceError) as error:
        enter_year_schedule(2027, rows, actor=people["supervisor"])
    assert error.value.detail == message
    assert not CalendarYear.objects.exists()
    assert list(CalendarDay.objects.values_list("date", "kind")) == [
        (dt.date(2027, 1, 1), "holiday")
    ]


def test_the_calendar_command_imports_a_csv_and_checks(db, people, tmp_path):
    out = StringIO()
    call_command("calendar", "--check", stdout=out)
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,makeup,春节调休\n", encoding="utf-8"
    )
    call_command(
        "calendar", "--year", "2027", "--file", str(csv_file), "--user", "supervisor", stdout=out
    )
    assert "2027: 2 days entered" in out.getvalue()
    assert CalendarYear.objects.get(year=2027).entered_by == people["supervisor"]
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,假期,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="类别应为"):
        call_command("calendar", "--year", "2027", "--file", str(bad))


def test_admin_dashboard_warns_about_a_missing_year(db, client, time_machine):
    from django.contrib.auth import get_user_model

    time_machine.move_to(dt.datetime(2026, 11, 23, 10, tzinfo=SH))
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert 'data-testid="calendar-warning"' in page and "2027 年的法定节假日" in page
    enter_year_schedule(2027, [("2027-01-01", "holiday", "元旦")], actor=admin)
    assert 'data-testid="calendar-warning"' not in client.get("/admin/").content.decode()
