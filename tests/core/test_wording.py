"""Forbidden phrases on every path by which an agent's words reach a customer: a reply by SMS
or e-mail, a notice's title and closing text, a complaint's explanation, the read-back; the
center's rule (block or warn), tricks that do not hide a phrase, the live check, and the
count per agent for the quality report."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kefu.complaints import services as complaints
from kefu.core.errors import ServiceError
from kefu.core.models import ForbiddenPhrase, PhraseUse, WordingSettings
from kefu.notices.models import Notice
from kefu.notices.services import close_notice, publish_notice, update_notice
from kefu.notify.models import Delivery
from kefu.tickets.models import TicketEvent
from tests.complaints.factories import make_complaint
from tests.notices.factories import make_notice, notice_in
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agent):
    return make_ticket(agent, content="水表读数不对", caller_number="13800138000")


def _uses(user) -> list[tuple[str, str, bool]]:
    return list(
        PhraseUse.objects.filter(user=user).order_by("id").values_list("path", "phrase", "blocked")
    )


@pytest.mark.parametrize(
    "text",
    [
        "这是公司的规定,我办不了。",
        "我 不 知 道,你自己去查",
        "我,不.知-道",
        "ｗｅｉ喂,没　办　法",  # full-width letters and an ideographic space
        "我\u200b不\u200b知\u200b道",  # zero-width spaces
    ],
)
def test_a_reply_with_a_forbidden_phrase_is_refused_and_nothing_is_sent(
    api_as, agent, ticket, text
):
    answer = api_as(agent).post(f"/tickets/{ticket.serial}/reply", {"text": text})
    assert answer.status_code == 422, answer.json()
    body = answer.json()
    assert body["field"] == "text" and "含服务禁语" in body["detail"] and "建议" in body["detail"]
    assert not Delivery.objects.filter(event="ticket.reply").exists()
    assert not TicketEvent.objects.filter(ticket=ticket, action="reply").exists()
    # The attempt counts for the agent, as stopped.
    assert _uses(agent) and all(blocked for _path, _phrase, blocked in _uses(agent))


def test_a_clean_reply_goes_by_sms_and_is_on_the_timeline(api_as, agent, ticket):
    text = "您好,您家的水表我们已安排师傅明天上午上门校验,请家里留人。"
    answer = api_as(agent).post(f"/tickets/{ticket.serial}/reply", {"text": text})
    assert answer.status_code == 201, answer.json()
    sms = Delivery.objects.get(event="ticket.reply")
    assert sms.address == "13800138000" and text in sms.body and sms.channel == "sms"
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.note == text and event.data["via"] == "sms" and event.data["warned"] == []
    assert _uses(agent) == []


def test_under_the_warn_rule_the_reply_goes_and_the_phrase_is_counted(api_as, agent, ticket):
    WordingSettings.objects.create(policy="warn")
    answer = api_as(agent).post(
        f"/tickets/{ticket.serial}/reply", {"text": "这个我不知道,明天再打吧"}
    )
    assert answer.status_code == 201, answer.json()
    assert Delivery.objects.filter(event="ticket.reply").count() == 1
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.data["warned"] == ["我不知道", "明天再打吧"]
    assert _uses(agent) == [("reply_sms", "我不知道", False), ("reply_sms", "明天再打吧", False)]


def test_an_email_reply_needs_an_address(api_as, agent, ticket):
    api = api_as(agent)
    answer = api.post(f"/tickets/{ticket.serial}/reply", {"text": "已处理", "via": "email"})
    assert answer.status_code == 422 and answer.json()["field"] == "to"
    bad = api.post(
        f"/tickets/{ticket.serial}/reply", {"text": "已处理", "via": "email", "to": "x@"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "to"
    good = api.post(
        f"/tickets/{ticket.serial}/reply", {"text": "已处理", "via": "email", "to": "a@example.com"}
    )
    assert good.status_code == 201
    assert Delivery.objects.get(event="ticket.reply").channel == "email"
    assert (
        api.post(f"/tickets/{ticket.serial}/reply", {"text": "x", "via": "fax"}).status_code == 422
    )


def test_who_may_reply(api_as, people, ticket):
    assert (
        api_as(people["quality"])
        .post(f"/tickets/{ticket.serial}/reply", {"text": "好的"})
        .status_code
        == 403
    )
    assert (
        api_as(people["sz_agent"])
        .post(f"/tickets/{ticket.serial}/reply", {"text": "好的"})
        .status_code
        == 404
    )
    # Neither refusal counts a phrase against anyone.
    api_as(people["sz_agent"]).post(f"/tickets/{ticket.serial}/reply", {"text": "我不知道"})
    assert not PhraseUse.objects.exists()


def test_allowed_words_and_a_switched_off_phrase_pass(api_as, agent, ticket):
    api = api_as(agent)
    check = api.post("/wording/check", {"text": "喂养宠物的费用不包含在内"}).json()
    assert check == {"policy": "block", "hits": []}
    phrase = ForbiddenPhrase.objects.get(phrase="没办法")
    phrase.is_active = False
    phrase.save()  # as the admin does: every process drops its list
    assert api.post(f"/tickets/{ticket.serial}/reply", {"text": "这个真没办法"}).status_code == 201


def test_the_live_check_names_each_phrase_where_it_is(api_as, agent):
    text = "您好,我 不知道。这是公司的规定"
    found = api_as(agent).post("/wording/check", {"text": text}).json()
    assert [(h["phrase"], text[h["start"] : h["end"]]) for h in found["hits"]] == [
        ("我不知道", "我 不知道"),
        ("这是公司的规定", "这是公司的规定"),
    ]
    assert all(h["suggestion"] for h in found["hits"])
    assert not PhraseUse.objects.exists()  # checking is not sending


def test_a_notice_s_title_and_closing_text_are_checked(people):
    supervisor = people["supervisor"]
    notice = make_notice(supervisor, title="阳光花园停水,没办法提前通知")
    with pytest.raises(ServiceError) as refused:
        publish_notice(notice.pk, actor=supervisor, expected_recipients=0)
    assert refused.value.field == "title"
    assert Notice.objects.get(pk=notice.pk).state == "draft"
    notice = make_notice(supervisor, title="阳光花园计划停水", publish=True)
    with pytest.raises(ServiceError) as refused:
        close_notice(notice.pk, actor=supervisor, closing_text="已恢复,有问题你找别人吧")
    assert refused.value.field == "closing_text"
    assert Notice.objects.get(pk=notice.pk).state == "published"
    # A published notice's new words are checked too; a draft's only when it is published.
    with pytest.raises(ServiceError) as refused:
        update_notice(notice.pk, notice_in(content="管网抢修,什么时候来水不知道"), actor=supervisor)
    assert refused.value.field == "content"
    assert Notice.objects.get(pk=notice.pk).content == "管网维修,暂停供水。"
    assert close_notice(notice.pk, actor=supervisor, closing_text="已恢复供水").state == "closed"
    assert _uses(supervisor) == [
        ("notice", "没办法", True),
        ("notice", "你找别人吧", True),
        ("notice", "不知道", True),
    ]


def test_a_complaint_s_explanation_is_checked(agent):
    ticket = make_complaint(agent, content="小区物业乱收停车费")
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="not_responsible")
    with pytest.raises(ServiceError) as refused:
        complaints.record_explanation(ticket.serial, actor=agent, text="这个不归我们管,你自己去查")
    assert refused.value.field == "text"
    assert ticket.complaint.__class__.objects.get(ticket=ticket).explanation == ""
    complaints.record_explanation(ticket.serial, actor=agent, text="停车费由物业公司收取")


def test_the_read_back_warns_but_does_not_block(web_as, agent):
    page = web_as(agent).post(
        "/tickets/new",
        {
            "type": "complaint",
            "channel": "phone",
            "priority": "normal",
            "reply_method": "phone",
            "content": "客户说抄表员讲“不可能,这是公司的规定”",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="readback"' in html
    assert 'data-testid="readback-wording"' in html and "这是公司的规定" in html
    assert _uses(agent) == [("readback", "不可能", False), ("readback", "这是公司的规定", False)]


def test_the_quality_report_counts_phrases_per_agent(api_as, people, ticket):
    agent = people["agent"]
    api = api_as(agent)
    api.post(f"/tickets/{ticket.serial}/reply", {"text": "我不知道"})
    api.post(f"/tickets/{ticket.serial}/reply", {"text": "没办法"})
    WordingSettings.objects.create(policy="warn")
    api.post(f"/tickets/{ticket.serial}/reply", {"text": "我不知道"})
    month = f"{timezone.localtime():%Y-%m}"
    report = api_as(people["quality"]).get(f"/reports/wording/{month}").json()
    assert report["agents"] == [
        {
            "employee_no": "8011",
            "name": "李娜",
            "sent": 1,
            "blocked": 2,
            "phrases": {"我不知道": 2, "没办法": 1},
        }
    ]
    assert api.get(f"/reports/wording/{month}").status_code == 403
    assert api_as(people["quality"]).get("/reports/wording/2026-13").status_code == 422
