"""Submitting, following, writing again and rating a request from the portal."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Department
from kefu.complaints.models import RoutingRule
from kefu.conversations.models import Direction, Message, MessageAttachment
from kefu.conversations.services import reply
from kefu.core.errors import Code, ServiceError
from kefu.dispatch.models import Source, WorkOrder
from kefu.followups.models import Survey
from kefu.portal import selectors, services
from kefu.portal.models import PortalThrottle
from kefu.tickets import services as tickets
from kefu.tickets.models import Channel, Status, Ticket, TicketEvent, TicketType
from tests.portal.conftest import CLIENT, JPEG, OTHER, PHONE, PNG, proved

pytestmark = pytest.mark.django_db


def submit(token, **fields):
    values = {"type_code": "repair", "content": "楼道水管漏水", "client": CLIENT} | fields
    if values["type_code"] == "repair":
        values.setdefault("address", "解放路 12 号")
    return services.submit_request(token, **values)


def test_the_shipped_public_types(org):
    codes = {t.code for t in services.public_types()}
    assert codes == {"repair", "inquiry", "complaint", "help", "suggestion", "order"}


def test_a_request_becomes_a_web_ticket_with_its_photos(token):
    got = submit(
        token,
        type_code="inquiry",
        content="水费怎么交",
        contact_name="李雷",
        area="yhy",
        photos=[services.Photo("a.jpg", JPEG), services.Photo("b.png", PNG)],
    )
    ticket = Ticket.objects.get(serial=got.serial)
    assert (ticket.channel, ticket.type.code, ticket.caller_number) == ("web", "inquiry", PHONE)
    assert ticket.contact_name == "李雷" and ticket.area.code == "yhy"
    assert ticket.content == "水费怎么交"
    message = Message.objects.get(ticket=ticket)
    assert (message.direction, message.address) == (Direction.IN, PHONE)
    files = MessageAttachment.objects.filter(message=message).order_by("id")
    assert [(f.name, f.content_type) for f in files] == [
        ("a.jpg", "image/jpeg"),
        ("b.png", "image/png"),
    ]
    assert got.work_order == ""


def test_text_named_jpg_is_refused_and_nothing_is_written(token):
    with pytest.raises(ServiceError) as err:
        submit(token, photos=[services.Photo("evil.jpg", b"<?php echo 1; ?>")])
    assert (err.value.code, err.value.field) == (Code.INVALID, "photos")
    assert not Ticket.objects.exists()


def test_six_photos_and_a_photo_too_large_are_refused(token, settings):
    with pytest.raises(ServiceError) as err:
        submit(token, photos=[services.Photo(f"{n}.jpg", JPEG) for n in range(6)])
    assert err.value.detail == "最多上传 5 张照片"
    settings.MAX_UPLOAD_MB = 1
    with pytest.raises(ServiceError) as err:
        submit(token, photos=[services.Photo("big.jpg", JPEG + b"\x00" * 1024 * 1024)])
    assert err.value.code == Code.TOO_LARGE
    assert not Ticket.objects.exists()


def test_without_a_proved_phone_nothing_is_submitted(org):
    with pytest.raises(ServiceError) as err:
        submit("", type_code="inquiry")
    assert err.value.code == Code.FORBIDDEN
    with pytest.raises(ServiceError):
        submit("forged-token", type_code="inquiry")
    assert not Ticket.objects.exists()


def test_a_type_not_public_is_refused(token):
    TicketType.objects.filter(code="inquiry").update(is_public=False)
    with pytest.raises(ServiceError) as err:
        submit(token, type_code="inquiry")
    assert err.value.field == "type"
    with pytest.raises(ServiceError):
        submit(token, type_code="report")
    assert not Ticket.objects.exists()


def test_the_honeypot_answers_as_accepted_and_records_nothing(org, caplog):
    got = submit("", type_code="", content="", honeypot="http://spam.example")
    assert len(got.serial) == 9 and got.serial.isdigit()
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert "honeypot" in caplog.text


def test_submissions_are_limited_per_phone(token):
    for n in range(5):
        submit(token, type_code="inquiry", content=f"咨询 {n}")
    with pytest.raises(ServiceError) as err:
        submit(token, type_code="inquiry", content="第六次")
    assert err.value.code == Code.TOO_MANY
    assert Ticket.objects.count() == 5


def test_an_order_type_with_a_department_becomes_a_web_order_awaiting_verification(token):
    TicketType.objects.filter(code="order").update(work_order_kind="pickup")
    RoutingRule.objects.create(
        ticket_type=TicketType.objects.get(code="order"),
        department=Department.objects.get(code="repair"),
    )
    got = submit(token, type_code="order", content="两箱书寄往杭州", address="解放路 12 号")
    order = WorkOrder.objects.get(serial=got.work_order)
    assert (order.source, order.status, order.kind) == (Source.WEB, "pending", "pickup")
    assert order.ticket.serial == got.serial and order.customer_phone == PHONE
    assert order.verify_due_at is not None and order.verified_at is None
    assert order.created_by is None


def test_an_order_type_needs_an_address(token):
    with pytest.raises(ServiceError) as err:
        submit(token, type_code="repair", address="")
    assert err.value.field == "address"


# ---------------------------------------------------------------------------------- tracking


def test_the_customer_sees_progress_in_their_words_and_the_agents_reply(token, agent):
    serial = submit(token, type_code="inquiry", content="阶梯水价怎么算").serial
    tickets.transition_ticket(serial, actor=agent, action="accept")
    reply(serial, actor=agent, text="您好,阶梯水价按年用水量分三档。", via="web")
    ticket = services.find_request(token, serial, client=CLIENT)
    view = selectors.progress(ticket, PHONE)
    assert view.status_words == "已受理"
    assert [s.words for s in view.steps] == ["诉求已提交", "客服中心已受理"]
    assert view.steps[1].agent_no == agent.staff.employee_no
    assert [(m.mine, m.text) for m in view.messages] == [
        (True, "阶梯水价怎么算"),
        (False, "您好,阶梯水价按年用水量分三档。"),
    ]
    assert view.messages[1].author_no == agent.staff.employee_no
    assert not view.can_rate


def test_a_wrong_serial_and_a_wrong_phone_get_the_same_answer(token, agent):
    serial = submit(token, type_code="inquiry", content="阶梯水价").serial
    other = proved(OTHER)
    answers = []
    for who, number in ((other, serial), (token, "999999999"), (token, "")):
        with pytest.raises(ServiceError) as err:
            services.find_request(who, number, client=services.client_key(who[:9]))
        answers.append((err.value.code, err.value.detail, err.value.field, err.value.status))
    assert answers == [(Code.NOT_FOUND, "未找到该工单,请核对工单号和手机号", "serial", 404)] * 3


def test_lookups_are_limited_per_client_address(token):
    for _ in range(10):
        with pytest.raises(ServiceError) as err:
            services.find_request(token, "123456789", client=CLIENT)
        assert err.value.code == Code.NOT_FOUND
    with pytest.raises(ServiceError) as err:
        services.find_request(token, "123456789", client=CLIENT)
    assert err.value.code == Code.TOO_MANY
    assert PortalThrottle.objects.filter(scope="lookup").count() == 10


def test_a_message_joins_the_request_and_a_stranger_cannot_write(token):
    serial = submit(token, type_code="inquiry", content="阶梯水价").serial
    ticket = services.add_message(
        token,
        serial,
        body="补充:户号 SW100001",
        photos=[services.Photo("m.jpg", JPEG)],
        client=CLIENT,
    )
    assert ticket.serial == serial
    assert Message.objects.filter(ticket=ticket, direction=Direction.IN).count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, action="message_in").count() == 1
    with pytest.raises(ServiceError) as err:
        services.add_message(proved(OTHER), serial, body="冒充", client=CLIENT)
    assert err.value.code == Code.NOT_FOUND
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_a_resolved_request_is_rated_once(token, agent):
    serial = submit(token, type_code="inquiry", content="阶梯水价").serial
    with pytest.raises(ServiceError) as err:
        services.rate_request(token, serial, score=5, client=CLIENT)
    assert err.value.code == Code.INVALID_TRANSITION
    tickets.transition_ticket(serial, actor=agent, action="accept")
    tickets.transition_ticket(serial, actor=agent, action="resolve")
    assert selectors.progress(Ticket.objects.get(serial=serial), PHONE).can_rate
    with pytest.raises(ServiceError) as err:
        services.rate_request(token, serial, score=6, client=CLIENT)
    assert err.value.field == "score"
    services.rate_request(token, serial, score=4, comment="很及时", client=CLIENT)
    survey = Survey.objects.get(ticket__serial=serial)
    assert (survey.state, survey.score, survey.comment) == ("answered", 4, "很及时")
    view = selectors.progress(Ticket.objects.get(serial=serial), PHONE)
    assert (view.status_words, view.can_rate, view.score) == ("已办结", False, 4)
    with pytest.raises(ServiceError) as err:
        services.rate_request(token, serial, score=1, client=CLIENT)
    assert err.value.detail == "您已评价过,感谢您的反馈"
    assert Survey.objects.filter(ticket__serial=serial).count() == 1


def test_internal_notes_and_staff_names_never_show(token, agent):
    serial = submit(token, type_code="inquiry", content="阶梯水价").serial
    tickets.add_note(serial, actor=agent, note="客户情绪激动,内部备注")
    assert TicketEvent.objects.filter(ticket__serial=serial, note__contains="内部备注").exists()
    ticket = Ticket.objects.get(serial=serial)
    view = selectors.progress(ticket, PHONE)
    shown = " ".join([s.words for s in view.steps] + [m.text for m in view.messages])
    assert "内部备注" not in shown and agent.get_full_name() not in shown
    assert ticket.status == Status.NEW and ticket.channel == Channel.WEB
