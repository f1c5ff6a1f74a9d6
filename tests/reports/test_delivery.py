"""Report subscriptions: on the 1st at 08:00 the month just ended goes out as Excel files,
through notify, to a real SMTP server process; once per period whatever the number of
runs; the workbook holds the figures the owner reads; recipients must be allowed to read
statistics; an owner who lost the right sends nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.core.errors import ServiceError
from kefu.notify.models import Delivery
from kefu.reports import services
from kefu.reports.models import Subscription, SubscriptionRun
from tests.accounts.factories import make_person
from tests.notify.conftest import smtp_server  # noqa: F401  (the fixture)
from tests.reports.conftest import at


@pytest.fixture
def with_email(people):
    for name in ("gm", "supervisor", "agent"):
        user = people[name]
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return people


def _subscribe(owner, **more):
    values = {
        "name": "月度运营报表",
        "reports": ["intake", "complaints"],
        "recipients": ["gm"],
        "addresses": "board@example.com",
    }
    values.update(more)
    return services.create_subscription(owner, **values)


def test_on_the_first_at_eight_last_month_goes_out_once(
    november,
    with_email,
    settings,
    smtp_server,  # noqa: F811
    time_machine,
    django_capture_on_commit_callbacks,
    api_as,
):
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = smtp_server.host, smtp_server.port
    people = with_email
    subscription = _subscribe(people["supervisor"])
    time_machine.move_to(at("2025-12-01 07:59"), tick=False)
    assert services.deliver_due() == 0  # not yet
    time_machine.move_to(at("2025-12-01 08:20"), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver_due() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver_due() == 0  # the period is sent
    run = SubscriptionRun.objects.get(subscription=subscription)
    assert (str(run.period_start), str(run.period_end)) == ("2025-11-01", "2025-11-30")
    assert run.outcome == "sent"
    assert run.addresses == ["gm@example.com", "board@example.com"]
    assert Delivery.objects.filter(event="report.delivery", status="sent").count() == 2

    mails = smtp_server.messages()
    assert sorted(m["To"] for m in mails) == ["board@example.com", "gm@example.com"]
    mail = next(m for m in mails if m["To"] == "gm@example.com")
    assert "月度运营报表" in mail["Subject"] and "2025-11-01" in mail["Subject"]
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert sorted(files) == [
        "受理量与趋势-20251101-20251130.xlsx",
        "投诉与重复投诉-20251101-20251130.xlsx",
    ]
    # The workbook holds what the owner reads for November.
    body = (
        api_as(people["supervisor"])
        .get("/reports/r/complaints", {"start": "2025-11-01", "end": "2025-11-30"})
        .json()
    )
    book = load_workbook(BytesIO(files["投诉与重复投诉-20251101-20251130.xlsx"]))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    assert total[1] == body["total"]["complaints"] == 15


def test_weekly_on_monday_covers_the_week_just_ended(with_email, time_machine):
    subscription = _subscribe(with_email["supervisor"], every="week", day=1, hour=9)
    time_machine.move_to(at("2025-11-24 09:30"), tick=False)  # a Monday
    period = services.period_due(subscription, at("2025-11-24 09:30"))
    assert period is not None
    assert (str(period[0]), str(period[1])) == ("2025-11-17", "2025-11-23")
    assert services.period_due(subscription, at("2025-11-24 08:59")) is None


@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"recipients": ["agent"]}, "recipients"),  # may not read statistics
        ({"recipients": ["quality"]}, "recipients"),  # no e-mail address
        ({"recipients": ["nobody"]}, "recipients"),
        ({"recipients": [], "addresses": ""}, "recipients"),
        ({"addresses": "not-an-address"}, "addresses"),
        ({"reports": []}, "reports"),
        ({"reports": ["nothing"]}, "reports"),
        ({"every": "year"}, "every"),
        ({"day": 29}, "day"),
        ({"every": "week", "day": 8}, "day"),
        ({"hour": 24}, "hour"),
        ({"name": "  "}, "name"),
        ({"params": {"branch": "abc"}}, "branch"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field_and_nothing_is_kept(
    with_email, more, field
):
    with pytest.raises(ServiceError) as refused:
        _subscribe(with_email["supervisor"], **more)
    assert refused.value.field == field
    assert not Subscription.objects.exists()


def test_an_owner_who_may_no_longer_read_reports_sends_nothing(with_email, time_machine):
    owner = with_email["supervisor"]
    _subscribe(owner)
    owner.staff.role = Role.AGENT
    owner.staff.save(update_fields=["role"])
    time_machine.move_to(at("2025-12-01 09:00"), tick=False)
    assert services.deliver_due() == 0
    assert SubscriptionRun.objects.get().outcome == "refused"
    assert not Delivery.objects.filter(event="report.delivery").exists()


def test_a_branch_leads_subscription_carries_their_branch(org, with_email, time_machine):
    lead = make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])
    subscription = _subscribe(lead, reports=["intake"], recipients=[], addresses="sz@example.com")
    time_machine.move_to(at("2025-12-01 09:00"), tick=False)
    services.deliver_due()
    run = SubscriptionRun.objects.get(subscription=subscription)
    from django.core.files.storage import default_storage

    with default_storage.open(run.files[0]["path"], "rb") as stored:
        book = load_workbook(BytesIO(stored.read()))
    about = {row[0]: row[1] for row in book["统计条件"].iter_rows(min_row=2, values_only=True)}
    assert about["分支机构"] == org["sz"].name


def test_subscriptions_through_the_api_and_the_page(with_email, api_as, web_as):
    client = api_as(with_email["supervisor"])
    answer = client.post(
        "/reports/subscriptions",
        {"name": "周报", "reports": ["calls"], "every": "week", "day": 1, "recipients": ["gm"]},
    )
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert (made["every"], made["recipients"], made["runs"]) == ("week", ["gm"], [])
    bad = client.post("/reports/subscriptions", {"name": "x", "reports": ["calls"], "hour": 99})
    assert (bad.status_code, bad.json()["field"]) == (422, "hour")
    assert [s["name"] for s in client.get("/reports/subscriptions").json()] == ["周报"]
    assert (
        api_as(with_email["gm"]).post(f"/reports/subscriptions/{made['id']}/retire").status_code
        == 404
    )
    page = web_as(with_email["supervisor"])
    text = page.get("/reports/").content.decode()
    assert 'data-testid="subscriptions"' in text and "周报" in text and "话务报表" in text
    head = text.split("</title>")[0]
    assert "统计报表" in head and "报表订阅" not in head
    answer = page.post(
        "/reports/subscriptions",
        {
            "name": "月报",
            "reports": ["intake"],
            "every": "month",
            "day": "1",
            "hour": "8",
            "recipients": ["gm"],
        },
    )
    assert answer.status_code == 302
    answer = page.post(
        "/reports/subscriptions",
        {"name": "坏", "reports": ["intake"], "every": "month", "day": "x", "hour": "8"},
        follow=True,
    )
    assert "请填写整数" in answer.content.decode()
    assert client.post(f"/reports/subscriptions/{made['id']}/retire").status_code == 200
    assert [s["name"] for s in client.get("/reports/subscriptions").json()] == ["月报"]
    assert api_as(with_email["agent"]).get("/reports/subscriptions").status_code == 403
