"""Working through an outbound list: holding a number, the calling hours, the retry rule and
appointments, outcomes, the callback task and the survey behind an entry, the blacklist on
the way, dialling through the PBX, closing."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from kefu.accounts.models import Role
from kefu.core.errors import ServiceError
from kefu.followups import services as followups
from kefu.followups.models import CallbackTask, Survey
from kefu.outbound import services
from kefu.outbound.models import OutboundAttempt, OutboundEntry
from kefu.outbound.selectors import progress, script_of
from kefu.outbound.services import AttemptIn
from kefu.telephony.blacklist import add_blacklist_entry
from kefu.telephony.models import CallRecord
from kefu.tickets.models import TicketEvent
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.followups.factories import resolved_complaint, resolved_repair
from tests.outbound.factories import at, excel_list, list_in
from tests.telephony.factories import cti

MORNING = "2026-12-07 10:00"


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(at(MORNING), tick=False)
    return time_machine


@pytest.fixture
def colleague(org):
    return make_person("agent2", Role.AGENT, number="8012", name="陈静")


def take(actor, built) -> OutboundEntry:
    found = services.next_entry(actor, built.outbound.pk)
    assert found.entry is not None, found
    return found.entry


def record(actor, entry, outcome, **fields) -> OutboundEntry:
    return services.record_attempt(actor, entry.pk, AttemptIn(outcome=outcome, **fields))


def test_each_agent_holds_a_different_number_and_a_lapsed_hold_frees_it(
    lead, agent, colleague, morning
):
    built = excel_list(lead)
    mine = take(agent, built)
    theirs = take(colleague, built)
    assert mine.number == "13800000001" and theirs.number == "13800000002"
    assert (mine.held_by_id, mine.held_until) == (agent.pk, at(MORNING) + dt.timedelta(minutes=15))
    # asking again gives the agent the number they hold, not a new one
    assert take(agent, built).pk == mine.pk
    # the colleague is done with theirs in ten minutes
    morning.move_to(at("2026-12-07 10:10"), tick=False)
    record(colleague, theirs, "done", note="已告知")
    # 16 minutes on, the agent's hold has lapsed: the colleague's next number is it
    morning.move_to(at("2026-12-07 10:16"), tick=False)
    assert take(colleague, built).pk == mine.pk
    # and the agent's late record is refused: the number is no longer theirs
    with pytest.raises(ServiceError) as refused:
        record(agent, mine, "done")
    assert refused.value.code == "conflict"


def test_nobody_calls_outside_the_hours_or_on_a_list_not_running(lead, agent, time_machine):
    time_machine.move_to(at("2026-12-07 20:30"), tick=False)
    built = excel_list(lead, call_until=dt.time(20, 0))
    with pytest.raises(ServiceError) as refused:
        services.next_entry(agent, built.outbound.pk)
    assert refused.value.detail == "当前不在外呼时段(09:00–20:00),请勿打扰客户"
    time_machine.move_to(at("2026-12-08 08:59"), tick=False)
    with pytest.raises(ServiceError):
        services.next_entry(agent, built.outbound.pk)
    time_machine.move_to(at("2026-12-08 09:00"), tick=False)
    assert services.next_entry(agent, built.outbound.pk).entry is not None
    services.move_list(lead, built.outbound.pk, "pause")
    with pytest.raises(ServiceError) as refused:
        services.next_entry(agent, built.outbound.pk)
    assert refused.value.detail == "外呼任务已暂停,不能拨打"
    draft = excel_list(lead, start=False)
    with pytest.raises(ServiceError) as refused:  # agents do not even see a list not started
        services.next_entry(agent, draft.outbound.pk)
    assert refused.value.code == "not_found"
    ending = excel_list(lead, ends_on=dt.date(2026, 12, 8))
    time_machine.move_to(at("2026-12-09 10:00"), tick=False)
    with pytest.raises(ServiceError) as refused:
        services.next_entry(agent, ending.outbound.pk)
    assert refused.value.detail == "外呼任务已过截止日期"


def test_numbers_not_answered_are_retried_by_the_rule_until_the_last_attempt(lead, agent, morning):
    built = excel_list(lead, [("张先生", "13800000001", "")], max_attempts=3, retry_minutes=60)
    entry = take(agent, built)
    entry = record(agent, entry, "no_answer")
    assert (entry.state, entry.attempts, entry.next_attempt_at) == (
        "retry",
        1,
        at("2026-12-07 11:00"),
    )
    # not offered before its time; the answer says when the next number is
    found = services.next_entry(agent, built.outbound.pk)
    assert (found.entry, found.next_at) == (None, at("2026-12-07 11:00"))
    morning.move_to(at("2026-12-07 11:00"), tick=False)
    entry = record(agent, take(agent, built), "busy")
    morning.move_to(at("2026-12-07 12:00"), tick=False)
    entry = record(agent, take(agent, built), "unreachable")
    # the third try was the last: the number ends as 无法接通
    assert (entry.state, entry.attempts, entry.next_attempt_at, entry.finished_at) == (
        "failed",
        3,
        None,
        at("2026-12-07 12:00"),
    )
    assert services.next_entry(agent, built.outbound.pk) == services.Next(None, None)
    assert [a.outcome for a in OutboundAttempt.objects.filter(entry=entry)] == [
        "no_answer",
        "busy",
        "unreachable",
    ]


def test_an_appointment_comes_first_when_due_and_never_fails_the_number(lead, agent, morning):
    built = excel_list(lead, max_attempts=1)
    first = take(agent, built)
    later = at("2026-12-07 15:30")
    first = record(agent, first, "call_later", call_at=later, note="客户开会,下午再打")
    assert (first.state, first.next_attempt_at, first.appointment) == ("retry", later, True)
    assert first.attempts == 1 == first.max_attempts  # an appointment is not a failure
    record(agent, take(agent, built), "done", note="已完成")
    morning.move_to(at("2026-12-07 15:31"), tick=False)
    # the appointment due comes before the third number, never called yet
    assert take(agent, built).pk == first.pk
    entry = record(agent, first, "refused", note="不需要")
    assert (entry.state, entry.result, entry.appointment) == ("refused", "不需要", False)


@pytest.mark.parametrize(
    "call_at,message",
    [
        (None, "请填写约定的联系时间"),
        (at("2026-12-07 09:00"), "约定时间应在现在之后 30 天以内"),
        (at("2027-02-01 09:00"), "约定时间应在现在之后 30 天以内"),
        (at("2026-12-20 09:00"), "约定时间晚于外呼任务的截止日期"),
    ],
)
def test_an_appointment_needs_a_time_ahead_within_the_list(lead, agent, morning, call_at, message):
    built = excel_list(lead, ends_on=dt.date(2026, 12, 15))
    entry = take(agent, built)
    with pytest.raises(ServiceError) as refused:
        record(agent, entry, "call_later", call_at=call_at)
    assert (refused.value.field, refused.value.detail) == ("call_at", message)
    entry.refresh_from_db()
    assert (entry.attempts, entry.state, entry.held_by_id) == (0, "pending", agent.pk)
    assert not OutboundAttempt.objects.exists()


def test_outcomes_end_a_number_each_their_way(lead, agent, morning):
    built = excel_list(lead)
    with pytest.raises(ServiceError) as refused:
        record(agent, take(agent, built), "unsatisfied")
    assert refused.value.detail == "请记录客户的原话"
    with pytest.raises(ServiceError) as refused:
        record(agent, take(agent, built), "hung_up")
    assert refused.value.field == "outcome"
    with pytest.raises(ServiceError) as refused:
        record(agent, take(agent, built), "no_answer", score=5)
    assert refused.value.field == "score"
    a = record(agent, take(agent, built), "unsatisfied", note="水压一直偏低", score=2)
    b = record(agent, take(agent, built), "wrong_number", note="非本人")
    c = record(agent, take(agent, built), "done", note="已登记意见")
    assert [(e.state, e.result, e.score) for e in (a, b, c)] == [
        ("done", "水压一直偏低", 2),
        ("invalid", "非本人", None),
        ("done", "已登记意见", None),
    ]
    report = progress(built.outbound)
    assert (report.total, report.open, report.done, report.attempts) == (3, 0, 2, 3)
    assert (report.reach_rate, report.success_rate, report.average_score) == (2 / 3, 2 / 3, 2.0)
    assert [(r.name, r.attempts, r.reached, r.completed) for r in report.agents] == [
        ("李娜", 3, 2, 2)
    ]


def test_a_survey_call_answers_the_request_survey_and_a_low_score_is_followed_up(
    lead, agent, people, morning
):
    repair = resolved_repair(people, caller_number="13800000071", contact_name="周先生")
    built = services.create_list(
        lead, list_in(source="survey", purpose="survey", params={"percent": 100})
    )
    services.move_list(lead, built.outbound.pk, "start")
    entry = take(agent, built)
    with pytest.raises(ServiceError) as refused:
        record(agent, entry, "done", note="还行")
    assert refused.value.detail == "满意度调查请填写客户的评分(1–5 分)"
    record(agent, entry, "unsatisfied", note="维修拖了三天", score=2)
    survey = Survey.objects.get(ticket=repair, state="answered")
    assert (survey.score, survey.channel, survey.answered_by_id, survey.comment) == (
        2,
        "callback",
        agent.pk,
        "维修拖了三天",
    )
    assert TicketEvent.objects.filter(
        ticket=repair, action="survey_answered", note__startswith="电话满意度调查:2 分"
    ).exists()
    # a low score is not left alone: a callback task follows, as for a link answer
    assert CallbackTask.objects.filter(ticket=repair, state="open").exists()


def test_a_survey_rated_meanwhile_keeps_the_call_score_on_the_list(lead, agent, people, morning):
    repair = resolved_repair(people, caller_number="13800000072")
    built = services.create_list(
        lead, list_in(source="survey", purpose="survey", params={"percent": 100})
    )
    services.move_list(lead, built.outbound.pk, "start")
    entry = take(agent, built)
    followups.rate_ticket(repair.pk, score=5)  # the customer rated on the portal meanwhile
    entry = record(agent, entry, "done", note="很满意", score=4)
    assert (entry.state, entry.score) == ("done", 4)
    assert entry.result == "很满意\n该工单已评价过"
    assert list(Survey.objects.filter(ticket=repair).values_list("score", flat=True)) == [5]


def test_a_callback_entry_records_on_its_task_and_follows_the_task_rule(
    lead, agent, people, morning
):
    ticket = resolved_complaint(people, caller_number="13800000081")
    task = CallbackTask.objects.get(ticket=ticket)
    built = services.create_list(lead, list_in(source="callbacks", purpose="callback"))
    services.move_list(lead, built.outbound.pk, "start")
    entry = record(agent, take(agent, built), "no_answer")
    task.refresh_from_db()
    assert (task.attempts, task.next_attempt_at) == (1, at(MORNING) + dt.timedelta(minutes=120))
    assert (entry.state, entry.next_attempt_at) == ("retry", task.next_attempt_at)
    morning.move_to(task.next_attempt_at, tick=False)
    entry = record(agent, take(agent, built), "done", note="客户满意", score=5)
    task.refresh_from_db()
    ticket.refresh_from_db()
    assert (task.state, task.outcome, task.attempts) == ("done", "satisfied", 2)
    assert ticket.status == "followed_up"
    assert entry.state == "done"


def test_a_callback_done_elsewhere_is_cancelled_on_the_list_not_dialled(
    lead, agent, people, morning
):
    ticket = resolved_complaint(people, caller_number="13800000082")
    task = CallbackTask.objects.get(ticket=ticket)
    built = services.create_list(lead, list_in(source="callbacks", purpose="callback"))
    services.move_list(lead, built.outbound.pk, "start")
    followups.record_attempt(task.pk, actor=people["lead"], outcome="satisfied", note="已回访")
    assert services.next_entry(agent, built.outbound.pk) == services.Next(None, None)
    entry = OutboundEntry.objects.get(outbound=built.outbound)
    assert (entry.state, entry.excluded_reason) == ("cancelled", "已在回访中处理:已回访")


def test_a_number_blocked_after_the_list_was_made_is_excluded_not_dialled(lead, agent, morning):
    built = excel_list(lead, [("张先生", "13800000001", ""), ("李女士", "13800000002", "")])
    held = take(agent, built)
    add_blacklist_entry("13800000001", kind="block", reason="恶意骚扰", actor=lead)
    with pytest.raises(ServiceError) as refused:
        services.dial(agent, held.pk)
    assert refused.value.detail == "该号码已列入黑名单,不能拨打"
    add_blacklist_entry("13800000002", kind="block", reason="投诉骚扰", actor=lead)
    services.release_entry(agent, held.pk)
    morning.move_to(at("2026-12-07 10:30"), tick=False)
    assert services.next_entry(agent, built.outbound.pk) == services.Next(None, None)
    rows = OutboundEntry.objects.filter(outbound=built.outbound).order_by("number")
    assert list(rows.values_list("number", "state", "excluded_reason")) == [
        ("13800000001", "excluded", "黑名单:恶意骚扰"),
        ("13800000002", "excluded", "黑名单:投诉骚扰"),
    ]


def test_skipping_a_number_puts_it_behind_the_numbers_not_yet_called(lead, agent, morning):
    built = excel_list(lead)
    first = take(agent, built)
    services.release_entry(agent, first.pk)
    assert take(agent, built).number == "13800000002"
    record(agent, take(agent, built), "done")
    assert take(agent, built).number == "13800000003"


def test_without_a_pbx_the_page_dials_through_tel(lead, agent, morning, settings):
    settings.OUTBOUND_DIAL_URL = ""
    entry = take(agent, excel_list(lead))
    done = services.dial(agent, entry.pk)
    assert (done.mode, done.uri) == ("tel", "tel:13800000001")
    entry.refresh_from_db()
    assert entry.dialled_at == at(MORNING)


def test_the_pbx_click_to_dial_address_is_asked_with_the_number_and_the_agent(
    lead, agent, morning, settings, http_receiver
):
    settings.OUTBOUND_DIAL_URL = http_receiver.url + "?ext={agent}&to={number}&user={username}"
    entry = take(agent, excel_list(lead))
    done = services.dial(agent, entry.pk)
    assert done.mode == "pbx"
    asked = parse_qs(urlparse(http_receiver.requests[-1].path).query)
    assert asked == {"ext": ["8011"], "to": ["13800000001"], "user": ["agent"]}
    # a PBX that refuses leaves the agent the tel: link, said why
    http_receiver.reply_with(503)
    done = services.dial(agent, entry.pk)
    assert (done.mode, done.uri, done.message) == (
        "tel",
        "tel:13800000001",
        "呼叫系统拒绝了呼叫(503),请手动拨打",
    )


def test_a_colleague_cannot_dial_or_record_a_number_held_by_another(
    lead, agent, colleague, morning
):
    entry = take(agent, excel_list(lead))
    for step in (
        lambda: services.dial(colleague, entry.pk),
        lambda: record(colleague, entry, "done"),
        lambda: services.release_entry(colleague, entry.pk),
    ):
        with pytest.raises(ServiceError) as refused:
            step()
        assert refused.value.code == "conflict"


def test_the_pbx_record_of_the_call_is_kept_with_the_attempt(lead, agent, morning):
    entry = take(agent, excel_list(lead))
    services.dial(agent, entry.pk)
    cti("newCall", "out-1", number="13800000001", direction="out", user=["agent"])
    cti("answer", "out-1", number="13800000001", direction="out", user=["agent"])
    cti(
        "hangup",
        "out-1",
        number="13800000001",
        direction="out",
        cause="normalClearing",
        recordingUrl="https://pbx.example/rec/out-1.wav",
    )
    record(agent, entry, "done", note="已完成调查")
    attempt = OutboundAttempt.objects.get(entry=entry)
    assert attempt.call == CallRecord.objects.get(call_id="out-1")
    assert attempt.call.recording_url == "https://pbx.example/rec/out-1.wav"


def test_an_agent_not_on_the_list_neither_sees_nor_works_it(lead, agent, colleague, morning):
    built = excel_list(lead, agents=(colleague.pk,))
    assert not services.visible_lists(agent).filter(pk=built.outbound.pk).exists()
    with pytest.raises(ServiceError) as refused:
        services.next_entry(agent, built.outbound.pk)
    assert refused.value.code == "not_found"
    assert take(colleague, built).number == "13800000001"
    # the lead puts the agent on it
    services.set_agents(lead, built.outbound.pk, [agent.pk, colleague.pk])
    assert take(agent, built).number == "13800000002"


@pytest.mark.parametrize("role", ["quality", "gm"])
def test_readers_read_but_do_not_call(lead, people, morning, role):
    built = excel_list(lead)
    assert services.access_list(people[role], built.outbound.pk) == built.outbound
    with pytest.raises(ServiceError) as refused:
        services.next_entry(people[role], built.outbound.pk)
    assert refused.value.code == "forbidden"


def test_closing_cancels_the_numbers_left_and_keeps_the_attempts(lead, agent, morning):
    built = excel_list(lead)
    record(agent, take(agent, built), "done", note="好")
    held = take(agent, built)
    services.close_list(lead, built.outbound.pk, reason="活动提前结束")
    states = list(
        OutboundEntry.objects.filter(outbound=built.outbound)
        .order_by("id")
        .values_list("state", "excluded_reason")
    )
    assert states == [("done", ""), ("cancelled", "活动提前结束"), ("cancelled", "活动提前结束")]
    with pytest.raises(ServiceError) as refused:
        record(agent, held, "done")
    assert refused.value.code == "invalid_transition"
    with pytest.raises(ServiceError) as refused:
        services.close_list(lead, built.outbound.pk)
    assert refused.value.detail == "外呼任务已结束"
    assert OutboundAttempt.objects.filter(entry__outbound=built.outbound).count() == 1


def test_lists_past_their_end_day_are_closed_by_the_worker(lead, morning):
    ending = excel_list(lead, ends_on=dt.date(2026, 12, 8))
    running = excel_list(lead)
    assert services.close_ended_lists(dt.date(2026, 12, 9)) == 1
    ending.outbound.refresh_from_db()
    running.outbound.refresh_from_db()
    assert (ending.outbound.status, ending.outbound.close_reason) == ("closed", "已过截止日期")
    assert running.outbound.status == "active"
    assert services.close_ended_lists(dt.date(2026, 12, 9)) == 0


def test_the_script_is_said_to_this_customer_by_this_agent(lead, agent, morning):
    make_customer(lead, name="欧阳娜娜", gender="female", phones=("13800000001",))
    entry = take(agent, excel_list(lead, [("", "13800000001", "")]))
    shown = script_of(agent, entry)
    assert [s.name for s in shown] == ["外呼开场", "话术要点"]
    assert shown[1].text.startswith("早上好,请问是欧阳女士吗?我是")
    assert "8011号客服" in shown[1].text
    assert "欧阳女士" in shown[0].text


def test_a_low_score_is_never_filed_as_done(lead, agent, people, morning):
    resolved_complaint(people, caller_number="13800000091")
    built = services.create_list(lead, list_in(source="callbacks", purpose="callback"))
    services.move_list(lead, built.outbound.pk, "start")
    entry = take(agent, built)
    with pytest.raises(ServiceError) as refused:
        record(agent, entry, "done", note="一般", score=2)
    assert refused.value.detail == "2 分及以下请选择“接通-客户不满意”并记录客户的原话"
    entry = record(agent, entry, "unsatisfied", note="处理太慢", score=2)
    task = CallbackTask.objects.get(pk=entry.callback_task_id)
    assert (task.state, task.outcome) == ("done", "unsatisfied")


def test_appointments_do_not_use_up_the_attempts_and_keep_the_hours(lead, agent, morning):
    built = excel_list(
        lead, [("张先生", "13800000001", "")], max_attempts=2, call_until=dt.time(18)
    )
    entry = take(agent, built)
    with pytest.raises(ServiceError) as refused:
        record(agent, entry, "call_later", call_at=at("2026-12-07 21:30"))
    assert refused.value.detail == "约定时间不在外呼时段(09:00–18:00)内"
    record(agent, entry, "call_later", call_at=at("2026-12-07 11:00"))
    morning.move_to(at("2026-12-07 11:00"), tick=False)
    record(agent, take(agent, built), "call_later", call_at=at("2026-12-07 12:00"))
    morning.move_to(at("2026-12-07 12:00"), tick=False)
    entry = record(agent, take(agent, built), "no_answer")
    # three calls, one not answered: the number comes round again
    assert (entry.state, entry.attempts) == ("retry", 3)
    morning.move_to(at("2026-12-07 14:00"), tick=False)
    entry = record(agent, take(agent, built), "no_answer")
    assert (entry.state, entry.attempts) == ("failed", 4)


def test_a_long_call_keeps_its_number_unless_a_colleague_took_it(lead, agent, colleague, morning):
    built = excel_list(lead)
    entry = take(agent, built)
    morning.move_to(at("2026-12-07 10:25"), tick=False)  # the hold lapsed during the call
    assert record(agent, entry, "done", note="聊了很久").state == "done"


def test_while_colleagues_hold_every_number_the_next_is_when_a_hold_lapses(
    lead, agent, colleague, morning
):
    built = excel_list(lead, [("张先生", "13800000001", "")])
    take(colleague, built)
    morning.move_to(at("2026-12-07 10:05"), tick=False)
    assert services.next_entry(agent, built.outbound.pk) == services.Next(
        None, at("2026-12-07 10:15")
    )


def test_a_center_wide_list_is_worked_by_center_wide_staff(people, morning):
    with pytest.raises(ServiceError) as refused:
        excel_list(people["supervisor"], agents=(people["sz_agent"].pk,))
    assert refused.value.field == "agents"


def test_a_ticket_on_an_open_survey_list_is_not_sampled_again(lead, people, morning):
    resolved_repair(people, caller_number="13800000092")
    first = services.create_list(
        lead, list_in(source="survey", purpose="survey", params={"percent": 100})
    )
    assert first.added == 1
    with pytest.raises(ServiceError) as refused:
        services.create_list(
            lead, list_in(source="survey", purpose="survey", params={"percent": 100})
        )
    assert refused.value.detail == "按所选条件没有可拨打的号码"
