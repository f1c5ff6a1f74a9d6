"""November 2025 at the test center, built through the real services: complaints of every class
and severity in several categories and two departments, taken by two agents; resolved in time,
late, breached, followed up, cancelled; callbacks satisfied, left open, excluded; a collective
complaint and a repeat; and complaints just outside the month on both sides."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.complaints import services as complaints
from kefu.followups import services as followups
from kefu.followups.models import CallbackTask
from kefu.sla import services as sla
from kefu.tickets import services as tickets
from tests.complaints.factories import make_complaint, resolve_responsible
from tests.followups.factories import resolved_complaint

SH = ZoneInfo("Asia/Shanghai")

NO_WATER = [
    "阳光花园小区停水一整天了,也没人通知",
    "我们小区从早上开始就没有水了",
    "小区停水了什么时候来水",
    "家里水龙头不出水,整栋楼都停水了",
    "停水没有提前通知,影响开店",
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def _resolved_by_lead(people, *, content: str, category: str, caller: str):
    """A no-responsibility complaint the team lead takes, explains and resolves."""
    lead = people["lead"]
    ticket = make_complaint(lead, content=content, category=category, caller_number=caller)
    complaints.classify_complaint(ticket.serial, actor=lead, complaint_class="not_responsible")
    complaints.record_explanation(ticket.serial, actor=lead, text="水价按政府文件执行")
    return tickets.transition_ticket(ticket.serial, actor=lead, action="resolve")


@pytest.fixture
def november(people, time_machine):
    """Monday 24 November 2025 (and the days after), then the first minute of December."""
    agent, lead = people["agent"], people["lead"]
    handler, head, gm = people["dept_handler"], people["dept_head"], people["gm"]
    billing = people["other_dept_handler"]
    time_machine.move_to(at("2025-11-24 09:00"), tick=False)
    made = {}
    # Responsibility, general, repair, in time; called back: satisfied (5); lessons recorded.
    made["satisfied"] = resolved_complaint(
        people, content="抄表员态度恶劣", category="attitude", caller_number="13800000001"
    )
    # Responsibility, declined a callback at intake / anonymous: excluded from callbacks.
    made["declined"] = resolved_complaint(
        people,
        content="营业员说话不耐烦",
        category="attitude",
        caller_number="13800000002",
        callback_declined=True,
    )
    made["anonymous"] = resolved_complaint(
        people, content="维修工收取额外费用", category="repair-quality", anonymous=True
    )
    # Assist (a power cut stopped the pumps): sampled or not by its rule.
    made["assist"] = resolved_complaint(
        people,
        klass="assist",
        content="小区停电导致水泵不工作",
        category="supply",
        caller_number="13800000004",
    )
    # No responsibility, taken by the team lead.
    made["not_responsible"] = _resolved_by_lead(
        people, content="水费单价太高不合理", category="billing", caller="13800000005"
    )
    # Responsibility, major (loss), repair: resolved three days later, late; callback open.
    made["late"] = make_complaint(
        agent,
        content="维修后墙面被损坏要求赔偿",
        category="repair-quality",
        caller_number="13800000006",
        department="repair",
        loss_or_injury=True,
    )
    # Responsibility, general, billing: still open at noon, its result limit (11:00) breached.
    made["breached"] = make_complaint(
        agent,
        content="营业厅排队两个小时没人管",
        category="timeliness",
        caller_number="13800000007",
        department="billing",
    )
    complaints.classify_complaint(
        made["breached"].serial, actor=billing, complaint_class="responsible"
    )
    # Undetermined, cancelled (recorded by mistake).
    made["cancelled"] = make_complaint(
        agent, content="登记错误的投诉", category="other", caller_number="13800000008"
    )
    tickets.transition_ticket(
        made["cancelled"].serial, actor=agent, action="cancel", note="重复登记"
    )
    # Five customers of 阳光花园 without water: one collective complaint, all major, open.
    made["collective"] = [
        make_complaint(
            agent, content=text, category="supply", caller_number=f"1390000000{i}", area="yhy"
        )
        for i, text in enumerate(NO_WATER)
    ]
    time_machine.move_to(at("2025-11-24 12:00"), tick=False)
    sla.sweep()  # the billing complaint's result limit (11:00) is breached
    # The same customer again on the unresolved billing matter: a major repeat, by the lead.
    made["repeat"] = make_complaint(
        lead,
        content="营业厅排队两个小时还是没人管",
        category="timeliness",
        caller_number="13800000007",
    )
    # The satisfied callback, with the survey score, and the lessons learnt.
    task = CallbackTask.objects.get(ticket=made["satisfied"], state="open")
    followups.record_attempt(task.id, actor=agent, outcome="satisfied", score=5)
    complaints.record_lessons(
        made["satisfied"].serial,
        actor=agent,
        cause="抄表员服务意识不足",
        corrective_action="全员服务礼仪培训,抄表员佩证上岗",
    )
    # Thursday: the major complaint resolved, a day after its two working days.
    time_machine.move_to(at("2025-11-27 10:00"), tick=False)
    resolve_responsible(made["late"], agent=agent, handler=handler, head=head, gm=gm)
    complaints.record_lessons(
        made["late"].serial,
        actor=handler,
        cause="施工未做成品保护",
        corrective_action="维修前铺设防护,完工验收拍照",
    )
    # Either side of the month, in the center's time: October's last minute does not count,
    # nor December's first (which is still 30 November in UTC); 30 November 23:59 does.
    made["october"] = make_complaint(
        agent, content="十月的投诉", caller_number="13700000001", received_at=at("2025-10-31 23:59")
    )
    time_machine.move_to(at("2025-12-01 00:00"), tick=False)
    made["last_minute"] = make_complaint(
        agent,
        content="月末最后一分钟的投诉",
        category="other",
        caller_number="13700000002",
        received_at=at("2025-11-30 23:59"),
    )
    made["december"] = make_complaint(agent, content="十二月的投诉", caller_number="13700000003")
    return made
