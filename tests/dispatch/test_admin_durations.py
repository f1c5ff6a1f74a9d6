"""The dispatch deadline rules and desks in the admin: a rule's time read and entered as
小时 / 工作日 / 天 (the shipped 540 minutes shows as 1 工作日), stored in minutes as before."""

import pytest

from kefu.accounts.models import Branch
from kefu.dispatch.models import DeadlineRule, DispatchDesk
from tests.accounts.factories import make_person


@pytest.fixture
def admin_client(db, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def rule_data(**extra):
    data = {
        "name": "安装时限",
        "kind": "install",
        "source": "",
        "method": "business",
        "minutes_0": "2",
        "minutes_1": "workday",
        "opening": "08:30",
        "closing": "17:30",
        "cutoff_early": "11:00",
        "due_early": "15:00",
        "cutoff_late": "16:00",
        "due_morning": "12:00",
        "order": "5",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_the_shipped_rule_reads_in_working_days_not_540_minutes(admin_client):
    shipped = DeadlineRule.objects.filter(minutes=540, method="business").first()
    assert shipped is not None
    listing = admin_client.get("/admin/dispatch/deadlinerule/").content.decode()
    assert "1 工作日" in listing and ">540<" not in listing
    form = admin_client.get(f"/admin/dispatch/deadlinerule/{shipped.pk}/change/").content.decode()
    assert 'name="minutes_0" value="1"' in form
    assert '<option value="workday" selected>' in form


@pytest.mark.parametrize(
    ("method", "number", "unit", "opening", "closing", "minutes"),
    [
        ("business", "2", "workday", "08:30", "17:30", 1080),
        ("business", "1", "workday", "09:00", "18:00", 540),
        ("business", "1", "workday", "08:00", "20:00", 720),  # the rule's own day, 12 hours
        ("verify", "30", "minute", "08:30", "17:30", 30),
        ("calendar", "2", "day", "08:30", "17:30", 2880),
        ("calendar", "4", "hour", "08:30", "17:30", 240),
    ],
)
def test_a_rule_is_entered_in_its_units_and_stored_in_minutes(
    admin_client, method, number, unit, opening, closing, minutes
):
    response = admin_client.post(
        "/admin/dispatch/deadlinerule/add/",
        rule_data(
            method=method, minutes_0=number, minutes_1=unit, opening=opening, closing=closing
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DeadlineRule.objects.get(name="安装时限").minutes == minutes


@pytest.mark.parametrize(
    ("method", "number", "unit", "error"),
    [
        ("calendar", "1", "workday", "的时长单位只能是"),  # clock time has no working day
        ("business", "3", "day", "的时长单位只能是"),
        ("business", "-1", "hour", "时长不能为负数"),
        ("business", "abc", "hour", "请填写整数时长并选择单位"),
        ("business", "", "hour", "请填写时长,应大于 0"),
    ],
)
def test_bad_durations_are_refused_and_nothing_saved(admin_client, method, number, unit, error):
    response = admin_client.post(
        "/admin/dispatch/deadlinerule/add/",
        rule_data(method=method, minutes_0=number, minutes_1=unit),
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not DeadlineRule.objects.filter(name="安装时限").exists()


def test_a_cutoff_rule_needs_no_duration(admin_client):
    response = admin_client.post(
        "/admin/dispatch/deadlinerule/add/", rule_data(method="cutoff", minutes_0="")
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(name="安装时限").minutes == 0


def test_the_desks_check_is_entered_in_hours(admin_client, org, people):
    response = admin_client.post(
        "/admin/dispatch/dispatchdesk/add/",
        {
            "branch": Branch.objects.get(code="hq").pk,
            "dispatcher": people["lead"].pk,
            "manager": "",
            "check_after_minutes_0": "2",
            "check_after_minutes_1": "hour",
            "chase_times": "10:00,15:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert DispatchDesk.objects.get().check_after_minutes == 120
    assert "2 小时" in admin_client.get("/admin/dispatch/dispatchdesk/").content.decode()
