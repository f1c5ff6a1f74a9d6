"""The words: shipped templates in both languages, plain text, missing keys."""

from __future__ import annotations

from kefu.notify import services
from kefu.notify.defaults import EVENTS
from kefu.notify.models import Notification, Preference, Template
from tests.tickets.factories import make_ticket

ESCALATION = {
    "serial": "251124003",
    "title": "厨房水管爆裂",
    "target": "结果反馈",
    "due": "2025-11-24 11:00",
    "level": "部门负责人",
}


def test_every_shipped_event_has_its_templates_in_both_languages(db):
    for event, spec in EVENTS.items():
        channels = ["email", "sms"] + (["inapp"] if spec.inapp else [])
        for language in ("zh-hans", "en"):
            found = set(
                Template.objects.filter(event=event, language=language).values_list(
                    "channel", flat=True
                )
            )
            assert found == set(channels), (event, language)
    assert set(EVENTS) == {
        "sla.warning",
        "sla.breach",
        "sla.escalation",
        "complaint.assigned",
        "complaint.plan_submitted",
        "complaint.plan_decided",
        "complaint.major",
        "complaint.unsatisfied",
        "followup.due",
        "report.due",
        "report.overdue",
        "report.branch_due",
        "report.branch_overdue",
        "report.delivery",
        "survey.invite",
        "ticket.reply",
        "ticket.received",
        "ticket.web_reply",
        "portal.code",
        "sms.unsubscribed",
        "sms.resubscribed",
        "question.asked",
        "question.answered",
        "notice.published",
        "notice.closed",
        "workorder.dispatch",
        "workorder.call_task",
        "workorder.en_route",
        "workorder.check",
        "workorder.chase",
        "workorder.escalate",
        "roster.swap_asked",
        "roster.swap_agreed",
        "roster.swap_declined",
        "roster.swap_approved",
        "roster.swap_rejected",
        "roster.swap_withdrawn",
        "roster.leave_asked",
        "roster.leave_approved",
        "roster.leave_rejected",
        "roster.leave_cancelled",
        "roster.leave_withdrawn",
        "frontdesk.visitor_count",
        "frontdesk.checklist_exception",
        "frontdesk.loss_report",
        "notebooks.weekly_problems",
        "notebooks.problem_answered",
        "notebooks.problem_forwarded",
        "quality.inspected",
        "quality.send_back",
        "quality.appeal_decided",
    }


def test_an_escalation_reads_in_chinese_by_default(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("sla.escalation", users=[agent], context=ESCALATION, key="e1")

    notification = Notification.objects.get(user=agent)
    assert notification.title == "升级至部门负责人:工单 251124003"
    assert notification.body == (
        "工单 251124003(厨房水管爆裂)的「结果反馈」已超时(期限 2025-11-24 11:00),"
        "已升级至部门负责人,请督办。"
    )


def test_a_user_who_prefers_english_reads_english(agent, lead, django_capture_on_commit_callbacks):
    Preference.objects.create(user=agent, language="en")
    context = {**ESCALATION, "level": "Supervisor"}

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("sla.escalation", users=[agent, lead], context=context, key="e2")

    assert Notification.objects.get(user=agent).title == (
        "Escalated to Supervisor: ticket 251124003"
    )
    assert Notification.objects.get(user=lead).title == "升级至Supervisor:工单 251124003"


def test_a_missing_context_key_renders_empty_and_nothing_is_html_escaped(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users(
            "sla.warning",
            users=[agent],
            context={"serial": "251124003", "title": '<b>"水表" & 阀门</b>'},
            key="w1",
        )

    notification = Notification.objects.get(user=agent)
    assert notification.body == (
        '工单 251124003(<b>"水表" & 阀门</b>)的「」将于  到期,请尽快处理。'
    )


def test_a_ticket_fills_serial_title_and_link(agent, django_capture_on_commit_callbacks):
    ticket = make_ticket(agent, content="小区停水三天了,一直没有人来处理")

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users(
            "followup.due", users=[agent], context={"due": "11-26 17:00"}, key="f", ticket=ticket
        )

    notification = Notification.objects.get(user=agent)
    assert notification.title == f"回访任务:工单 {ticket.serial}"
    assert notification.body == (
        f"请在 11-26 17:00 前回访工单 {ticket.serial}(小区停水三天了,一直没有人来处理)的客户。"
    )
    assert (notification.link, notification.ticket) == (f"/tickets/{ticket.serial}/", ticket)


def test_an_event_without_templates_still_notifies_with_its_title(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("lostfound.claimed", users=[agent], context={}, key="x")

    notification = Notification.objects.get(user=agent)
    assert (notification.title, notification.body) == ("lostfound.claimed", "")


def test_a_template_broken_in_the_admin_is_sent_as_written(
    agent, django_capture_on_commit_callbacks
):
    Template.objects.filter(event="sla.warning", channel="inapp", language="zh-hans").update(
        body="工单 {serial} {title"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_users("sla.warning", users=[agent], context={"serial": "9"}, key="b")

    assert Notification.objects.get(user=agent).body == "工单 {serial} {title"
