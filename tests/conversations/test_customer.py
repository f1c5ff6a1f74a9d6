"""Whose request a message is: a customer's e-mail address in the archive identifies their
mail, and an agent says whose it is afterwards (关联客户), keeping the address for next time."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from kefu.conversations.models import Direction, Message
from kefu.conversations.services import Inbound, link_customer, receive, reply
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.customers.importer import import_customers
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import merge_tickets
from tests.customers.factories import make_customer
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def mail(address: str = "Zhang.Wei@Example.com", **fields) -> Inbound:
    values = {
        "channel": "email",
        "address": address,
        "name": "张伟",
        "subject": "水费账单有误",
        "body": "我家这个月水费 380 元,比上月多了三倍,请核查。",
        "center_address": "service@water.example.com",
        "type": "inquiry",
    }
    return Inbound(**(values | fields))


# ------------------------------------------------------------------- the archive's address


def test_the_archive_keeps_an_email_address_lower_cased_and_refuses_a_wrong_one(agent, api_as):
    api = api_as(agent)
    made = api.post("/customers", {"name": "张伟", "email": " Zhang.Wei@Example.COM "})
    assert made.status_code == 201, made.content
    assert made.json()["email"] == "zhang.wei@example.com"
    before = Customer.objects.count()
    bad = api.post("/customers", {"name": "李四", "email": "not-an-address"})
    assert bad.status_code == 422
    assert "email" in bad.content.decode() and Customer.objects.count() == before
    # An update that does not name the address leaves it; one that names "" clears it.
    customer_id = made.json()["id"]
    kept = api.put(f"/customers/{customer_id}", {"name": "张伟(改)"})
    assert kept.status_code == 200 and kept.json()["email"] == "zhang.wei@example.com"
    cleared = api.put(f"/customers/{customer_id}", {"name": "张伟", "email": ""})
    assert cleared.json()["email"] == ""


def test_the_address_is_masked_for_who_may_not_see_personal_data(people, agent, api_as, web_as):
    customer = make_customer(agent, name="张伟", email="zhang.wei@example.com")
    shown = api_as(agent).get(f"/customers/{customer.pk}").json()
    assert shown["email"] == "zhang.wei@example.com"
    masked = api_as(people["quality"]).get(f"/customers/{customer.pk}").json()
    assert masked["email"] == "zh****@example.com"
    page = web_as(people["quality"]).get(f"/customers/{customer.pk}/").content.decode()
    assert "zh****@example.com" in page and "zhang.wei@example.com" not in page
    listed = api_as(people["quality"]).get("/customers", {"q": "zhang.wei@example.com"}).json()
    assert [c["email"] for c in listed["items"]] == ["zh****@example.com"]


def test_the_form_and_the_excel_import_take_the_address(agent, web_as):
    client = web_as(agent)
    answer = client.post(
        "/customers/new",
        {"name": "王芳", "kind": "person", "phones": "13700001111", "email": "Wang@Example.com"},
    )
    assert answer.status_code == 302
    assert Customer.objects.get(name="王芳").email == "wang@example.com"
    refused = client.post("/customers/new", {"name": "赵六", "kind": "person", "email": "x@"})
    assert refused.status_code == 422 and "电子邮箱无效" in refused.content.decode()
    assert not Customer.objects.filter(name="赵六").exists()
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "电话", "邮箱"])
    sheet.append(["孙七", "13600002222", "Sun@Example.com"])
    sheet.append(["周八", "13600003333", "坏地址"])
    data = io.BytesIO()
    book.save(data)
    result = import_customers(data.getvalue(), actor=agent)
    assert (result.created, result.rejected) == (1, 1)
    assert result.errors[0]["field"] == "email" and result.errors[0]["row"] == 3
    assert Customer.objects.get(name="孙七").email == "sun@example.com"


# ------------------------------------------------------------------ identified by the address


def test_a_mail_from_the_archives_address_is_that_customers(agent, org):
    customer = make_customer(
        agent, name="张伟", email="zhang.wei@example.com", branch="sz", area="nsh"
    )
    ticket = receive(mail()).ticket
    assert ticket.customer_id == customer.pk
    assert (ticket.branch.code, ticket.area.code) == ("sz", "nsh")  # where the customer lives


def test_an_address_two_customers_share_or_an_inactive_ones_identifies_nobody(agent, api_as):
    first = make_customer(agent, name="张伟", email="family@example.com", phones=("13811110001",))
    # A second active customer with the address would leave both unknown: refused.
    twice = api_as(agent).post("/customers", {"name": "张伟妻", "email": "Family@example.com"})
    assert twice.status_code == 409 and twice.json()["field"] == "email"
    assert not Customer.objects.filter(name="张伟妻").exists()
    # One already there beside it (older data) makes the address nobody's.
    Customer.objects.create(name="张伟妻", email="family@example.com", branch=first.branch)
    assert receive(mail("family@example.com")).ticket.customer_id is None
    gone = make_customer(agent, name="旧户", email="old@example.com", phones=("13811110003",))
    Customer.objects.filter(pk=gone.pk).update(is_active=False)
    assert receive(mail("old@example.com", external_id="<o1@x>")).ticket.customer_id is None


def test_the_archives_address_may_quote_a_ticket_taken_by_phone(agent):
    customer = make_customer(agent, name="张伟", email="zhang.wei@example.com")
    by_phone = make_ticket(agent, customer_id=customer.pk, caller_number="")
    got = receive(mail(subject=f"补充材料 [#{by_phone.serial}]", body="照片见附件说明"))
    assert got.ticket.pk == by_phone.pk and not got.created
    # A stranger quoting the serial gets a ticket of their own.
    other = receive(mail("someone@else.example.com", subject=f"[#{by_phone.serial}]"))
    assert other.created and other.ticket.pk != by_phone.pk


def test_a_reply_by_mail_goes_to_the_archives_address_when_nobody_wrote(agent):
    customer = make_customer(agent, name="张伟", email="zhang.wei@example.com")
    ticket = make_ticket(agent, customer_id=customer.pk)
    sent = reply(ticket.serial, actor=agent, text="您的水费已核实无误。", via="email")
    assert sent.address == "zhang.wei@example.com" and sent.delivery is not None


# -------------------------------------------------------------------- said afterwards (关联客户)


def test_an_agent_says_whose_mail_it_was_and_the_next_mail_is_known(agent, api_as, web_as):
    customer = make_customer(agent, name="张伟", phones=("13812345678",))
    first = receive(mail()).ticket
    assert first.customer_id is None
    answer = api_as(agent).post(
        f"/tickets/{first.serial}/customer", {"customer_id": customer.pk, "remember": True}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["customer_id"] == customer.pk
    customer.refresh_from_db()
    assert customer.email == "zhang.wei@example.com"
    event = TicketEvent.objects.get(ticket=first, action="customer")
    assert event.data["customer"] == customer.pk and event.data["remembered"] is True
    assert AuditLog.objects.filter(action="ticket.customer", object_id=str(first.pk)).exists()
    page = web_as(agent).get(f"/tickets/{first.serial}/").content.decode()
    assert "关联客户" in page and 'data-action="customer"' in page
    # The customer's next mail, a new matter, is theirs from the start.
    second = receive(mail(subject="水表漏水", body="水表井在漏水", external_id="<n2@x>")).ticket
    assert second.pk != first.pk and second.customer_id == customer.pk


def test_remembering_a_number_adds_it_to_the_customers_phones(agent):
    customer = make_customer(agent, name="张伟", phones=("13812345678",))
    ticket = receive(Inbound(channel="sms", address="13999990000", body="家里没水了")).ticket
    link_customer(ticket.serial, actor=agent, customer_id=customer.pk, remember=True)
    assert set(customer.phones.values_list("number", flat=True)) == {"13812345678", "13999990000"}


def test_a_customer_with_another_address_is_not_changed_behind_the_agents_back(agent, api_as):
    customer = make_customer(agent, name="张伟", email="old@example.com")
    ticket = receive(mail()).ticket
    answer = api_as(agent).post(
        f"/tickets/{ticket.serial}/customer", {"customer_id": customer.pk, "remember": True}
    )
    assert answer.status_code == 409
    ticket.refresh_from_db()
    customer.refresh_from_db()
    assert ticket.customer_id is None and customer.email == "old@example.com"
    assert not TicketEvent.objects.filter(ticket=ticket, action="customer").exists()


def test_who_may_say_whose_request_it_is(people, agent, api_as):
    sz_customer = make_customer(agent, name="深圳客户", branch="sz", area="nsh")
    ticket = receive(mail()).ticket
    # A customer the agent may not see is refused as an unknown one.
    hq_customer = make_customer(agent, name="总部客户", phones=("13700000001",))
    sz_ticket = make_ticket(people["sz_agent"], content="深圳的诉求", branch="sz", area="nsh")
    hidden = api_as(people["sz_agent"]).post(
        f"/tickets/{sz_ticket.serial}/customer", {"customer_id": hq_customer.pk}
    )
    assert hidden.status_code == 422
    assert Ticket.objects.get(pk=sz_ticket.pk).customer_id is None
    # The quality inspector reads only; a ticket out of reach is not found.
    assert (
        api_as(people["quality"])
        .post(f"/tickets/{ticket.serial}/customer", {"customer_id": sz_customer.pk})
        .status_code
        == 403
    )
    assert (
        api_as(people["sz_agent"])
        .post(f"/tickets/{ticket.serial}/customer", {"customer_id": sz_customer.pk})
        .status_code
        == 404
    )
    assert api_as(agent).post(f"/tickets/{ticket.serial}/customer", {}).status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).customer_id is None


def test_a_customer_taken_off_and_a_merged_ticket(agent):
    customer = make_customer(agent, name="张伟")
    ticket = receive(mail()).ticket
    link_customer(ticket.serial, actor=agent, customer_id=customer.pk)
    link_customer(ticket.serial, actor=agent, customer_id=None)
    ticket.refresh_from_db()
    assert ticket.customer_id is None
    notes = list(
        TicketEvent.objects.filter(ticket=ticket, action="customer").values_list("data", flat=True)
    )
    assert [(n["before"], n["customer"]) for n in notes] == [
        (None, customer.pk),
        (customer.pk, None),
    ]
    other = make_ticket(agent, content="另一件事")
    merge_tickets(ticket.serial, into=other.serial, actor=agent)
    with pytest.raises(ServiceError) as refused:
        link_customer(ticket.serial, actor=agent, customer_id=customer.pk)
    assert refused.value.code == "conflict"


def test_the_ticket_page_finds_the_customer_and_offers_several_to_pick(agent, web_as):
    make_customer(agent, name="张伟", phones=("13800000001",), account_no="A-001")
    second = make_customer(agent, name="张伟", phones=("13800000002",), account_no="A-002")
    ticket = receive(mail()).ticket
    client = web_as(agent)
    url = f"/tickets/{ticket.serial}/customer"
    several = client.post(url, {"q": "张伟"}, HTTP_HX_REQUEST="true")
    body = several.content.decode()
    assert several.status_code == 422 and "找到多个客户" in body
    assert body.count('name="customer_id"') == 2 and "A-002" in body
    nobody = client.post(url, {"q": "没有这个人"}, HTTP_HX_REQUEST="true")
    assert nobody.status_code == 422 and "未找到客户" in nobody.content.decode()
    picked = client.post(url, {"customer_id": str(second.pk), "remember": "1"})
    assert picked.status_code == 302
    ticket.refresh_from_db()
    second.refresh_from_db()
    assert ticket.customer_id == second.pk and second.email == "zhang.wei@example.com"
    found = client.post(url, {"q": "A-001"})
    assert found.status_code == 302
    ticket.refresh_from_db()
    assert ticket.customer.account_no == "A-001"
    # What the agent did is on the ticket, and the messages are untouched.
    assert Message.objects.filter(ticket=ticket, direction=Direction.IN).count() == 1


def test_keeping_an_address_another_customer_has_is_refused(agent, api_as):
    make_customer(agent, name="张伟", email="zhang.wei@example.com", phones=("13811110001",))
    other = make_customer(agent, name="李四", phones=("13811110002",))
    Customer.objects.filter(email="zhang.wei@example.com").update(is_active=True)
    ticket = receive(mail(external_id="<k1@x>")).ticket
    Ticket.objects.filter(pk=ticket.pk).update(customer=None)
    answer = api_as(agent).post(
        f"/tickets/{ticket.serial}/customer", {"customer_id": other.pk, "remember": True}
    )
    assert answer.status_code == 409 and answer.json()["field"] == "remember"
    other.refresh_from_db()
    assert other.email == "" and Ticket.objects.get(pk=ticket.pk).customer_id is None


def test_a_branch_agent_keeps_their_own_branchs_archive(people, api_as, web_as):
    sz = people["sz_agent"]
    api = api_as(sz)
    before = Customer.objects.count()
    for body in ({"name": "深圳建总部", "area": "yhy"}, {"name": "深圳建总部", "branch": "hq"}):
        refused = api.post("/customers", body)
        assert refused.status_code == 403 and refused.json()["field"] == "branch"
    assert Customer.objects.count() == before
    made = api.post("/customers", {"name": "深圳客户", "phones": [{"number": "13755550009"}]})
    assert made.status_code == 201 and made.json()["branch"] == "sz"
    moved = api.put(f"/customers/{made.json()['id']}", {"name": "深圳客户", "branch": "hq"})
    assert moved.status_code == 403
    # Editing on the page (no branch field) keeps the customer where they are.
    page = web_as(sz).post(
        f"/customers/{made.json()['id']}/edit", {"name": "深圳客户(改)", "kind": "person"}
    )
    assert page.status_code == 302
    assert Customer.objects.get(pk=made.json()["id"]).branch.code == "sz"
    book = Workbook()
    book.active.append(["姓名", "片区"])
    book.active.append(["总部客户", "yhy"])
    data = io.BytesIO()
    book.save(data)
    result = import_customers(data.getvalue(), actor=sz)
    assert (result.created, result.rejected) == (0, 1) and result.errors[0]["field"] == "branch"
