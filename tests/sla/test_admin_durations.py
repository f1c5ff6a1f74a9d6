"""The time-limit policies in the admin: durations in 小时 / 工作日 / 天, stored in minutes."""

import datetime as dt

import pytest

from kefu.sla.models import Policy, Target
from tests.accounts.factories import make_person


@pytest.fixture
def admin_client(db, web_as):
    return web_as(make_person("root", "admin", number="9000"))


def policy_data(**extra):
    data = {
        "name": "报修时限",
        "opening": "08:30",
        "closing": "17:30",
        "warn_percent": "80",
        "escalation_minutes_0": "2",
        "escalation_minutes_1": "hour",
        "is_active": "on",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-code": "respond",
        "targets-0-name": "部门响应",
        "targets-0-start": "dispatched",
        "targets-0-clock": "business_minutes",
        "targets-0-duration_0": "1",
        "targets-0-duration_1": "workday",
        "targets-0-order": "0",
    }
    data.update(extra)
    return data


def test_a_policy_is_entered_in_hours_and_working_days_and_stored_in_minutes(admin_client):
    response = admin_client.post("/admin/sla/policy/add/", policy_data())

    assert response.status_code == 302
    policy = Policy.objects.get(name="报修时限")
    assert policy.escalation_minutes == 120
    target = policy.targets.get()
    assert (target.clock, target.amount) == ("business_minutes", 540)


@pytest.mark.parametrize(
    ("clock", "number", "unit", "amount"),
    [
        ("minutes", "4", "hour", 240),
        ("minutes", "90", "minute", 90),
        ("minutes", "1", "day", 1440),
        ("working_days", "2", "workday", 2),
        ("calendar_days", "3", "day", 3),
    ],
)
def test_each_clock_stores_its_own_amount(admin_client, clock, number, unit, amount):
    data = policy_data(
        **{"targets-0-clock": clock, "targets-0-duration_0": number, "targets-0-duration_1": unit}
    )
    assert admin_client.post("/admin/sla/policy/add/", data).status_code == 302
    assert Target.objects.get(policy__name="报修时限").amount == amount


def test_a_working_day_follows_the_policys_business_hours(admin_client):
    data = policy_data(opening="09:00", closing="17:00", **{"targets-0-duration_0": "2"})
    assert admin_client.post("/admin/sla/policy/add/", data).status_code == 302
    assert Target.objects.get(policy__name="报修时限").amount == 960


@pytest.mark.parametrize(
    ("clock", "unit", "message"),
    [
        ("minutes", "workday", "「自然分钟」计时的时长单位只能是:分钟、小时、天"),
        ("business_minutes", "day", "「工作时间分钟」计时的时长单位只能是:分钟、小时、工作日"),
        ("working_days", "hour", "「工作日」计时的时长单位只能是:工作日"),
    ],
)
def test_a_unit_the_clock_cannot_count_is_refused(admin_client, clock, unit, message):
    data = policy_data(**{"targets-0-clock": clock, "targets-0-duration_1": unit})
    response = admin_client.post("/admin/sla/policy/add/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Policy.objects.filter(name="报修时限").exists()


def test_bad_numbers_are_refused(admin_client):
    data = policy_data(escalation_minutes_0="abc", **{"targets-0-duration_0": "0"})
    response = admin_client.post("/admin/sla/policy/add/", data)
    html = response.content.decode()

    assert response.status_code == 200
    assert "请填写整数时长并选择单位" in html
    assert "时长至少为 1 分钟" in html
    assert not Policy.objects.filter(name="报修时限").exists()


def test_stored_minutes_are_shown_in_the_largest_exact_unit(admin_client):
    policy = Policy.objects.create(name="投诉", escalation_minutes=540)
    target = Target.objects.create(
        policy=policy,
        code="r",
        name="处理结果",
        start="received",
        clock="business_minutes",
        amount=1080,
    )
    Target.objects.create(
        policy=policy, code="v", name="回访", start="resolved", clock="minutes", amount=90
    )

    page = admin_client.get(f"/admin/sla/policy/{policy.pk}/change/")
    form = page.context["adminform"].form
    inline = page.context["inline_admin_formsets"][0].formset.forms[0]

    html = page.content.decode()
    assert form["escalation_minutes"].value() == 540
    assert 'name="escalation_minutes_0" value="9"' in html
    assert '<option value="hour" selected>小时</option>' in html
    assert inline.instance == target
    assert inline["duration"].value() == [2, "workday"]
    assert 'name="targets-0-duration_0" value="2"' in html
    listing = admin_client.get("/admin/sla/policy/").content.decode()
    assert "处理结果 2 工作日;回访 90 分钟" in listing
    assert "9 小时" in listing
    assert dt.time(8, 30) == policy.opening
