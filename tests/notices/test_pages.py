"""The notice pages, the caller profile's banner, and the public board."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from kefu.notices.models import Notice, NoticeLink
from kefu.notices.services import add_notice_update, close_notice
from kefu.tickets.models import TicketEvent
from tests.customers.factories import make_customer
from tests.notices.factories import END, make_notice
from tests.tickets.factories import make_ticket

FORM = {
    "kind": "emergency_repair",
    "title": "幸福路爆管抢修",
    "areas": ["yhy"],
    "streets": "幸福路 1-20 号",
    "starts_at": "2026-11-24T09:00",
    "expected_end": "2026-11-24T18:00",
    "content": "",
}


def test_banner_shows_the_active_notice_for_a_caller_of_the_affected_area(lead, agent, web_as):
    make_customer(lead, name="王先生", phones=("13812345678",), area="yhy")
    notice = make_notice(lead, publish=True)
    make_notice(lead, publish=True, title="南山降压", areas=["nsh"])
    make_notice(lead, title="草稿不显示")

    page = web_as(agent).get("/workbench/lookup", {"phone": "13812345678"})

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="notice-banner"') == 1
    assert f'data-notice-id="{notice.pk}"' in html
    assert "阳光花园停水" in html
    assert "南山降压" not in html


def test_the_banner_is_narrowed_by_the_notices_streets_as_its_sms_is(lead, agent, web_as):
    """A notice for 滨河路 and ab栋 is shown to its callers there (an address written half- or
    full-width), not to a caller on 朝阳路 of the same area; one without streets to all."""
    make_customer(lead, name="王先生", phones=("13812345678",), area="yhy", address="滨河路8号")
    make_customer(lead, name="李女士", phones=("13812340000",), area="yhy", address="朝阳路1号")
    make_customer(lead, name="周先生", phones=("13812341111",), area="yhy", address="ＡＢ栋3单元")
    street = make_notice(lead, publish=True, title="滨河路抢修", streets="滨河路、ab栋")
    whole = make_notice(lead, publish=True, title="全片区降压", streets="")
    client = web_as(agent)

    def shown(phone: str) -> set[int]:
        html = client.get("/workbench/lookup", {"phone": phone}).content.decode()
        return {n.pk for n in (street, whole) if f'data-notice-id="{n.pk}"' in html}

    assert shown("13812345678") == {street.pk, whole.pk}
    assert shown("13812340000") == {whole.pk}  # 朝阳路: not on the notice's streets
    assert shown("13812341111") == {street.pk, whole.pk}  # ＡＢ栋 is ab栋 half-width


def test_no_banner_for_a_caller_of_another_area(lead, agent, web_as):
    make_customer(lead, name="赵女士", phones=("13912345678",), area="nsh")
    make_notice(lead, publish=True)

    page = web_as(agent).get("/workbench/lookup", {"phone": "13912345678"})

    assert page.status_code == 200
    assert 'data-testid="notice-banner"' not in page.content.decode()


def test_no_banner_once_the_notice_is_closed(lead, agent, web_as):
    make_customer(lead, name="王先生", phones=("13812345678",), area="yhy")
    notice = make_notice(lead, publish=True)
    close_notice(notice.pk, actor=lead, closing_text="已恢复供水")

    page = web_as(agent).get("/workbench/lookup", {"phone": "13812345678"})

    assert 'data-testid="notice-banner"' not in page.content.decode()


def test_lead_creates_and_publishes_a_notice_from_the_pages(lead, web_as):
    client = web_as(lead)

    created = client.post("/notices/new", FORM)
    notice = Notice.objects.get()
    published = client.post(f"/notices/{notice.pk}/publish", {"expected_recipients": 0})

    assert created.status_code == 302
    assert created["Location"] == f"/notices/{notice.pk}/"
    assert published.status_code == 302
    notice.refresh_from_db()
    assert (notice.kind, notice.state, notice.streets) == (
        "emergency_repair",
        "published",
        "幸福路 1-20 号",
    )
    assert notice.starts_at == dt.datetime.fromisoformat("2026-11-24T09:00+08:00")


def test_a_form_with_the_end_before_the_start_is_422_with_the_error(lead, web_as):
    reply = web_as(lead).post("/notices/new", FORM | {"expected_end": "2026-11-24T08:00"})

    assert reply.status_code == 422
    assert "预计结束时间必须晚于开始时间" in reply.content.decode()
    assert Notice.objects.count() == 0


def test_agent_sees_the_list_without_the_forms_and_cannot_publish(lead, agent, web_as):
    notice = make_notice(lead)
    client = web_as(agent)

    page = client.get("/notices/")
    refused = client.post(f"/notices/{notice.pk}/publish", {"expected_recipients": 0})

    assert page.status_code == 200
    assert 'data-testid="notice-form"' not in page.content.decode()
    assert "阳光花园停水" in page.content.decode()
    assert refused.status_code == 403
    notice.refresh_from_db()
    assert notice.state == "draft"


def test_list_shows_active_notices_first(lead, web_as):
    closed = make_notice(lead, publish=True, title="甲")
    close_notice(closed.pk, actor=lead, closing_text="已恢复")
    draft = make_notice(lead, title="乙")
    active = make_notice(lead, publish=True, title="丙")

    html = web_as(lead).get("/notices/").content.decode()

    order = [html.index(f'data-notice-id="{n.pk}"') for n in (active, draft, closed)]
    assert order == sorted(order)


def test_notice_page_shows_updates_and_the_delivery_summary(lead, web_as):
    make_customer(lead, name="王先生", phones=("13812345678",))
    make_customer(lead, name="固话", phones=("01088881234",))
    notice = make_notice(lead, publish=True)
    from kefu.notices.campaign import send_campaign_batch

    send_campaign_batch(notice.campaigns.get(purpose="published").pk)
    add_notice_update(notice.pk, actor=lead, text="已找到漏点")

    html = web_as(lead).get(f"/notices/{notice.pk}/").content.decode()

    assert 'data-testid="sms-total">2<' in html
    assert 'data-testid="sms-sent">1<' in html
    assert 'data-testid="sms-skipped">1<' in html
    assert "已找到漏点" in html


@time_machine.travel(END, tick=False)
def test_a_closed_notice_page_shows_the_publishing_and_the_closing_sms_summaries(lead, web_as):
    from kefu.notices.campaign import send_campaign_batch

    make_customer(lead, name="王先生", phones=("13812345678",))
    make_customer(lead, name="固话", phones=("01088881234",))
    notice = make_notice(lead, publish=True)
    send_campaign_batch(notice.campaigns.get(purpose="published").pk)
    close_notice(notice.pk, actor=lead, closing_text="已恢复供水")
    send_campaign_batch(notice.campaigns.get(purpose="closed").pk)

    html = web_as(lead).get(f"/notices/{notice.pk}/").content.decode()

    assert "短信通知 · 发布通知" in html
    assert 'data-testid="sms-total">2<' in html
    assert 'data-testid="sms-sent">1<' in html
    assert 'data-testid="sms-skipped">1<' in html
    assert "短信通知 · 结束通知" in html
    assert 'data-testid="closing-sms-total">1<' in html
    assert 'data-testid="closing-sms-sent">1<' in html
    assert 'data-testid="closing-sms-skipped">0<' in html


def test_an_open_notice_page_shows_no_closing_sms_summary(lead, web_as):
    notice = make_notice(lead, publish=True)

    html = web_as(lead).get(f"/notices/{notice.pk}/").content.decode()

    assert 'data-testid="sms-summary"' in html
    assert "closing-sms" not in html


@time_machine.travel(END, tick=False)
def test_lead_closes_a_notice_from_its_page(lead, web_as):
    notice = make_notice(lead, publish=True)

    reply = web_as(lead).post(
        f"/notices/{notice.pk}/close",
        {"closing_text": "已恢复供水", "actual_end": "2026-11-24T17:30"},
    )

    assert reply.status_code == 302
    notice.refresh_from_db()
    assert (notice.state, notice.closing_text) == ("closed", "已恢复供水")
    assert notice.actual_end == dt.datetime.fromisoformat("2026-11-24T17:30+08:00")


def test_closing_without_a_text_is_refused_on_the_page_and_changes_nothing(lead, web_as):
    notice = make_notice(lead, publish=True)

    reply = web_as(lead).post(f"/notices/{notice.pk}/close", {"closing_text": ""})

    assert reply.status_code == 422
    assert "请填写结束说明" in reply.content.decode()
    notice.refresh_from_db()
    assert (notice.state, notice.closed_at) == ("published", None)
    assert list(notice.campaigns.values_list("purpose", flat=True)) == ["published"]


def test_agent_links_a_call_to_the_notice_from_its_page(lead, agent, web_as):
    notice = make_notice(lead, publish=True)
    ticket = make_ticket(agent, content="家里没水")

    reply = web_as(agent).post(f"/notices/{notice.pk}/link", {"serial": ticket.serial})

    assert reply.status_code == 302
    assert NoticeLink.objects.filter(notice=notice, ticket=ticket).count() == 1
    assert TicketEvent.objects.get(ticket=ticket, action="notice").note == "关联公告:阳光花园停水"


def test_public_board_lists_active_notices_by_area_without_personal_data(lead, agent):
    make_customer(lead, name="王先生", phones=("13812345678",), address="幸福路 8 号 302")
    notice = make_notice(lead, publish=True, content="管网维修,暂停供水。")
    add_notice_update(notice.pk, actor=lead, text="预计 16:00 恢复")
    make_notice(lead, title="草稿不公开")
    make_notice(lead, publish=True, title="南山降压", areas=["nsh"])
    make_ticket(agent, content="家里没水", caller_number="13812345678")

    page = Client().get("/portal/notices/")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="area"') == 2
    assert "阳光花园停水" in html and "南山降压" in html and "预计 16:00 恢复" in html
    assert "草稿不公开" not in html
    for private in ("王先生", "13812345678", "幸福路 8 号", "王芳", "lead", "agent"):
        assert private not in html


def test_the_nav_links_to_the_notices(agent, web_as):
    assert 'data-testid="nav-notices"' in web_as(agent).get("/notices/").content.decode()


INTAKE = {
    "caller_number": "138 1234 5678",
    "contact_name": "王先生",
    "type": "inquiry",
    "channel": "phone",
    "priority": "normal",
    "content": "家里没水,是不是停水了",
    "reply_method": "phone",
}


def test_a_call_taken_for_a_notice_is_saved_and_linked_to_it(lead, agent, web_as):
    from kefu.tickets.models import Ticket

    notice = make_notice(lead, publish=True)
    client = web_as(agent)

    readback = client.post("/tickets/new", INTAKE | {"notice_id": notice.pk})
    saved = client.post("/tickets/new", INTAKE | {"notice_id": notice.pk, "confirmed": "on"})

    assert f'name="notice_id" value="{notice.pk}"' in readback.content.decode()
    ticket = Ticket.objects.get()
    assert saved.status_code == 302
    assert list(NoticeLink.objects.values_list("notice", "ticket")) == [(notice.pk, ticket.pk)]
    assert TicketEvent.objects.get(ticket=ticket, action="notice").data["notice_id"] == notice.pk


def test_a_call_for_a_closed_notice_is_refused_and_no_ticket_is_saved(lead, agent, web_as):
    from kefu.tickets.models import Ticket

    notice = make_notice(lead, publish=True)
    close_notice(notice.pk, actor=lead, closing_text="已恢复")

    reply = web_as(agent).post("/tickets/new", INTAKE | {"notice_id": notice.pk, "confirmed": "on"})

    assert reply.status_code == 422
    assert "只能关联已发布且未结束的公告" in reply.content.decode()
    assert Ticket.objects.count() == 0
    assert NoticeLink.objects.count() == 0


def test_the_banner_offers_to_take_the_call_for_the_notice(lead, agent, web_as):
    make_customer(lead, name="王先生", phones=("13812345678",), area="yhy")
    notice = make_notice(lead, publish=True)

    html = web_as(agent).get("/workbench/lookup", {"phone": "13812345678"}).content.decode()

    assert f'data-use-notice="{notice.pk}"' in html


def test_a_call_answered_from_the_notice_on_the_workbench(lead, agent, web_as):
    notice = make_notice(lead, publish=True)
    client = web_as(agent)
    form = {
        "type": "repair",
        "channel": "phone",
        "priority": "normal",
        "reply_method": "none",
        "content": "小区是不是停水了",
        "notice_id": notice.pk,
    }
    readback = client.post("/tickets/new", form, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="readback-notice"' in readback
    assert "按公告答复,保存即办结" in readback
    # With a department, the caller reports something else: no promise of an answer on the spot.
    other = client.post(
        "/tickets/new", form | {"department": "repair"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="readback-notice"' not in other
    client.post("/tickets/new", form | {"confirmed": "on"}, HTTP_HX_REQUEST="true")
    link = NoticeLink.objects.select_related("ticket").get()
    assert (link.answered, link.ticket.status, link.ticket.type.code) == (True, "closed", "inquiry")
    page = client.get(f"/tickets/{link.ticket.serial}/").content.decode()
    assert '<span data-action="notice">关联公告</span>' in page
    notice_page = web_as(lead).get(f"/notices/{notice.pk}/").content.decode()
    assert "共 1 个来电,其中 1 个按公告答复办结" in notice_page


def test_sms_to_check_are_counted_on_the_notice_page_and_listed_in_the_delivery_log(lead, web_as):
    from kefu.notices.campaign import send_campaign_batch
    from kefu.notify.models import Delivery
    from tests.accounts.factories import make_person

    make_customer(lead, name="王先生", phones=("13812345678",))
    make_customer(lead, name="李女士", phones=("13812345679",))
    notice = make_notice(lead, publish=True)
    send_campaign_batch(notice.campaigns.get(purpose="published").pk)
    # The first one's worker was killed mid-send at a gateway that cannot tell a repeat.
    cut_off = Delivery.objects.filter(address="13812345678").update(status="uncertain")
    assert cut_off == 1

    html = web_as(lead).get(f"/notices/{notice.pk}/").content.decode()

    assert 'data-testid="sms-uncertain">1<' in html
    assert "短信网关可能已收到这些短信;为免重复,系统不会自动重发" in html
    assert "查看待核实短信" not in html  # the delivery log is the administrators'
    admin = make_person("root", "admin", number="9000")
    page = web_as(admin).get(f"/notices/{notice.pk}/").content.decode()
    link = (
        f"/admin/notify/delivery/?status__exact=uncertain&amp;q=notice%3A{notice.pk}%3Acustomer%3A"
    )
    assert f'<a href="{link}">查看待核实短信</a>' in page
    listed = web_as(admin).get(link.replace("&amp;", "&")).content.decode()
    assert "13812345678" in listed and "13812345679" not in listed
