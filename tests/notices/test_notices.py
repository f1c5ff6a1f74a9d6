"""A notice's life: draft → published → closed, its updates, who may do what, what is refused."""

from __future__ import annotations

import datetime as dt

import pydantic
import pytest
import time_machine

from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.notices import services
from kefu.notices.models import Campaign, Notice, NoticeUpdate
from tests.notices.factories import END, START, make_notice, notice_in, publish_confirmed


def _state(notice_id):
    notice = Notice.objects.get(pk=notice_id)
    return (
        notice.state,
        notice.title,
        notice.expected_end,
        notice.actual_end,
        notice.closing_text,
        sorted(a.code for a in notice.areas.all()),
        NoticeUpdate.objects.filter(notice=notice).count(),
        Campaign.objects.filter(notice=notice).count(),
        AuditLog.objects.filter(object_type="notices.notice", object_id=str(notice_id)).count(),
    )


def test_lead_creates_a_draft_notice_with_its_areas_and_an_audit_row(lead):
    notice = make_notice(lead, areas=["yhy", "nsh"], streets="幸福路 1-20 号")

    assert notice.state == Notice.State.DRAFT
    assert notice.created_by == lead
    assert notice.streets == "幸福路 1-20 号"
    assert sorted(a.code for a in notice.areas.all()) == ["nsh", "yhy"]
    audit = AuditLog.objects.get(object_type="notices.notice", object_id=str(notice.pk))
    assert audit.action == "notice.create"
    assert audit.actor == lead
    assert audit.detail["areas"] == ["nsh", "yhy"]


def test_publishing_a_draft_records_who_and_when_and_starts_the_campaign(lead):
    notice = make_notice(lead)

    published = publish_confirmed(notice.pk, actor=lead)

    assert published.state == Notice.State.PUBLISHED
    assert published.published_by == lead
    assert published.published_at is not None
    assert Campaign.objects.get(notice=notice).state == Campaign.State.RUNNING
    assert list(
        AuditLog.objects.filter(object_id=str(notice.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["notice.create", "notice.publish"]


def test_publishing_announces_the_notice_to_the_agents_after_commit(
    lead, monkeypatch, django_capture_on_commit_callbacks
):
    pushed = []
    monkeypatch.setattr("kefu.core.realtime.publish", lambda g, p: pushed.append((g, p)))
    notice = make_notice(lead)

    with django_capture_on_commit_callbacks(execute=True):
        publish_confirmed(notice.pk, actor=lead)

    assert pushed == [
        (
            "agents",
            {
                "type": "notice.published",
                "id": notice.pk,
                "kind": "outage",
                "title": "阳光花园停水",
                "areas": ["yhy"],
            },
        )
    ]


@time_machine.travel(END, tick=False)
def test_closing_records_the_actual_end_and_the_closing_text(lead):
    notice = make_notice(lead, publish=True)
    end = START + dt.timedelta(hours=5)

    closed = services.close_notice(notice.pk, actor=lead, closing_text="已恢复供水", actual_end=end)

    assert closed.state == Notice.State.CLOSED
    assert closed.actual_end == end
    assert closed.closing_text == "已恢复供水"
    assert closed.closed_by == lead
    assert (
        AuditLog.objects.filter(object_id=str(notice.pk)).order_by("id").last().action
        == "notice.close"
    )


def test_editing_a_published_notice_adds_an_update_row(lead):
    notice = make_notice(lead, publish=True)
    later = END + dt.timedelta(hours=2)

    services.update_notice(
        notice.pk, notice_in(expected_end=later), actor=lead, update_text="抢修延时两小时"
    )

    notice.refresh_from_db()
    assert notice.expected_end == later
    assert list(notice.updates.values_list("text", "by")) == [("抢修延时两小时", lead.pk)]


def test_editing_a_published_notice_without_a_text_describes_the_change(lead):
    notice = make_notice(lead, publish=True)

    services.update_notice(
        notice.pk,
        notice_in(expected_end=dt.datetime.fromisoformat("2026-11-24T20:30+08:00")),
        actor=lead,
    )

    assert list(notice.updates.values_list("text", flat=True)) == ["预计结束:2026-11-24 20:30"]


def test_editing_a_draft_adds_no_update_row(lead):
    notice = make_notice(lead)

    services.update_notice(notice.pk, notice_in(title="阳光花园计划停水"), actor=lead)

    notice.refresh_from_db()
    assert notice.title == "阳光花园计划停水"
    assert notice.updates.count() == 0


def test_lead_adds_a_progress_update_to_a_published_notice(lead):
    notice = make_notice(lead, publish=True)

    services.add_notice_update(notice.pk, actor=lead, text="已找到漏点,正在抢修")

    assert list(notice.updates.values_list("text", flat=True)) == ["已找到漏点,正在抢修"]


@pytest.mark.parametrize("role", ["agent", "dept_handler", "quality", "gm"])
def test_only_leads_supervisors_and_admins_create_notices(people, role):
    with pytest.raises(ServiceError) as refused:
        make_notice(people[role])

    assert refused.value.code == Code.FORBIDDEN
    assert Notice.objects.count() == 0


def test_supervisor_and_superuser_may_publish(people, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    first = make_notice(people["supervisor"], publish=True)
    second = make_notice(admin, publish=True)

    assert (first.state, second.state) == ("published", "published")


@pytest.mark.parametrize(
    "change",
    [
        lambda n, people: services.publish_notice(
            n.pk, actor=people["agent"], expected_recipients=0
        ),
        lambda n, people: services.close_notice(n.pk, actor=people["agent"], closing_text="x"),
        lambda n, people: services.add_notice_update(n.pk, actor=people["agent"], text="x"),
        lambda n, people: services.update_notice(
            n.pk, notice_in(title="改"), actor=people["agent"]
        ),
    ],
)
def test_agent_cannot_change_a_notice_and_nothing_changes(people, change):
    notice = make_notice(people["lead"])
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        change(notice, people)

    assert refused.value.code == Code.FORBIDDEN
    assert _state(notice.pk) == before


def test_a_draft_cannot_be_closed(lead):
    notice = make_notice(lead)
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.close_notice(notice.pk, actor=lead, closing_text="已恢复")

    assert refused.value.code == Code.INVALID_TRANSITION
    assert refused.value.detail == "公告当前状态为「草稿」,不能执行此操作"
    assert _state(notice.pk) == before


def test_a_published_notice_cannot_be_published_again(lead):
    notice = make_notice(lead, publish=True)
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.publish_notice(notice.pk, actor=lead, expected_recipients=0)

    assert refused.value.code == Code.INVALID_TRANSITION
    assert _state(notice.pk) == before


def test_a_closed_notice_is_neither_edited_nor_updated_nor_reopened(lead):
    notice = make_notice(lead, publish=True)
    services.close_notice(notice.pk, actor=lead, closing_text="已恢复")
    before = _state(notice.pk)

    for change in (
        lambda: services.update_notice(notice.pk, notice_in(title="改"), actor=lead),
        lambda: services.add_notice_update(notice.pk, actor=lead, text="进展"),
        lambda: services.publish_notice(notice.pk, actor=lead, expected_recipients=0),
        lambda: services.close_notice(notice.pk, actor=lead, closing_text="再次"),
    ):
        with pytest.raises(ServiceError) as refused:
            change()
        assert refused.value.code == Code.INVALID_TRANSITION

    assert _state(notice.pk) == before


@time_machine.travel(END, tick=False)
def test_closing_needs_a_text_and_an_end_after_the_start_and_not_later_than_now(lead):
    notice = make_notice(lead, publish=True)
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as no_text:
        services.close_notice(notice.pk, actor=lead, closing_text="  ")
    with pytest.raises(ServiceError) as too_early:
        services.close_notice(
            notice.pk, actor=lead, closing_text="已恢复", actual_end=START - dt.timedelta(hours=1)
        )

    with pytest.raises(ServiceError) as in_future:
        services.close_notice(
            notice.pk, actor=lead, closing_text="已恢复", actual_end=END + dt.timedelta(hours=1)
        )

    assert (no_text.value.field, no_text.value.detail) == ("closing_text", "请填写结束说明")
    assert (in_future.value.field, in_future.value.detail) == (
        "actual_end",
        "实际结束时间不能晚于现在",
    )
    assert (too_early.value.field, too_early.value.detail) == (
        "actual_end",
        "实际结束时间不能早于开始时间",
    )
    assert _state(notice.pk) == before


def test_an_unknown_kind_is_refused_by_the_input_declaration(lead):
    with pytest.raises(pydantic.ValidationError) as refused:
        make_notice(lead, kind="flood")
    assert [e["loc"] for e in refused.value.errors()] == [("kind",)]
    assert Notice.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"expected_end": START}, "expected_end", "预计结束时间必须晚于开始时间"),
        (
            {"expected_end": START - dt.timedelta(hours=1)},
            "expected_end",
            "预计结束时间必须晚于开始时间",
        ),
        ({"areas": []}, "areas", "请至少选择一个影响片区"),
        ({"areas": ["yhy", "nowhere"]}, "areas", "片区不存在:nowhere"),
        ({"title": " "}, "title", "请填写标题"),
        ({"starts_at": None}, "starts_at", "请填写开始时间"),
        ({"starts_at": dt.datetime(2026, 11, 24, 9, 0)}, "starts_at", "时间须带时区"),
    ],
)
def test_invalid_notice_is_refused_with_a_clear_error_and_nothing_saved(
    lead, fields, field, detail
):
    with pytest.raises(ServiceError) as refused:
        make_notice(lead, **fields)

    assert (refused.value.code, refused.value.field, refused.value.detail) == (
        Code.INVALID,
        field,
        detail,
    )
    assert Notice.objects.count() == 0
    assert AuditLog.objects.filter(object_type="notices.notice").count() == 0


def test_the_areas_of_a_published_notice_cannot_change(lead):
    notice = make_notice(lead, publish=True)
    before = _state(notice.pk)

    with pytest.raises(ServiceError) as refused:
        services.update_notice(
            notice.pk, notice_in(areas=["yhy", "nsh"]), actor=lead, update_text="扩大"
        )

    assert (refused.value.field, refused.value.detail) == ("areas", "公告已发布,不能更改影响片区")
    assert _state(notice.pk) == before


def test_an_unknown_notice_is_not_found(lead):
    with pytest.raises(ServiceError) as refused:
        services.publish_notice(999, actor=lead, expected_recipients=0)

    assert refused.value.code == Code.NOT_FOUND
