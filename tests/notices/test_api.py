"""The notices API: the same services as the pages, errors in the one error shape."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.notices.models import Notice, NoticeLink
from kefu.tickets.models import TicketEvent
from tests.customers.factories import make_customer
from tests.notices.factories import END, make_notice
from tests.tickets.factories import make_ticket

BODY = {
    "kind": "pressure",
    "title": "南山海岸城降压供水",
    "content": "高峰期降压",
    "areas": ["nsh"],
    "streets": "海岸城 1-3 栋",
    "starts_at": "2026-11-24T09:00:00+08:00",
    "expected_end": "2026-11-24T18:00:00+08:00",
}


def test_lead_creates_publishes_updates_and_reads_a_notice(lead, api_as):
    api = api_as(lead)

    created = api.post("/notices", BODY)
    notice_id = created.json()["id"]
    preview = api.get(f"/notices/{notice_id}/preview").json()
    published = api.post(
        f"/notices/{notice_id}/publish",
        {"expected_recipients": preview["recipients"], "token": preview["token"]},
    )
    updated = api.post(f"/notices/{notice_id}/updates", {"text": "压力已逐步恢复"})

    assert created.status_code == 201
    assert created.json()["state"] == "draft"
    assert created.json()["sms"] is None
    assert published.status_code == 200
    assert published.json()["state"] == "published"
    assert published.json()["sms"]["total"] == 0
    assert updated.status_code == 201
    body = updated.json()
    assert [(u["text"], u["by"]) for u in body["updates"]] == [("压力已逐步恢复", "王芳")]
    assert body["areas"] == [{"code": "nsh", "name": "南山海岸城"}]
    assert (body["kind"], body["kind_label"], body["streets"]) == (
        "pressure",
        "降压",
        "海岸城 1-3 栋",
    )


def test_list_filters_by_state_and_area_active_first(lead, api_as):
    closed = make_notice(lead, publish=True, title="已结束的")
    Notice.objects.filter(pk=closed.pk).update(state="closed")
    draft = make_notice(lead, title="草稿")
    active = make_notice(lead, publish=True, title="进行中")
    other = make_notice(lead, publish=True, title="南山", areas=["nsh"])
    api = api_as(lead)

    everything = api.get("/notices")
    published = api.get("/notices", {"state": "published"})
    yhy = api.get("/notices", {"area": "yhy"})

    assert [n["id"] for n in everything.json()["items"]] == [
        other.pk,
        active.pk,
        draft.pk,
        closed.pk,
    ]
    assert [n["id"] for n in published.json()["items"]] == [other.pk, active.pk]
    assert [n["id"] for n in yhy.json()["items"]] == [active.pk, draft.pk, closed.pk]
    assert (yhy.json()["count"], yhy.json()["count_capped"]) == (3, False)


def test_affected_lists_the_active_notices_of_an_area(lead, agent, api_as):
    active = make_notice(lead, publish=True)
    make_notice(lead, title="草稿")
    make_notice(lead, publish=True, areas=["nsh"])

    reply = api_as(agent).get("/notices/affected", {"area": "yhy"})

    assert reply.status_code == 200
    assert [n["id"] for n in reply.json()["items"]] == [active.pk]
    assert reply.json()["count"] == 1


def test_affected_for_an_unknown_area_is_404_in_the_error_shape(agent, api_as):
    reply = api_as(agent).get("/notices/affected", {"area": "nowhere"})

    assert reply.status_code == 404
    assert reply.json() == {
        "code": "not_found",
        "detail": "片区不存在",
        "field": "area",
        "errors": [{"field": "area", "message": "片区不存在"}],
    }


def test_agent_may_read_but_not_create_a_notice(agent, api_as):
    reply = api_as(agent).post("/notices", BODY)

    assert reply.status_code == 403
    assert reply.json() == {
        "code": "forbidden",
        "detail": "只有班长、客服主管或系统管理员可以发布和维护公告",
        "field": None,
        "errors": [],
    }
    assert Notice.objects.count() == 0


def test_end_before_start_is_422_with_the_field(lead, api_as):
    reply = api_as(lead).post("/notices", BODY | {"expected_end": "2026-11-24T08:00:00+08:00"})

    assert reply.status_code == 422
    assert reply.json() == {
        "code": "invalid",
        "detail": "预计结束时间必须晚于开始时间",
        "field": "expected_end",
        "errors": [{"field": "expected_end", "message": "预计结束时间必须晚于开始时间"}],
    }
    assert Notice.objects.count() == 0


def test_an_unknown_kind_is_422_in_the_error_shape(lead, api_as):
    reply = api_as(lead).post("/notices", BODY | {"kind": "flood"})

    assert reply.status_code == 422
    body = reply.json()
    assert (body["code"], body["field"]) == ("invalid", "kind")


def test_closing_a_draft_is_409_and_changes_nothing(lead, api_as):
    notice = make_notice(lead)

    reply = api_as(lead).post(f"/notices/{notice.pk}/close", {"closing_text": "已恢复"})

    assert reply.status_code == 409
    assert reply.json()["code"] == "invalid_transition"
    notice.refresh_from_db()
    assert (notice.state, notice.closing_text, notice.closed_at) == ("draft", "", None)
    assert notice.campaigns.count() == 0


@time_machine.travel(END, tick=False)
def test_a_closed_notice_reads_with_its_publishing_and_closing_sms_summaries(lead, api_as):
    from kefu.notices.campaign import send_campaign_batch

    make_customer(lead, name="王先生", phones=("13812345678",))
    make_customer(lead, name="固话", phones=("01088881234",))
    notice = make_notice(lead, publish=True)
    send_campaign_batch(notice.campaigns.get(purpose="published").pk)
    api = api_as(lead)

    open_ = api.get(f"/notices/{notice.pk}")
    closed = api.post(f"/notices/{notice.pk}/close", {"closing_text": "已恢复供水"})
    send_campaign_batch(notice.campaigns.get(purpose="closed").pk)
    read = api.get(f"/notices/{notice.pk}")

    assert open_.json()["closing_sms"] is None
    assert closed.status_code == 200
    nothing = {"queued": 0, "sending": 0, "sent": 0, "failed": 0, "gave_up": 0, "uncertain": 0}
    queued = nothing | {"queued": 1}
    assert closed.json()["closing_sms"] == {
        "total": 1,
        "sent": 0,
        "skipped": 0,
        "failed": 0,
        "remaining": 1,
        "delivered": 0,
        "undeliverable": 0,
        "uncertain": 0,
        "by_status": nothing,
    }
    body = read.json()
    assert body["sms"] == {
        "total": 2,
        "sent": 1,
        "skipped": 1,
        "failed": 0,
        "remaining": 0,
        "delivered": 0,
        "undeliverable": 0,
        "uncertain": 0,
        "by_status": queued,
    }
    assert body["closing_sms"] == {
        "total": 1,
        "sent": 1,
        "skipped": 0,
        "failed": 0,
        "remaining": 0,
        "delivered": 0,
        "undeliverable": 0,
        "uncertain": 0,
        "by_status": queued,
    }


def test_editing_a_published_notice_through_the_api_adds_the_update(lead, api_as):
    notice = make_notice(lead, publish=True)
    api = api_as(lead)

    reply = api.put(
        f"/notices/{notice.pk}",
        BODY
        | {
            "kind": "outage",
            "areas": ["yhy"],
            "streets": "",  # its SMS went by them: the streets stay
            "expected_end": "2026-11-24T20:00:00+08:00",
            "update_text": "延长至 20:00",
        },
    )

    assert reply.status_code == 200
    assert reply.json()["expected_end"] == "2026-11-24T12:00:00Z"
    assert [u["text"] for u in reply.json()["updates"]] == ["延长至 20:00"]


def test_a_missing_notice_is_404(agent, api_as):
    assert api_as(agent).get("/notices/999").json()["code"] == "not_found"


def test_agent_links_a_call_to_an_active_notice_with_a_timeline_row(lead, agent, api_as):
    notice = make_notice(lead, publish=True)
    ticket = make_ticket(agent, content="家里没水了")
    api = api_as(agent)

    reply = api.post(f"/notices/{notice.pk}/links", {"serial": ticket.serial})
    again = api.post(f"/notices/{notice.pk}/links", {"serial": ticket.serial})

    assert reply.status_code == 201
    assert reply.json()["serial"] == ticket.serial
    assert again.status_code == 409
    assert again.json()["detail"] == "该工单已关联此公告"
    assert NoticeLink.objects.filter(notice=notice, ticket=ticket).count() == 1
    event = TicketEvent.objects.get(ticket=ticket, action="notice")
    assert (event.kind, event.note, event.data["notice_id"], event.actor) == (
        "note",
        "关联公告:阳光花园停水",
        notice.pk,
        agent,
    )


@pytest.mark.parametrize("publish", [False, True])
def test_a_call_cannot_be_linked_to_a_draft_or_closed_notice(lead, agent, api_as, publish):
    from kefu.notices.services import close_notice

    notice = make_notice(lead, publish=publish)
    if publish:
        close_notice(notice.pk, actor=lead, closing_text="已恢复")
    ticket = make_ticket(agent)

    reply = api_as(agent).post(f"/notices/{notice.pk}/links", {"serial": ticket.serial})

    assert reply.status_code == 409
    assert reply.json()["detail"] == "只能关联已发布且未结束的公告"
    assert NoticeLink.objects.count() == 0
    assert TicketEvent.objects.filter(ticket=ticket, action="notice").count() == 0


def test_the_list_reads_in_a_fixed_number_of_queries(lead, api_as):
    api = api_as(lead)
    make_notice(lead, publish=True)
    api.get("/notices")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/notices").json()["items"]) == 1
    for i in range(5):
        make_notice(lead, publish=i % 2 == 0, title=f"公告{i}", areas=["yhy", "nsh"])
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/notices").json()["items"]) == 6

    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_integrator_records_a_call_against_a_notice_in_one_request(lead, agent, api_as):
    from kefu.sla.models import Deadline
    from kefu.tickets.models import Ticket

    notice = make_notice(lead, publish=True)
    api = api_as(agent)
    response = api.post(
        "/tickets",
        {"type": "repair", "channel": "phone", "content": "家里没水了", "notice_id": notice.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    serial = body["serial"]
    # Answered from the notice and done on the spot: an inquiry, not an open repair.
    assert (body["type"], body["status"], body["department"]) == ("inquiry", "closed", "")
    assert list(NoticeLink.objects.values_list("notice_id", "ticket__serial", "answered")) == [
        (notice.pk, serial, True)
    ]
    labels = {e["action"]: e.get("action_label") for e in body["timeline"]}
    assert "notice" in labels
    notes = [e["note"] for e in body["timeline"]]
    assert f"按公告答复:{notice.title}" in notes
    # Nothing is owed any more: no time limit runs, no repair is counted.
    assert not Deadline.objects.filter(ticket__serial=serial, state="pending").exists()
    assert not Ticket.objects.filter(type__code="repair").exists()
    # An inquiry about the outage too; a complaint or a request for help stays open.
    for type_code, status in (
        ("inquiry", "closed"),
        ("complaint", "accepted"),
        ("help", "accepted"),
    ):
        made = api.post(
            "/tickets",
            {"type": type_code, "channel": "phone", "content": "停水的事", "notice_id": notice.pk},
        )
        assert made.status_code == 201, made.content
        assert (made.json()["type"], made.json()["status"]) == (
            "inquiry" if status == "closed" else type_code,
            status,
        )
    calls = api.get(f"/notices/{notice.pk}").json()["calls"]
    assert calls == {"total": 4, "answered": 2}


def test_a_call_against_a_closed_notice_writes_no_ticket(lead, agent, api_as):
    from kefu.tickets.models import Ticket

    draft = make_notice(lead)
    response = api_as(agent).post(
        "/tickets",
        {"type": "repair", "channel": "phone", "content": "家里没水了", "notice_id": draft.pk},
    )
    assert (response.status_code, response.json()["field"]) == (409, "notice_id")
    assert Ticket.objects.count() == 0


def test_a_call_against_a_notice_is_dispatched_as_the_request_says(
    lead, agent, dept_handler, api_as
):
    notice = make_notice(lead, publish=True)
    response = api_as(agent).post(
        "/tickets",
        {
            "type": "repair",
            "channel": "phone",
            "content": "家里没水了",
            "caller_number": "13900001111",
            "address": "幸福路 8 号",
            "notice_id": notice.pk,
            "department": dept_handler.staff.department.code,
            "assignee": dept_handler.username,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["work_orders"]) == 1  # a repair the notice does not cover: sent to work
    assert (body["status"], body["department"], body["assignee"]) == (
        "dispatched",
        dept_handler.staff.department.code,
        dept_handler.username,
    )
    assert NoticeLink.objects.filter(notice=notice, ticket__serial=body["serial"]).exists()


def test_a_title_too_long_is_refused_in_the_staffs_words_and_nothing_saved(lead, api_as):
    response = api_as(lead).post("/notices", {**BODY, "title": "长" * 101})
    assert response.status_code == 422, response.content
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("title", "最多 100 个字符")
    ]
    assert Notice.objects.count() == 0
