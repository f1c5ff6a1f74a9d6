"""The satisfaction survey by SMS link: sent once after commit, answered once on a public page;
used, expired and unknown links say so and write nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import Client

from kefu.followups import services
from kefu.followups.models import FollowupSettings, Survey
from kefu.followups.services import sweep_expired_surveys
from tests.followups.factories import resolved_complaint, resolved_repair

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def test_a_resolved_ticket_with_a_caller_number_gets_a_survey_link_sent_once(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(services, "_send_survey_sms", lambda survey: sent.append(survey.id) or True)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    assert sent == [survey.id]
    assert (survey.state, survey.agent, len(survey.token)) == ("pending", people["agent"], 32)
    assert survey.expires_at - survey.created_at == dt.timedelta(days=7)
    assert survey.sent_at is not None
    assert services.send_survey_invite(survey.id) is False  # a retried task sends nothing
    assert sent == [survey.id]


def test_the_invitation_goes_out_through_the_sms_gateway_once(
    people, django_capture_on_commit_callbacks
):
    from kefu.notify.models import Delivery

    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    sms = Delivery.objects.get(key=f"survey:{survey.id}")
    assert (sms.channel, sms.address, sms.status) == ("sms", "13812345678", "sent")
    assert f"/s/{survey.token}" in sms.body and ticket.serial in sms.body
    survey.refresh_from_db()
    assert survey.sent_at is not None
    assert services.send_survey_invite(survey.id) is False
    assert Delivery.objects.filter(key=f"survey:{survey.id}").count() == 1


def test_no_survey_without_a_number_or_when_switched_off(people):
    FollowupSettings.objects.update(survey_without_rule=False)
    assert (
        Survey.objects.filter(ticket=resolved_repair(people, caller_number="13812345678")).count()
        == 0
    )
    FollowupSettings.objects.update(survey_without_rule=True)
    assert Survey.objects.filter(ticket=resolved_repair(people)).count() == 0


def test_the_customer_answers_the_survey_once_without_logging_in(people, time_machine):
    time_machine.move_to(at("2025-11-24 10:00"), tick=False)
    ticket = resolved_complaint(people, klass="responsible", caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    client = Client()
    page = client.get(f"/s/{survey.token}")
    text = page.content.decode()
    assert page.status_code == 200
    assert ticket.serial in text and "投诉" in text
    assert "13812345678" not in text and "138****5678" not in text and "抄表员" not in text
    done = client.post(f"/s/{survey.token}", {"score": "4", "comment": "处理及时"})
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    survey.refresh_from_db()
    assert (survey.state, survey.channel, survey.score, survey.comment, survey.answered_at) == (
        "answered",
        "sms",
        4,
        "处理及时",
        at("2025-11-24 10:00"),
    )
    assert (
        ticket.events.filter(action="survey_answered").get().note == "客户满意度评价:4 分\n处理及时"
    )
    # the same link again: 410, nothing changes
    again = client.post(f"/s/{survey.token}", {"score": "1"})
    assert again.status_code == 410
    assert "您已评价过,感谢您的反馈" in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 4
    assert ticket.events.filter(action="survey_answered").count() == 1


def test_an_expired_or_unknown_link_says_so_and_writes_nothing(people, time_machine):
    time_machine.move_to(at("2025-11-24 10:00"), tick=False)
    ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    client = Client()
    time_machine.move_to(at("2025-12-01 10:00"), tick=False)  # 7 days later
    for method in (client.get, client.post):
        expired = method(f"/s/{survey.token}", {"score": "5"})
        assert expired.status_code == 410
        assert "链接已过期,如需评价请致电客服中心" in expired.content.decode()
    unknown = client.post("/s/" + "x" * 32, {"score": "5"})
    assert unknown.status_code == 404
    assert "链接无效,请核对短信中的地址" in unknown.content.decode()
    assert client.get("/s/short").status_code == 404
    survey.refresh_from_db()
    assert (survey.state, survey.score) == ("pending", None)
    assert sweep_expired_surveys() == 1
    assert sweep_expired_surveys() == 0
    survey.refresh_from_db()
    assert survey.state == "expired"


def test_a_score_out_of_range_is_refused_with_the_form_again(people):
    ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    page = Client().post(f"/s/{survey.token}", {"score": "9"})
    assert page.status_code == 422
    survey.refresh_from_db()
    assert survey.state == "pending"


def test_a_dissatisfied_answer_brings_a_callback_and_tells_the_team_leads(people, time_machine):
    from kefu.followups.models import CallbackTask
    from kefu.notify.models import Notification

    time_machine.move_to(at("2025-11-24 10:00"), tick=False)
    ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    Client().post(f"/s/{survey.token}", {"score": "1", "comment": "修完又漏了"})
    task = CallbackTask.objects.get(ticket=ticket, state="open")
    assert (task.purpose, task.due_at) == ("satisfaction", at("2025-11-25 17:30"))
    assert list(
        Notification.objects.filter(event="followup.due").values_list("user__username", flat=True)
    ) == ["lead"]


def test_a_satisfied_answer_asks_for_nothing_more(people):
    from kefu.followups.models import CallbackTask

    ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    Client().post(f"/s/{survey.token}", {"score": "5"})
    assert not CallbackTask.objects.filter(ticket=ticket, state="open").exists()
