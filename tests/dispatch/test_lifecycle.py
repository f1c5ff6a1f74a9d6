"""A work order's life: created, dispatched, taken through the field, closed by the center."""

from __future__ import annotations

import pytest

from kefu.core.errors import ServiceError
from kefu.dispatch import access, services
from kefu.dispatch.models import Status, TrackingRecord, WorkOrder
from tests.dispatch.factories import make_field, make_order


@pytest.fixture
def field(org, people):
    return make_field(org, people)


def test_an_order_goes_from_dispatch_through_the_field_to_closed(agent, field, lead):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    assert order.status == Status.DISPATCHED
    assert order.serial.startswith("P")
    assert order.dispatcher == lead  # the desk's dispatcher gets the copy
    for action in ("accept", "depart", "arrive"):
        services.transition_order(order.serial, actor=fitter, action=action)
    services.complete_order(order.serial, actor=fitter, result="更换水管1米", materials="PPR管1米")
    order = services.transition_order(order.serial, actor=agent, action="close", note="已核实")
    assert order.status == Status.CLOSED
    steps = list(order.tracking.values_list("kind", "action", "to_status"))
    assert steps == [
        ("created", "", "pending"),
        ("status", "dispatch", "dispatched"),
        ("status", "accept", "accepted"),
        ("status", "depart", "en_route"),
        ("status", "arrive", "on_site"),
        ("status", "complete", "completed"),
        ("status", "close", "closed"),
    ]


def test_field_staff_cannot_close_and_a_refused_action_changes_nothing(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    with pytest.raises(ServiceError) as caught:
        services.transition_order(order.serial, actor=fitter, action="close")
    assert caught.value.code == "forbidden"
    with pytest.raises(ServiceError) as caught:
        services.transition_order(order.serial, actor=fitter, action="depart")
    assert caught.value.code == "invalid_transition"
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED
    assert order.tracking.count() == 2


def test_redispatch_keeps_who_had_the_order(agent, field):
    order = make_order(agent, dispatch_to=field["fitter"])
    services.transition_order(order.serial, actor=field["fitter"], action="return", note="配件不足")
    order = services.dispatch_order(order.serial, actor=agent, assignee="fitter2")
    assert order.assignee == field["helper"]
    last = order.tracking.filter(kind=TrackingRecord.Kind.STATUS).last()
    assert last.action == "redispatch"
    assert last.data["previous"] == {"assignee": "fitter", "crew": "", "status": "returned"}
    assert WorkOrder.objects.get(pk=order.pk).return_reason == "配件不足"


def test_other_department_sees_nothing(agent, field, other_dept_handler):
    order = make_order(agent, dispatch_to=field["fitter"])
    with pytest.raises(ServiceError) as caught:
        access.access_order(other_dept_handler, order.serial)
    assert caught.value.code == "not_found"


def test_a_ticket_cannot_resolve_while_its_work_order_is_open(agent, field, dept_handler):
    from kefu.tickets.services import transition_ticket
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(agent, content="楼道水管漏水")
    order = make_order(agent, dispatch_to=field["fitter"], ticket_serial=ticket.serial)
    transition_ticket(ticket.serial, actor=dept_handler, action="start")
    with pytest.raises(ServiceError) as caught:
        transition_ticket(ticket.serial, actor=dept_handler, action="resolve")
    assert caught.value.code == "invalid_transition"
    assert order.serial in caught.value.detail
    services.transition_order(order.serial, actor=agent, action="cancel", note="客户自行修好")
    ticket = transition_ticket(ticket.serial, actor=dept_handler, action="resolve")
    assert ticket.status == "resolved"


def test_several_orders_per_ticket_each_on_its_timeline(agent, field):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(agent, content="水表漏水且需更换阀门")
    first = make_order(agent, dispatch_to=field["fitter"], ticket_serial=ticket.serial)
    second = make_order(agent, ticket_serial=ticket.serial, kind="install")
    assert set(ticket.work_orders.values_list("serial", flat=True)) == {first.serial, second.serial}
    notes = list(ticket.events.filter(kind="work_order").values_list("data__work_order", flat=True))
    assert notes == [first.serial, first.serial, second.serial]


def test_a_text_file_called_a_photo_is_refused_and_nothing_is_stored(agent, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    for action in ("accept", "arrive"):
        services.transition_order(order.serial, actor=fitter, action=action)
    from tests.dispatch.test_mobile_pages import tiny_png

    fake = SimpleUploadedFile("现场.png", b"not a picture at all", content_type="image/png")
    signature = tiny_png()  # a good signature: the photo alone is refused
    with pytest.raises(ServiceError) as caught:
        services.complete_order(
            order.serial, actor=fitter, result="已修好", signature_png=signature, photos=[fake]
        )
    assert (caught.value.code, caught.value.field) == ("invalid", "photos")
    order.refresh_from_db()
    assert (order.status, order.signature.name, order.photos.count()) == ("on_site", "", 0)


def test_only_ticket_types_a_policy_names_become_work_orders(agent, field):
    from tests.tickets.factories import make_ticket

    inquiry = make_ticket(agent, type="inquiry", content="咨询阶梯水价")
    with pytest.raises(ServiceError) as caught:
        make_order(agent, ticket_serial=inquiry.serial)
    assert caught.value.field == "ticket"
    assert WorkOrder.objects.count() == 0
    inquiry.type.work_order_kind = "survey"  # the center names the type in the admin
    inquiry.type.save()
    assert make_order(agent, ticket_serial=inquiry.serial).ticket == inquiry


def test_a_result_sent_back_to_redo_texts_the_field_staff_again(agent, field):
    fitter = field["fitter"]
    order = make_order(agent, dispatch_to=fitter)
    for action in ("accept", "arrive"):
        services.transition_order(order.serial, actor=fitter, action=action)
    services.complete_order(order.serial, actor=fitter, result="已修好")
    order = services.transition_order(
        order.serial, actor=agent, action="reject", note="客户反映仍在漏水"
    )
    assert order.status == Status.DISPATCHED
    texts = list(
        order.messages.filter(role="assignee").values_list("recipient__username", flat=True)
    )
    assert texts == ["fitter", "fitter"]
