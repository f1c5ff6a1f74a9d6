import datetime as dt
from zoneinfo import ZoneInfo

import pydantic
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.errors import ServiceError
from kefu.customers.models import Customer
from kefu.customers.services import deactivate_customer
from kefu.tickets import services
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.selectors import TicketFilters, get_timeline, list_tickets
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _steps(ticket):
    return [
        (e.kind, e.action, e.from_status, e.to_status, e.actor.username if e.actor else "")
        for e in get_timeline(ticket)
    ]


@time_machine.travel(dt.datetime(2025, 11, 22, 9, 30, tzinfo=SHANGHAI), tick=False)
def test_repair_goes_through_every_state_with_a_timeline(agent, dept_handler, lead):
    ticket = make_ticket(agent, department="repair")
    assert ticket.serial == "251122001"
    assert ticket.status == Status.DISPATCHED
    services.transition_ticket(ticket.serial, actor=dept_handler, action="start")
    services.transition_ticket(ticket.serial, actor=dept_handler, action="request_confirmation")
    services.transition_ticket(ticket.serial, actor=agent, action="resolve", note="客户确认已修好")
    services.transition_ticket(ticket.serial, actor=lead, action="follow_up", note="满意")
    services.transition_ticket(ticket.serial, actor=lead, action="close")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.assignee == dept_handler
    assert ticket.closed_at is not None
    assert _steps(ticket) == [
        ("created", "", "", "new", "agent"),
        ("status", "accept", "new", "accepted", "agent"),
        ("status", "dispatch", "accepted", "dispatched", "agent"),
        ("status", "start", "dispatched", "in_progress", "handler"),
        ("status", "request_confirmation", "in_progress", "awaiting_confirmation", "handler"),
        ("status", "resolve", "awaiting_confirmation", "resolved", "agent"),
        ("status", "follow_up", "resolved", "followed_up", "lead"),
        ("status", "close", "followed_up", "closed", "lead"),
    ]


def test_unsatisfied_customer_reopens_back_to_the_department(agent, dept_handler):
    ticket = make_ticket(agent, department="repair")
    services.transition_ticket(ticket.serial, actor=dept_handler, action="start")
    services.transition_ticket(ticket.serial, actor=dept_handler, action="resolve")
    with pytest.raises(ServiceError) as err:
        services.transition_ticket(ticket.serial, actor=agent, action="reopen")
    assert err.value.field == "note"
    services.transition_ticket(
        ticket.serial, actor=agent, action="reopen", note="客户不满意:仍在漏水"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.resolved_at is None
    # The reopening, then its time limit counted again (the repair's answer within 3 days).
    reopened, restarted = get_timeline(ticket)[-2:]
    assert reopened.note == "客户不满意:仍在漏水"
    assert restarted.note.startswith("重新处理:答复客户")


def test_refused_transition_changes_nothing(agent):
    ticket = make_ticket(agent)
    before = TicketEvent.objects.count()
    with pytest.raises(ServiceError) as err:
        services.transition_ticket(ticket.serial, actor=agent, action="close")
    assert err.value.code == "invalid_transition"
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    assert TicketEvent.objects.count() == before


def test_department_sees_only_its_own_tickets(agent, dept_handler, other_dept_handler):
    ticket = make_ticket(agent, department="repair")
    make_ticket(agent, department="billing", content="水费多收了")
    mine = list_tickets(dept_handler, TicketFilters())
    assert [t.serial for t in mine.items] == [ticket.serial]
    with pytest.raises(ServiceError) as err:
        services.transition_ticket(ticket.serial, actor=other_dept_handler, action="start")
    assert err.value.code == "not_found"


def test_department_handler_cannot_close_or_cancel(agent, dept_handler):
    ticket = make_ticket(agent, department="repair")
    with pytest.raises(ServiceError) as err:
        services.transition_ticket(ticket.serial, actor=dept_handler, action="cancel", note="x")
    assert err.value.code == "forbidden"


def test_department_head_assigns_within_the_department_only(agent, people):
    ticket = make_ticket(agent, department="repair")
    head = people["dept_head"]
    services.transition_ticket(ticket.serial, actor=head, action="dispatch", assignee="3101")
    ticket.refresh_from_db()
    assert ticket.assignee.username == "handler"
    with pytest.raises(ServiceError) as err:
        services.transition_ticket(
            ticket.serial, actor=head, action="dispatch", department="billing"
        )
    assert err.value.code == "forbidden"
    with pytest.raises(ServiceError) as err:
        services.assign_ticket(ticket.serial, actor=head, assignee="billing")
    assert err.value.field == "assignee"


def test_return_sends_the_ticket_back_to_the_center(agent, dept_handler):
    ticket = make_ticket(agent, department="repair")
    services.transition_ticket(
        ticket.serial, actor=dept_handler, action="return", note="不属于本部门"
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department, ticket.assignee) == (Status.ACCEPTED, None, None)
    assert list_tickets(dept_handler, TicketFilters()).items == []


def test_branch_agent_cannot_take_requests_for_another_branch(people):
    with pytest.raises(ServiceError) as err:
        make_ticket(people["sz_agent"], area="yhy")
    assert err.value.code == "forbidden"
    ticket = make_ticket(people["sz_agent"], area="nsh")
    assert ticket.branch.code == "sz"


def test_intake_identifies_the_caller_and_takes_the_customer_branch(agent):
    customer = make_customer(agent, phones=["13900001111"], area="nsh", name="深圳客户")
    ticket = make_ticket(agent, caller_number="+86 139 0000 1111")
    assert ticket.customer == customer
    assert ticket.branch.code == "sz"
    assert ticket.area.code == "nsh"
    anonymous = make_ticket(agent, caller_number="13900001111", anonymous=True)
    assert anonymous.customer is None


def test_intake_names_the_caller_only_when_one_active_customer_has_the_number(agent):
    landlord = make_customer(agent, phones=["13900002222"], name="房东")
    assert make_ticket(agent, caller_number="139 0000 2222").customer == landlord
    tenant = make_customer(agent, phones=["13900002222"], name="租户")  # a shared number
    assert make_ticket(agent, caller_number="13900002222").customer is None
    deactivate_customer(landlord.id, actor=agent, reason="已销户")
    ticket = make_ticket(agent, caller_number="13900002222")
    assert ticket.customer == tenant
    assert (ticket.branch, ticket.area) == (tenant.branch, tenant.area)
    # The customer is read as the ORM reads it: its times compare with the stored ones.
    assert ticket.customer.updated_at == Customer.objects.get(pk=tenant.pk).updated_at
    assert make_ticket(agent, caller_number="13900003333").customer is None  # nobody's


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "nonsense"}, "type"),
        ({"content": "   "}, "content"),
        ({"caller_number": "call me"}, "caller_number"),
        ({"received_at": dt.datetime(2100, 1, 1, tzinfo=SHANGHAI)}, "received_at"),
        ({"customer_id": 999999}, "customer_id"),
        ({"area": "nowhere"}, "area"),
    ],
)
def test_bad_intake_is_refused_and_nothing_written(agent, fields, field):
    with pytest.raises(ServiceError) as err:
        make_ticket(agent, **fields)
    assert err.value.field == field
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_an_unknown_channel_is_refused_by_the_input_declaration(agent):
    with pytest.raises(pydantic.ValidationError) as err:
        make_ticket(agent, channel="fax")
    assert [e["loc"] for e in err.value.errors()] == [("channel",)]
    assert Ticket.objects.count() == 0


def test_letter_may_be_recorded_with_its_received_time(agent):
    received = dt.datetime(2025, 11, 20, 10, 0, tzinfo=SHANGHAI)
    ticket = make_ticket(agent, channel="letter", received_at=received)
    assert ticket.received_at == received


def test_merging_keeps_both_histories(agent, lead):
    first = make_ticket(agent, content="小区停水")
    duplicate = make_ticket(agent, content="小区又停水了")
    services.add_note(duplicate.serial, actor=agent, note="同一片区重复来电")
    survivor = services.merge_tickets(duplicate.serial, into=first.serial, actor=lead, note="重复")
    duplicate.refresh_from_db()
    assert survivor == first
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, first)
    serials = [e.ticket.serial for e in get_timeline(first)]
    assert serials.count(duplicate.serial) == 4  # created, accepted, note, merged
    with pytest.raises(ServiceError):
        services.merge_tickets(duplicate.serial, into=first.serial, actor=lead)
    with pytest.raises(ServiceError):
        services.merge_tickets(first.serial, into=first.serial, actor=lead)


def test_attachment_is_kept_and_too_large_refused(agent, settings):
    ticket = make_ticket(agent)
    attachment = services.add_attachment(
        ticket.serial,
        actor=agent,
        upload=SimpleUploadedFile("现场.jpg", b"\xff\xd8jpeg", "image/jpeg"),
    )
    assert (attachment.name, attachment.size) == ("现场.jpg", 6)
    settings.MAX_UPLOAD_MB = 0
    with pytest.raises(ServiceError) as err:
        services.add_attachment(
            ticket.serial,
            actor=agent,
            upload=SimpleUploadedFile("big.bin", b"12", "application/octet-stream"),
        )
    assert err.value.code == "too_large"
    assert ticket.attachments.count() == 1


def test_fulltext_search_finds_chinese_words(agent):
    outage = make_ticket(agent, content="阳光花园小区从早上开始停水,至今未恢复")
    make_ticket(agent, content="咨询阶梯水价")
    found = list_tickets(agent, TicketFilters(q="停水"))
    assert [t.serial for t in found.items] == [outage.serial]
    assert list_tickets(agent, TicketFilters(q="小区 停水")).count == 1
    assert list_tickets(agent, TicketFilters(q="燃气")).count == 0
    assert list_tickets(agent, TicketFilters(q="\"'*)")).count == 2


def test_queue_costs_the_same_queries_for_any_page_size(agent, django_assert_num_queries):
    for n in range(12):
        make_ticket(agent, content=f"第{n}件")
    from django.db import connection

    # The count and the page; on PostgreSQL the page runs in a savepoint that sets and resets
    # its planner setting.
    with django_assert_num_queries(2 + (4 if connection.vendor == "postgresql" else 0)):
        page = list_tickets(agent, TicketFilters(view="open"), per_page=10)
    assert (page.count, len(page.items), page.has_next) == (12, 10, True)


@pytest.mark.parametrize(
    ("view", "indexes"),
    [
        ("open", {"ticket_open_dept_recent"}),
        # A handler's own tickets are in their department: either date-ordered index serves.
        ("mine", {"ticket_assignee_recent", "ticket_dept_recent"}),
    ],
)
def test_department_queues_walk_an_index_in_date_order(agent, dept_handler, view, indexes):
    from django.db import connection

    from kefu.tickets.selectors import filter_tickets

    make_ticket(agent, department="repair")
    if connection.vendor == "postgresql":
        # A handful of rows, and whatever statistics autovacuum left from earlier tests: make
        # the planner show the date-ordered path it takes on a real center's table.
        with connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
    queryset = filter_tickets(dept_handler, TicketFilters(view=view)).order_by(
        "-received_at", "-id"
    )[:20]
    plan = queryset.explain()
    assert any(index in plan for index in indexes), plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


def test_search_counts_only_so_far_and_still_pages_on(agent, monkeypatch):
    from kefu.tickets import selectors

    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 10)
    matching = [make_ticket(agent, content=f"停水第{n}户") for n in range(25)]
    make_ticket(agent, content="水压低")  # the newest, and no match
    first = list_tickets(agent, TicketFilters(q="停水"), per_page=5)
    assert (first.count, first.count_capped, first.has_next) == (10, True, True)
    # Many matches are read in date order through the queue's index: newest first, only matches.
    assert [t.serial for t in first.items] == [t.serial for t in reversed(matching)][:5]
    # Past the counted pages the count says "at least the rows up to this page" ("15+", with no
    # more counting), and paging goes on to the last match.
    third = list_tickets(agent, TicketFilters(q="停水"), page=3, per_page=5)
    assert (third.count, third.count_capped, third.has_next) == (15, True, True)
    last = list_tickets(agent, TicketFilters(q="停水"), page=5, per_page=5)
    assert (last.count, last.count_capped, last.has_next, len(last.items)) == (25, True, False, 5)
    assert [t.serial for t in last.items] == [t.serial for t in reversed(matching)][20:]
    plain = list_tickets(agent, TicketFilters(), per_page=5)
    assert (plain.count, plain.count_capped) == (26, False)


def test_merged_tickets_are_found_by_index_even_with_statistics(agent):
    """With statistics saying merged_into is nearly all NULL, SQLite scanned the table."""
    from django.db import connection

    survivor = make_ticket(agent)
    for n in range(30):
        make_ticket(agent, content=f"第{n}件")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Ticket.objects.filter(merged_into=survivor).order_by().explain()
    assert "ticket_merged_into" in plan or "merged_into_id_" in plan, plan
    if connection.vendor == "sqlite":
        assert "ticket_merged_into" in plan, plan


def test_queue_planner_setting_does_not_outlive_the_page(agent):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    make_ticket(agent)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        before = cursor.fetchone()[0]
        list_tickets(agent, TicketFilters())
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == before


def test_caller_in_a_closed_area_is_still_taken_under_the_branch(agent):
    customer = make_customer(agent)  # 阳光花园 (yhy) of the head office
    customer.area.is_active = False
    customer.area.save()
    ticket = make_ticket(agent, caller_number="138 1234 5678")
    assert (ticket.customer, ticket.branch.code, ticket.area) == (customer, "hq", None)
    events = list(ticket.events.order_by("at", "id"))
    assert [e.to_status for e in events] == ["new", "accepted"]
    assert len({e.at for e in events}) == 1


def test_an_assignment_that_changes_nothing_writes_nothing(agent, people, api_as):
    from kefu.tickets.models import TicketEvent

    ticket = make_ticket(agent)
    api = api_as(agent)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    for body in ({}, {"assignee": ""}):  # nobody again
        assert api.post(f"/tickets/{ticket.serial}/assign", body).status_code == 200
    for raw in ("null", '{"assignee": null}'):  # nobody, or refused in words
        reply = api.client.post(
            f"/api/v1/tickets/{ticket.serial}/assign",
            raw,
            content_type="application/json",
            **api.auth,
        )
        assert reply.status_code in (200, 422)  # a null body reads as no assignee
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    api.post(f"/tickets/{ticket.serial}/assign", {"assignee": "lead"})
    api.post(f"/tickets/{ticket.serial}/assign", {"assignee": "lead"})  # the same person again
    assigned = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ASSIGNED)
    assert [e.data for e in assigned] == [{"from": "", "to": "lead"}]
