"""The demo center: a water utility with a Shenzhen branch, staff of every role, a few hundred
customers and tickets in every state, all written through the real services."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import math
import random
import threading
import time
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import httpx
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image, ImageDraw

from kefu.accounts.models import Branch, Department, Role, ServiceArea, StaffProfile
from kefu.accounts.services import create_staff
from kefu.business.importer import import_business
from kefu.complaints import rules as complaint_rules
from kefu.complaints import services as complaint_services
from kefu.complaints.models import Category, MunicipalHotline, RoutingRule
from kefu.conversations import services as conversations
from kefu.conversations.models import ChannelRule, ReplyTemplate
from kefu.core.calendar import WorkingCalendar, previous_month, start_of_day
from kefu.core.errors import ServiceError
from kefu.core.models import CenterProfile
from kefu.core.services import get_or_create_tags
from kefu.customers import members as member_services
from kefu.customers.models import Customer, Store
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from kefu.dispatch import services as dispatch
from kefu.dispatch.models import Crew, DispatchDesk
from kefu.dispatch.schemas import OrderIn
from kefu.followups.models import CallbackTask, FollowupSettings
from kefu.followups.services import record_attempt
from kefu.frontdesk import checklists, shift
from kefu.frontdesk import services as lostfound
from kefu.knowledge import services as knowledge_services
from kefu.knowledge.models import Category as KnowledgeCategory
from kefu.knowledge.schemas import ArticleIn
from kefu.notebooks import services as notebooks
from kefu.notices import services as notice_services
from kefu.notices.schemas import NoticeIn
from kefu.outbound import services as outbound
from kefu.quality import services as quality
from kefu.quality.models import Sample as QualitySample
from kefu.reports import services as reports
from kefu.telephony.models import CallRecord, LadderTier
from kefu.telephony.simulator import CallCenter, Scenario, play
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Channel, Priority, Ticket, TicketType
from kefu.tickets.schemas import TicketIn
from kefu.training import services as training
from kefu.triage import services as triage_services
from kefu.workforce import services as roster_services

FIXTURES = Path(__file__).parent / "knowledge" / "fixtures"

DEMO_PASSWORD = "kefu-demo-2025"

BRANCHES = [("hq", "总公司", True), ("sz", "深圳分公司", False)]
AREAS = [
    ("hq", "hq-yhy", "阳光花园小区"),
    ("hq", "hq-xfl", "幸福里片区"),
    ("hq", "hq-dfc", "东风村"),
    ("sz", "sz-nsh", "南山海岸城"),
    ("sz", "sz-fty", "福田园岭"),
]
DEPARTMENTS = [
    ("hq", "repair", "维修部"),
    ("hq", "network", "管网所"),
    ("hq", "billing", "营业收费部"),
    ("hq", "quality-dept", "水质检测中心"),
    ("sz", "sz-repair", "深圳维修站"),
    ("hq", "delivery", "配送中心"),
]
# username, name, employee no, role, branch, department
STAFF = [
    ("admin", "系统管理员", "0001", Role.ADMIN, None, None),
    ("agent", "李娜", "8011", Role.AGENT, None, None),
    ("agent2", "张伟", "8012", Role.AGENT, None, None),
    ("lead", "王芳", "8001", Role.TEAM_LEAD, None, None),
    ("supervisor", "陈静", "8000", Role.SUPERVISOR, None, None),
    ("handler", "刘强", "3101", Role.DEPT_HANDLER, "hq", "repair"),
    ("head", "赵军", "3100", Role.DEPT_HEAD, "hq", "repair"),
    ("network", "孙涛", "3201", Role.DEPT_HANDLER, "hq", "network"),
    ("billing", "周敏", "3301", Role.DEPT_HANDLER, "hq", "billing"),
    ("lab", "马林", "3401", Role.DEPT_HANDLER, "hq", "quality-dept"),
    ("nethead", "钱勇", "3200", Role.DEPT_HEAD, "hq", "network"),
    ("billhead", "孙丽", "3300", Role.DEPT_HEAD, "hq", "billing"),
    ("labhead", "何静", "3400", Role.DEPT_HEAD, "hq", "quality-dept"),
    ("sz-head", "林峰", "5100", Role.DEPT_HEAD, "sz", "sz-repair"),
    ("sz-agent", "黄磊", "8511", Role.AGENT, "sz", None),
    ("sz-lead", "蔡敏", "8501", Role.TEAM_LEAD, "sz", None),
    ("sz-handler", "吴刚", "5101", Role.DEPT_HANDLER, "sz", "sz-repair"),
    ("gm", "郑总", "0100", Role.GENERAL_MANAGER, None, None),
    ("quality", "冯丽", "8100", Role.QUALITY, None, None),
    ("fitter", "张师傅", "5111", Role.FIELD_STAFF, "hq", "repair"),
    ("fitter2", "陈师傅", "5112", Role.FIELD_STAFF, "hq", "repair"),
    ("driver", "杨师傅", "5211", Role.FIELD_STAFF, "hq", "delivery"),
    ("sz-fitter", "郭师傅", "5511", Role.FIELD_STAFF, "sz", "sz-repair"),
]
logger = logging.getLogger(__name__)

# The hotline's phone agents beyond the logins above (same password): the simulated calls of
# ``kefu demo`` ring at them, so that the floor page and the wall show a living floor.
PHONE_AGENTS = [
    ("phone21", "赵雪", "8021"),
    ("phone22", "钱磊", "8022"),
    ("phone23", "孙悦", "8023"),
    ("phone24", "李想", "8024"),
    ("phone25", "周婷", "8025"),
    ("phone26", "吴昊", "8026"),
]
# The emergency-staffing ladder's tiers (应急增援梯队): who each step brings to the phones.
LADDER_TIERS = {
    "experts": (["lead", "supervisor"], 0),
    "outbound": (["agent2", "sz-agent"], 3),
    "quality": (["quality"], 3),
    "back_office": (["admin", "billing", "handler"], 3),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
STREETS = ["解放路", "人民路", "建设路", "中山路", "和平街", "朝阳路", "新华路", "滨河路"]
CONTENTS = {
    "repair": [
        "家里水管爆裂,厨房漏水严重",
        "水表井盖破损,有安全隐患",
        "小区楼道水管滴漏",
        "停水后恢复供水,水压很低",
        "卫生间下水管堵塞反水",
        "水表不走字",
    ],
    "inquiry": [
        "咨询阶梯水价怎么计算",
        "咨询过户需要带什么材料",
        "咨询停水通知什么时候恢复供水",
        "咨询如何开通自动扣费",
        "询问营业厅周末是否上班",
    ],
    "complaint": [
        "抄表员态度恶劣,投诉",
        "报修三天了维修人员还没来",
        "水压不足高层用不上水",
        "维修人员上门迟到两小时",
        "水费账单金额异常偏高",
        "停水没有提前通知,影响开店",
        "自来水有异味发黄",
    ],
    "help": ["老人独居家中停水,请求帮助送水", "钥匙丢失无法开水表箱"],
    "report": ["举报有人私接水管偷水", "举报施工单位挖断管道未上报"],
    "lookup": ["查询上月水费账单", "查询缴费记录", "查询欠费金额"],
    "suggestion": ["建议增加微信缴费渠道", "建议停水通知提前一天短信告知"],
    "order": ["预约上门安装新水表", "申请水表移位"],
}
# Complaint category by what the complaint says, and where each category is routed.
COMPLAINT_CATEGORY = {
    "抄表员态度恶劣,投诉": "attitude",
    "报修三天了维修人员还没来": "timeliness",
    "水压不足高层用不上水": "pressure",
    "维修人员上门迟到两小时": "timeliness",
    "水费账单金额异常偏高": "billing",
    "停水没有提前通知,影响开店": "supply",
    "自来水有异味发黄": "water-quality",
}
ROUTES = {
    "attitude": "billing",
    "timeliness": "repair",
    "pressure": "network",
    "billing": "billing",
    "supply": "network",
    "water-quality": "quality-dept",
}
# Five neighbours phoned within the hour about the same outage: a collective complaint.
OUTAGE_CALLS = [
    "阳光花园小区停水一整天了,也没人通知",
    "我们小区从早上开始就没有水了",
    "小区停水了什么时候来水",
    "家里水龙头不出水,整栋楼都停水了",
    "停水没有提前通知,影响开店",
]
WANTS = ["尽快上门处理", "给个说法", "退还多收的费用", "请电话回复", ""]


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "135"]) + f"{rng.randrange(10**8):08d}"


@transaction.atomic
def seed_organization() -> None:
    """Branches, areas, departments and one login per role (idempotent)."""
    if Department.objects.exists():
        return
    branches = {
        code: Branch.objects.update_or_create(
            code=code, defaults={"name": name, "is_default": default}
        )[0]
        for code, name, default in BRANCHES
    }
    for branch, code, name in AREAS:
        ServiceArea.objects.create(branch=branches[branch], code=code, name=name)
    # Who the center is (中心信息): what the standard scripts say ({company}, {hotline}) and
    # the signature every SMS starts with.
    CenterProfile.objects.create(name="清源水务", hotline="96116", sms_signature="【清源水务】")
    departments = {
        code: Department.objects.create(branch=branches[b], code=code, name=name)
        for b, code, name in DEPARTMENTS
    }
    # The demo utility's orders are meter installations, not pickups.
    for order_type in TicketType.objects.filter(code="order"):  # saved: the cache hears of it
        order_type.work_order_kind = "install"
        order_type.save(update_fields=["work_order_kind"])
    complaint_type = TicketType.objects.get(code="complaint")
    for category, department in ROUTES.items():
        RoutingRule.objects.create(
            ticket_type=complaint_type,
            category=Category.objects.get(code=category),
            department=departments[department],
        )
    # A rule applies to requests of its department's branch: 深圳 has its own. Repairs go to
    # each branch's repair crew.
    RoutingRule.objects.create(ticket_type=complaint_type, department=departments["sz-repair"])
    repair_type = TicketType.objects.get(code="repair")
    for department in ("repair", "sz-repair"):
        RoutingRule.objects.create(ticket_type=repair_type, department=departments[department])
    for username, name, number, role, branch_code, department_code in STAFF:
        create_staff(
            username=username,
            password=DEMO_PASSWORD,
            employee_no=number,
            display_name=name,
            role=role,
            branch=branches[branch_code] if branch_code else None,
            department=departments[department_code] if department_code else None,
            phone="1390000" + number,
        )
    for username, name, number in PHONE_AGENTS:
        create_staff(
            username=username,
            password=DEMO_PASSWORD,
            employee_no=number,
            display_name=name,
            role=Role.AGENT,
        )
    users = {u.username: u for u in get_user_model().objects.all()}
    for tier, (usernames, size) in LADDER_TIERS.items():
        LadderTier.objects.create(tier=tier, size=size).members.set(
            [users[name] for name in usernames]
        )


def seed_demo(*, customers: int = 300, tickets: int = 400, seed: int = 2025) -> dict:
    """The whole demo center. Idempotent: a second run adds nothing."""
    seed_organization()
    User = get_user_model()
    if Ticket.objects.exists():
        return {"customers": Customer.objects.count(), "tickets": Ticket.objects.count()}
    rng = random.Random(seed)
    agent = User.objects.get(username="agent")
    lead = User.objects.get(username="lead")
    areas = list(ServiceArea.objects.select_related("branch"))
    made = []
    for index in range(customers):
        area = rng.choice(areas)
        surname = rng.choice(SURNAMES)
        name = (
            surname + rng.choice(["先生", "女士"])
            if rng.random() < 0.7
            else surname + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
        )
        # 王先生 is a man, 李女士 a woman; a given name says which most of the time.
        gender = "female" if name[-1] in "士芳娜敏静丽艳娟秀霞桂" else "male"
        phones = [PhoneIn(_phone(rng))]
        if rng.random() < 0.2:
            phones.append(PhoneIn("0755-" + f"{rng.randrange(10**8):08d}", label="座机"))
        made.append(
            create_customer(
                CustomerIn(
                    name=name,
                    gender=gender,
                    phones=phones,
                    account_no=f"{area.branch.code.upper()}{100000 + index}",
                    address=f"{area.name}{rng.choice(STREETS)}{rng.randint(1, 200)}号{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}",
                    area=area.code,
                    id_number=f"4403{rng.randrange(10**13):013d}{rng.choice('0123456789X')}",
                    tags=rng.sample(
                        ["VIP", "老人独居", "商户", "欠费提醒", "多次来电"], k=rng.randint(0, 2)
                    ),
                ),
                actor=agent,
            )
        )
    departments = {d.code: d for d in Department.objects.all()}
    handler = {
        "repair": "handler",
        "network": "network",
        "billing": "billing",
        "quality-dept": "lab",
        "sz-repair": "sz-handler",
    }
    paths = [
        [],
        ["accept"],
        ["accept", "dispatch"],
        ["accept", "dispatch", "start"],
        ["accept", "dispatch", "start", "request_confirmation"],
        ["accept", "dispatch", "start", "resolve"],
        ["accept", "dispatch", "start", "resolve", "follow_up"],
        ["accept", "dispatch", "start", "resolve", "follow_up", "close"],
        ["accept", "resolve", "close"],
        ["accept", "cancel"],
    ]
    now = timezone.now()
    for _ in range(tickets):
        customer = rng.choice(made) if rng.random() < 0.85 else None
        ttype = rng.choice(list(CONTENTS))
        path = rng.choice(paths)
        received = now - _received_ago(path, rng)
        replay = _Replay(received, until=now - dt.timedelta(minutes=1), rng=rng)
        try:
            ticket = _take_demo_ticket(
                rng, agent=agent, customer=customer, ttype=ttype, received=received
            )
            branch_dept = (
                "sz-repair"
                if ticket.branch.code == "sz"
                else rng.choice(["repair", "repair", "network", "billing"])
            )
            if ttype == "complaint":
                _drive_complaint(ticket, path, rng=rng, handler_of=handler, replay=replay)
                continue
            for action in path:
                replay.move(action)
                actor = agent
                kwargs = {}
                if action == "dispatch":
                    kwargs = {"department": departments[branch_dept].code}
                # Start and confirmation come after a dispatch; a resolve may be the center's.
                department = ticket.department
                if department is not None and action in (
                    "start",
                    "request_confirmation",
                    "resolve",
                ):
                    actor = User.objects.get(username=handler[department.code])
                if action == "cancel":
                    kwargs = {"note": "客户来电撤回诉求"}
                if action == "follow_up":
                    actor = lead
                    kwargs = {"note": "回访:客户表示满意"}
                ticket = ticket_services.transition_ticket(
                    ticket.serial, actor=actor, action=action, **kwargs
                )
        finally:
            replay.stop()
    _seed_outage(made, rng)
    _seed_notice()
    _seed_call_history(random.Random(seed + 2))
    _seed_rosters()
    _seed_dispatch(rng)
    _seed_business(made, random.Random(seed + 1))  # its own random: the rest stays the same
    seed_knowledge()
    seed_reply_templates()
    _seed_conversations(made)
    _seed_members(made, random.Random(seed + 4))
    _seed_outbound(made, random.Random(seed + 3))
    _seed_lostfound()
    _seed_shift()
    _seed_checklists()
    _seed_training()
    _seed_notebooks()
    _seed_reports()
    _seed_quality()
    # A few callers phoned twice about the same matter: their second ticket is merged.
    open_tickets = list(Ticket.objects.filter(status="accepted").order_by("id")[:10])
    for duplicate, survivor in zip(open_tickets[1::2], open_tickets[::2], strict=False):
        ticket_services.merge_tickets(
            duplicate.serial, into=survivor.serial, actor=lead, note="同一诉求重复来电"
        )
    # The triage learns the demo center's departments from its tickets (kefu triage train).
    triage_services.train(seed=0)
    return {"customers": Customer.objects.count(), "tickets": Ticket.objects.count()}


# How long after the step before each step of a demo ticket comes, in minutes (shortest,
# longest); a step not named here comes 5 to 60 minutes after.
STEP_GAPS = {
    "accept": (2, 15),
    "dispatch": (5, 40),
    "start": (20, 180),
    "request_confirmation": (120, 1440),
    "resolve": (60, 1800),
    "follow_up": (120, 1440),
    "close": (30, 720),
    "cancel": (10, 240),
}
FINISHED = {"resolve", "follow_up", "close", "cancel"}  # a path ending so leaves it done


def _received_ago(path: list[str], rng: random.Random) -> dt.timedelta:
    """How long ago a demo ticket came in: a finished one within the last six weeks; one still
    open mostly within the last day and a half, inside its time limits as on a working floor,
    and one in eight a few days ago and overdue, as a floor also has."""
    if path and path[-1] in FINISHED:
        return dt.timedelta(minutes=rng.randint(60 * 24 * 4, 60 * 24 * 45))
    if rng.random() < 0.12:
        return dt.timedelta(minutes=rng.randint(60 * 24 * 3, 60 * 24 * 10))
    return dt.timedelta(minutes=rng.randint(5, 60 * 36))


class _Replay:
    """Replays one demo ticket's history at the hours it happened: each step a while after
    the one before (STEP_GAPS), never later than the load itself. time-machine moves this
    process's clock while a step runs, so the timeline, the time limits and the monthly
    figures see the ticket's own hours, not the minute the demo was loaded."""

    def __init__(self, start: dt.datetime, *, until: dt.datetime, rng: random.Random) -> None:
        self.at, self.until, self.rng = start, until, rng
        self._travel: time_machine.travel | None = None
        self._go()

    def move(self, action: str) -> None:
        """To the time of ``action``: a gap after the last step, at most half the time left."""
        lo, hi = STEP_GAPS.get(action, (5, 60))
        gap = dt.timedelta(minutes=self.rng.uniform(lo, hi))
        self.at = min(self.at + gap, self.at + max(self.until - self.at, dt.timedelta()) / 2)
        self._go()

    def _go(self) -> None:
        self.stop()
        self._travel = time_machine.travel(self.at, tick=True)
        self._travel.start()

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None


def _take_demo_ticket(rng: random.Random, *, agent, customer, ttype: str, received) -> Ticket:
    """One demo ticket as ``agent`` took it, at the time it came in."""
    known = customer.phones.first() if customer else None  # every demo customer has one
    phone = known.number if known is not None else _phone(rng)
    content = rng.choice(CONTENTS[ttype])
    return ticket_services.create_ticket(
        TicketIn(
            type=ttype,
            channel=rng.choice([Channel.PHONE] * 6 + list(Channel.values)),
            content=content,
            category=COMPLAINT_CATEGORY.get(content, "other") if ttype == "complaint" else "",
            desired_result=rng.choice(WANTS),
            received_at=received,
            customer_id=customer.id if customer else None,
            contact_name=(customer.name if customer else rng.choice(SURNAMES) + "先生"),
            caller_number=phone,
            priority=rng.choice([Priority.NORMAL] * 6 + list(Priority.values)),
            callback_declined=rng.random() < 0.05,
        ),
        actor=agent,
    )


def _drive_complaint(
    ticket, path: list[str], *, rng: random.Random, handler_of: dict, replay: _Replay
) -> None:
    """A complaint along ``path`` (ticket actions), taking the complaint steps each action
    needs first: responsibility, the plan and its approval, the customer's confirmation, the
    explanation or hotline, and the lessons before archiving; each action at its own hour."""
    User = get_user_model()
    agent, lead = User.objects.get(username="agent"), User.objects.get(username="lead")
    gm = User.objects.get(username="gm")
    klass = rng.choice(["responsible"] * 6 + ["not_responsible"] * 3 + ["assist"])
    serial = ticket.serial
    for action in path:
        replay.move(action)
        handler = (
            User.objects.get(username=handler_of[ticket.department.code])
            if ticket.department_id
            else agent
        )
        if action == "dispatch" and ticket.department_id:
            continue  # the routing table sent it at intake
        if action == "dispatch":  # where the routing table sends its category
            routed = complaint_rules.route(
                "complaint",
                area=ticket.area,
                category=ticket.complaint.category,
                branch=ticket.branch,
            )
            ticket = ticket_services.transition_ticket(
                serial,
                actor=agent,
                action="dispatch",
                department=routed.code if routed else "repair",
            )
            continue
        if action in ("request_confirmation", "resolve") and ticket.complaint.complaint_class == "":
            complaint_services.classify_complaint(serial, actor=handler, complaint_class=klass)
        if action in ("request_confirmation", "resolve"):
            complaint = ticket.complaint
            complaint.refresh_from_db()
            if klass == "responsible" and complaint.current_plan() is None:
                if not ticket.department_id:
                    ticket = ticket_services.transition_ticket(
                        serial, actor=agent, action="dispatch", department="repair"
                    )
                    handler = User.objects.get(username="handler")
                if ticket.status == "dispatched":
                    ticket = ticket_services.transition_ticket(
                        serial, actor=handler, action="start"
                    )
                complaint_services.propose_plan(
                    serial, actor=handler, text="上门核实,向客户道歉并限期整改"
                )
                plan = complaint_services.decide_plan(serial, actor=_head_of(ticket), approve=True)
                if plan.state == "pending_gm":
                    complaint_services.decide_plan(serial, actor=gm, approve=True)
            if action == "resolve":
                if klass == "responsible":
                    complaint_services.record_confirmation(
                        serial, actor=agent, method="phone", note="客户电话确认接受处理结果"
                    )
                elif klass == "not_responsible":
                    complaint_services.record_explanation(
                        serial, actor=agent, text="已向客户解释相关政策和规定"
                    )
                else:
                    complaint_services.give_hotline(
                        serial, actor=agent, hotline_id=_power_hotline()
                    )
            if action == "request_confirmation" and klass != "responsible":
                continue
        if action == "close":
            _call_back(ticket, lead)
            complaint_services.record_lessons(
                serial,
                actor=lead,
                cause="服务流程执行不到位",
                corrective_action="班组学习服务规范,纳入月度考核",
            )
        actor = agent
        if action in ("start", "request_confirmation") and ticket.department_id:
            actor = handler
        if action == "start" and ticket.status != "dispatched":
            continue
        if action == "request_confirmation" and ticket.status != "in_progress":
            continue
        if action == "resolve" and ticket.status == "dispatched":
            ticket = ticket_services.transition_ticket(serial, actor=handler, action="start")
        kwargs = {}
        if action == "cancel":
            kwargs = {"note": "客户来电撤回投诉"}
        if action == "follow_up":
            _call_back(ticket, lead)  # the callback task, when the rules made one
            ticket.refresh_from_db()
            if ticket.status != "resolved":
                continue
            actor, kwargs = lead, {"note": "回访:客户表示满意"}
        ticket.refresh_from_db()
        ticket = ticket_services.transition_ticket(serial, actor=actor, action=action, **kwargs)


def _call_back(ticket, lead) -> None:
    """The team lead makes the ticket's open callback, and the customer is satisfied."""
    for task in CallbackTask.objects.filter(ticket=ticket, state=CallbackTask.State.OPEN):
        record_attempt(task.id, actor=lead, outcome="satisfied", note="客户表示满意", score=5)


def _head_of(ticket):
    """The head of the ticket's department."""
    return (
        StaffProfile.objects.select_related("user")
        .get(department=ticket.department, role=Role.DEPT_HEAD)
        .user
    )


def _power_hotline() -> int:
    return MunicipalHotline.objects.get(number="95598").id


def _seed_outage(customers: list, rng: random.Random) -> None:
    """Five customers of 阳光花园小区 on one outage within the hour: one collective case."""
    User = get_user_model()
    agent = User.objects.get(username="agent2")
    area = ServiceArea.objects.get(code="hq-yhy")
    neighbours = [c for c in customers if c.area_id == area.id][: len(OUTAGE_CALLS)]
    start = timezone.now() - dt.timedelta(hours=3)
    for minute, (text, customer) in enumerate(zip(OUTAGE_CALLS, neighbours, strict=False)):
        ticket_services.create_ticket(
            TicketIn(
                type="complaint",
                channel=Channel.PHONE,
                content=text,
                received_at=start + dt.timedelta(minutes=minute * 9),
                customer_id=customer.id,
                contact_name=customer.name,
                caller_number=customer.phones.first().number,
                category="supply",
            ),
            actor=agent,
            accept=True,
        )


# The hotline's inbound calls on an ordinary Wednesday, and how the week and the day move them.
CALLS_PER_DAY = 220
WEEKDAY_LEVEL = (1.3, 1.1, 1.0, 1.0, 0.95)
REST_LEVEL = 0.5
HISTORY_WEEKS = 12


def _day_shape(working: bool) -> list[float]:
    """The share of a day's calls in each 30-minute slot: morning and afternoon peaks on a
    working day, one late-morning hump on a rest day, a few calls all night."""
    peaks = [(10, 2, 1.0), (15, 2.5, 0.8)] if working else [(11, 3, 0.7)]
    floor = 0.15 if working else 0.3
    weights = [
        floor
        + sum(h * math.exp(-(((slot / 2 + 0.25 - at) / width) ** 2)) for at, width, h in peaks)
        for slot in range(48)
    ]
    return [w / sum(weights) for w in weights]


def _seed_call_history(rng: random.Random) -> None:
    """Twelve weeks of the hotline's inbound calls before today, for the seat plan's forecast
    and its back-test: the weekday pattern, rest days (the 2026 holidays included), busier
    month starts and first days after a long holiday; most answered, some given up."""
    calendar = WorkingCalendar()
    today = timezone.localdate()
    shapes = {True: _day_shape(True), False: _day_shape(False)}
    rows = []
    day = today - dt.timedelta(weeks=HISTORY_WEEKS)
    while day < today:
        working = calendar.is_working_day(day)
        level = WEEKDAY_LEVEL[day.weekday()] if working and day.weekday() < 5 else 1.0
        if not working:
            level = REST_LEVEL
        elif not any(calendar.is_working_day(day - dt.timedelta(days=n)) for n in (1, 2, 3)):
            level *= 1.3  # the first working day after a long holiday
        if day.day <= 3:
            level *= 1.5  # the billing run's month start
        midnight = start_of_day(day)
        for slot, share in enumerate(shapes[working]):
            mean = CALLS_PER_DAY * level * share
            # Poisson by its normal approximation, good enough for a demo's history.
            count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean else 0
            for n in range(count):
                began = midnight + dt.timedelta(minutes=30 * slot, seconds=rng.uniform(0, 1800))
                number = f"13{rng.randrange(10**9):09d}"
                call = CallRecord(
                    call_id=f"demo-history-{day:%Y%m%d}-{slot}-{n}",
                    direction=CallRecord.Direction.IN,
                    from_number=number,
                    to_number="96116",
                    customer_number=number,
                    queue="hotline",
                    state=CallRecord.State.ENDED,
                    started_at=began,
                )
                if rng.random() < 0.93:
                    call.answered_at = began + dt.timedelta(seconds=rng.expovariate(1 / 12))
                    talk = rng.lognormvariate(math.log(170), 0.5)
                    call.ended_at = call.answered_at + dt.timedelta(seconds=talk)
                    call.cause = "normalClearing"
                else:
                    call.ended_at = began + dt.timedelta(seconds=rng.expovariate(1 / 40))
                    call.cause = "cancel"
                rows.append(call)
        day += dt.timedelta(days=1)
    CallRecord.objects.bulk_create(rows, batch_size=2000)


SHIFTS = [  # code, name, start, hours, night
    ("早", "早班", "07:30", 8, False),
    ("中", "中班", "09:00", 8, False),
    ("晚", "晚班", "15:30", 8, False),
    ("夜", "夜班", "23:30", 8, True),
]


def _seed_rosters() -> None:
    """The hotline's shifts, two agents' wishes, and two weeks' roster from today made from
    the seat plan and published (the phones' agents see it under 我的排班; 考勤 compares it
    with their states on the floor)."""
    User = get_user_model()
    lead = User.objects.get(username="lead")
    for code, name, start, hours, night in SHIFTS:
        roster_services.create_template(
            lead, code=code, name=name, start=start, minutes=hours * 60, is_night=night
        )
    roster_services.set_wish(User.objects.get(username="agent"), weekdays_off=[6], no_night=True)
    roster_services.set_wish(User.objects.get(username="phone21"), weekdays_off=[5], no_night=False)
    roster = roster_services.create_roster(
        lead,
        first_day=timezone.localdate(),
        weeks=2,
        time_limit_seconds=10,
        note="演示:本周起两周排班",
    )
    roster = roster_services.solve_roster(roster.pk)  # at once, rather than by the worker
    if roster.status == roster.Status.DRAFT:
        roster_services.publish_roster(lead, roster.pk)


DEMO_STORES = [("S01", "人民路店", "hq"), ("S02", "解放路店", "hq"), ("S03", "南山店", "sz")]


def _seed_members(customers: list, rng: random.Random) -> None:
    """A chain's loyalty members (会员): three stores, about 80 of the customers enrolled at
    their branch's stores with levels, birth dates and expiry dates (a few expiring this
    month, a few joined lately), and a few hundred purchases over 18 months imported as a till
    system sends them — most members buying, some stopped for months (churned), a few never."""
    User = get_user_model()
    agent, supervisor = User.objects.get(username="agent"), User.objects.get(username="supervisor")
    stores = {}
    for code, name, branch in DEMO_STORES:
        stores[code], _created = Store.objects.get_or_create(
            code=code, defaults={"name": name, "branch": Branch.objects.get(code=branch)}
        )
    today = timezone.localdate()
    levels = ["normal"] * 5 + ["silver"] * 3 + ["gold"] * 2 + ["diamond"]
    enrolled = []
    for n, customer in enumerate(sorted(customers, key=lambda c: c.pk)[:80]):
        store = (
            stores["S03"] if customer.branch.code == "sz" else stores[rng.choice(["S01", "S02"])]
        )
        joined = today - dt.timedelta(days=rng.choice([rng.randint(0, 40), rng.randint(40, 1000)]))
        expires = joined + dt.timedelta(days=365 * rng.randint(1, 3))
        if n % 9 == 0:
            expires = today + dt.timedelta(days=rng.randint(0, 30))
        birth = today.replace(year=today.year - rng.randint(16, 75), day=1) - dt.timedelta(
            days=rng.randint(0, 360)
        )
        member_services.save_membership(
            customer.pk,
            member_services.MemberIn(
                number=f"VIP{100001 + n}",
                store=store.code,
                joined_on=joined,
                expires_on=expires if expires >= joined else None,
                level=rng.choice(levels),
                birth_date=birth if n % 10 else None,
            ),
            actor=agent,
        )
        enrolled.append((f"VIP{100001 + n}", store.code, joined))
    rows: list[tuple[int, member_services.PurchaseIn]] = []
    now = timezone.now()
    for number, code, joined in enrolled:
        habit = rng.random()
        if habit < 0.1:
            continue  # never bought
        # a churned member stopped 100 to 400 days ago; the others bought lately too
        last = rng.randint(100, 400) if habit < 0.35 else rng.randint(0, 60)
        first = max((today - joined).days, last)
        first = min(first, 540)
        for _ in range(rng.randint(1, 9)):
            back = rng.randint(last, max(first, last))
            at = now - dt.timedelta(days=back, minutes=rng.randint(0, 600))
            amount = Decimal(rng.choice([rng.randint(2000, 30000), rng.randint(30000, 300000)]))
            rows.append(
                (
                    len(rows) + 1,
                    member_services.PurchaseIn(
                        store=code,
                        receipt_no=f"{code}-{at:%Y%m%d}-{len(rows) + 1:05d}",
                        member_no=number,
                        amount=amount / 100,
                        at=at,
                    ),
                )
            )
    member_services.import_purchases(rows, actor=supervisor, source="demo")


def _seed_outbound(customers: list, rng: random.Random) -> None:
    """Two outbound lists (外呼): churned members to win back, started, with the agent's first
    calls recorded (done, not answered, an appointment), callable around the clock so that
    the demo can be tried at any hour; and a satisfaction survey of a tenth of the requests
    resolved in the last 30 days, in the usual 09:00–20:00, for the lead to start."""
    User = get_user_model()
    lead, agent = User.objects.get(username="lead"), User.objects.get(username="agent")
    built = outbound.create_list(
        lead,
        outbound.ListIn(
            name="流失会员挽回(演示)",
            purpose="churned",
            source="churned",
            params={"quiet_days": 90},
            script="outbound_opener",
            talking_points=(
                "{greeting},请问是{title}吗?我是{company}客服中心{agent_no}号客服。"
                "您有一段时间没有来办理业务了,想了解一下您对我们的服务有什么意见和建议?"
            ),
            call_from=dt.time(0, 0),
            call_until=dt.time(23, 59),
            retry_minutes=60,
        ),
    )
    outbound.move_list(lead, built.outbound.pk, "start")
    later = timezone.now() + dt.timedelta(hours=3)
    for attempt in [
        outbound.AttemptIn("done", note="客户搬家了,已介绍新址附近的营业厅"),
        outbound.AttemptIn("no_answer"),
        outbound.AttemptIn("call_later", note="客户在开车,约三小时后再打", call_at=later),
    ]:
        taken = outbound.next_entry(agent, built.outbound.pk).entry
        if taken is None:
            break
        outbound.record_attempt(agent, taken.pk, attempt)
    try:
        outbound.create_list(
            lead,
            outbound.ListIn(
                name="近30天满意度电话抽查(演示)",
                purpose="survey",
                source="survey",
                params={
                    "date_from": timezone.localdate() - dt.timedelta(days=30),
                    "percent": 10,
                },
                script="survey_invite",
            ),
        )
    except ServiceError:
        logger.info("no resolved requests to sample for the demo survey list")


def _signature_png() -> str:
    """A drawn-looking signature, as the claim page's pad sends it."""
    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (90, 60), (140, 25), (200, 55)], "black", 3)
    out = BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _seed_lostfound() -> None:
    """The visitor-center desk's lost and found (失物招领): a wallet an owner reported by phone
    and a visitor handed in, matched; a phone a staff member found (with its receipt number),
    in custody; keys found on the spot and claimed there with the witness; an umbrella nobody
    asked for; a scarf whose claimant described another one (refused); an open report of a
    camera."""
    User = get_user_model()
    lead, agent = User.objects.get(username="lead"), User.objects.get(username="agent")
    now = timezone.now()
    report = lostfound.create_loss_report(
        agent,
        lostfound.LossReportIn(
            channel="phone",
            owner_name="刘洋",
            owner_phone="13712345678",
            category="wallet",
            description="黑色长款皮钱包,里面有身份证和两张银行卡",
            lost_place="游客中心东门",
            lost_at=now - dt.timedelta(hours=5),
        ),
    )
    lostfound.create_loss_report(
        agent,
        lostfound.LossReportIn(
            channel="desk",
            owner_name="周敏",
            owner_phone="13698765432",
            category="camera",
            description="佳能微单相机,灰色相机包",
            lost_place="观光车站",
            lost_at=now - dt.timedelta(days=1),
        ),
    )

    def found(**fields):
        base = {"source": "visitor", "finder_name": "游客", "found_at": now - dt.timedelta(hours=3)}
        return lostfound.register_found_item(agent, lostfound.FoundItemIn(**(base | fields)))

    wallet = found(
        category="wallet",
        description="黑色皮钱包,长款,内有银行卡",
        found_place="东门长椅",
        finder_name="陈先生",
        finder_phone="13900001111",
    )
    lostfound.link_report(agent, wallet.pk, report_id=report.pk)
    phone = found(
        source="staff",
        category="phone",
        description="白色苹果手机,蓝色手机壳",
        found_place="索道下站",
        finder_name="保洁 王阿姨",
        finder_staff_no="8011",
    )
    lostfound.hand_to_custody(agent, phone.pk, place="贵重物品保管柜 2 号", custodian_name="王芳")
    keys = found(
        source="on_spot",
        category="keys",
        description="一串钥匙,挂着小熊挂件",
        found_place="儿童乐园",
        finder_name="保安 老刘",
        witness_name="保安 老刘",
        shift_leader_id=lead.pk,
    )
    lostfound.claim_item(
        agent,
        keys.pk,
        lostfound.ClaimIn(
            claimant_name="赵女士",
            description="钥匙上有个棕色小熊",
            description_matched=True,
            witness_name="保安 老刘",
            signature=_signature_png(),
        ),
    )
    found(category="other", description="蓝色折叠雨伞", found_place="餐厅门口")
    # A cap nobody asked for in the period: handed to finance by the nightly job.
    with time_machine.travel(now - dt.timedelta(days=20), tick=False):
        found(
            category="clothing",
            description="黑色棒球帽",
            found_place="广场喷泉",
            found_at=timezone.now() - dt.timedelta(hours=2),
        )
    lostfound.sweep_to_finance()
    scarf = found(category="clothing", description="红色羊毛围巾", found_place="检票口")
    # Refused, and the attempt kept: that is the demo.
    with contextlib.suppress(ServiceError):
        lostfound.claim_item(
            agent,
            scarf.pk,
            lostfound.ClaimIn(
                claimant_name="孙先生",
                description="灰色的针织围巾",
                description_matched=False,
                refuse_reason="颜色和材质都不符",
                id_type="id_card",
                id_number="110101199001011234",
            ),
        )


def _seed_shift() -> None:
    """The desk's shift papers: yesterday's 早班 duty record, locked by the shift leader, and
    its handover signed by both; today's record being filled in (weather, the duty manager
    and leader, a visitor count reported to the general manager, an incident); this morning's
    meeting, read and signed by one of its two members; and today's handover, signed by the
    outgoing agent only, which the shift leader sees as unsigned."""
    User = get_user_model()
    lead, agent = User.objects.get(username="lead"), User.objects.get(username="agent")
    gm, colleague = User.objects.get(username="gm"), User.objects.get(username="phone21")
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    code = SHIFTS[0][0]
    before = shift.open_record(agent, day=yesterday, shift_code=code)
    shift.update_record(
        agent,
        before.pk,
        weather="多云 12℃",
        duty_manager_id=gm.pk,
        duty_leader_id=lead.pk,
        operations="营业正常,观光车 8:00 首班",
    )
    shift.lock_record(lead, before.pk)
    handed = shift.create_handover(
        agent, day=yesterday, shift_code=code, incoming_id=colleague.pk, notes="无遗留事项"
    )
    shift.sign_handover(agent, handed.pk)
    shift.sign_handover(colleague, handed.pk)

    record = shift.open_record(agent, day=today, shift_code=code)
    shift.update_record(
        agent,
        record.pk,
        weather="晴 15℃",
        duty_manager_id=gm.pk,
        duty_leader_id=lead.pk,
        operations="东门闸机检修,游客改走南门",
    )
    shift.report_visitors(agent, record.pk, count=1280, note="上午入园人数")
    shift.add_incident(agent, record.pk, text="一名游客在东门台阶扭伤脚踝,已送医务室处理")
    meeting = shift.hold_meeting(
        lead,
        day=today,
        shift_code=code,
        notes="1. 东门闸机检修,引导游客走南门;2. 强调文明用语,首问负责。",
        member_ids=[agent.pk, colleague.pk],
    )
    shift.sign_meeting(agent, meeting.pk)
    handover = shift.create_handover(
        agent,
        day=today,
        shift_code=code,
        incoming_id=colleague.pk,
        notes="东门闸机报修,维修部答复今天下班前修好,请跟进",
    )
    shift.sign_handover(agent, handover.pk)


SAFETY_ITEMS = [
    "大厅灯光、灯箱电源已关闭",
    "空调、新风已关闭",
    "电脑、打印机、复印机已关机",
    "饮水机、充电桩电源已断开",
    "广播、显示屏已关闭",
    "消防通道畅通,无杂物堆放",
    "灭火器在位、压力正常",
    "门窗已关好上锁",
]
ASSET_ITEMS = [
    ("轮椅", 3),
    ("婴儿车", 4),
    ("借用雨伞", 20),
    ("对讲机", 4),
    ("急救箱", 1),
    ("老花镜", 5),
    ("充电宝", 10),
    ("导览图架", 2),
]


def _seed_checklists() -> None:
    """The two end-of-shift checklists (《班后设施、设备安全管理记录表》, the supervisor as safety
    officer; 《班后固定资产管理记录表》, the shift leader as asset officer) and yesterday's
    早班: both filled — a lamp box that would not switch off, closed by the supervisor, and a
    wheelchair short, still open — and yesterday's 中班 safety checklist, all ok."""
    User = get_user_model()
    lead, agent = User.objects.get(username="lead"), User.objects.get(username="agent")
    supervisor = User.objects.get(username="supervisor")
    colleague = User.objects.get(username="phone21")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    early, middle = SHIFTS[0][0], SHIFTS[1][0]
    safety = checklists.create_checklist(
        supervisor,
        kind="safety",
        name="班后设施、设备安全检查",
        items=[checklists.ItemIn(text) for text in SAFETY_ITEMS],
        officer_id=supervisor.pk,
    )
    assets = checklists.create_checklist(
        supervisor,
        kind="assets",
        name="班后固定资产清点",
        items=[checklists.ItemIn(text, n) for text, n in ASSET_ITEMS],
        officer_id=lead.pk,
    )
    ok = checklists.AnswerIn(ok=True)
    answers = [ok] * len(SAFETY_ITEMS)
    answers[0] = checklists.AnswerIn(ok=False, note="东侧灯箱开关失灵,无法关闭,已拔插头")
    run = checklists.submit_run(agent, safety.pk, day=yesterday, shift_code=early, answers=answers)
    checklists.close_exception(
        supervisor,
        run.answers.get(position=1).pk,
        result="已报工程部,灯箱开关已于今早更换",
    )
    counted = [checklists.AnswerIn(ok=True, counted=n) for _text, n in ASSET_ITEMS]
    counted[0] = checklists.AnswerIn(counted=2, note="一台借给东门游客未归还,已留电话")
    checklists.submit_run(agent, assets.pk, day=yesterday, shift_code=early, answers=counted)
    checklists.submit_run(
        colleague,
        safety.pk,
        day=yesterday,
        shift_code=middle,
        answers=[ok] * len(SAFETY_ITEMS),
    )


def _seed_training() -> None:
    """Training: one exam from the starter bank, handed in by two agents (the first misses
    the hard questions, the second gets only the true/false ones right), so the results per
    person and per question show something; and the complaint procedure in two versions,
    the second confirmed by the first agent only."""
    User = get_user_model()
    supervisor = User.objects.get(username="supervisor")
    agent, agent2 = User.objects.get(username="agent"), User.objects.get(username="agent2")
    exam = training.create_exam(
        supervisor,
        title="投诉处理与时限月度考试",
        topics=["complaint", "time_limit", "callback"],
        easy=2,
        medium=3,
        hard=1,
        minutes=20,
        pass_mark=60,
    )
    for who, knows in ((agent, lambda q: q.difficulty < 3), (agent2, lambda q: q.kind == "judge")):
        attempt = training.start_attempt(who, exam.pk)
        answers = {
            row.position: list(row.question.answer) if knows(row.question) else []
            for row in attempt.answers.select_related("question")
        }
        training.submit_attempt(who, attempt.pk, answers=answers)
    first = training.publish_procedure(
        supervisor,
        code="ZY-TS-01",
        title="投诉受理作业指导书",
        body="一、接到投诉后记录诉求,十分钟内将工单传送责任部门。\n"
        "二、一般投诉两小时内出结果,重大投诉两个工作日内出结果。\n"
        "三、办结后两个工作日内回访。",
    )
    for who in (agent, agent2):
        training.confirm_procedure(who, first.procedure_id)
    training.publish_procedure(
        supervisor,
        code="ZY-TS-01",
        title="投诉受理作业指导书",
        body="一、接到投诉后记录诉求并复述确认,十分钟内将工单传送责任部门。\n"
        "二、一般投诉两小时内出结果,重大投诉两个工作日内出结果。\n"
        "三、办结后两个工作日内回访:一般投诉电话回访,重大投诉上门回访。",
        note="增加复述确认和回访方式",
    )
    training.confirm_procedure(agent, first.procedure_id)


def _seed_notice() -> None:
    """The outage those customers phoned about, published: the banner on the workbench for
    callers from the area, the public notice board, the SMS to the area's customers."""
    lead = get_user_model().objects.get(username="lead")
    now = timezone.now()
    notice = notice_services.create_notice(
        NoticeIn(
            kind="outage",
            title="阳光花园小区主管道抢修停水",
            starts_at=now - dt.timedelta(hours=3),
            expected_end=now + dt.timedelta(hours=5),
            areas=["hq-yhy"],
            content="阳光花园小区主供水管爆裂,正在抢修,恢复供水时间另行通知。请提前储水。",
            streets="解放路、人民路",
        ),
        actor=lead,
    )
    # Published as the page does it: after the preview's count and text were confirmed.
    preview = notice_services.preview_notice(notice.id, actor=lead)
    notice_services.publish_notice(
        notice.id, actor=lead, expected_recipients=preview.recipients, token=preview.token
    )


def seed_knowledge() -> None:
    """The demo knowledge base (kefu/knowledge/fixtures/demo_articles.json, our own writing):
    written by the agent, approved by the team lead; a few left as drafts, one under review,
    one retired, one with an edit waiting for approval."""
    agent = get_user_model().objects.get(username="agent")
    lead = get_user_model().objects.get(username="lead")
    rows = json.loads((FIXTURES / "demo_articles.json").read_text(encoding="utf-8"))
    for order, name in enumerate(dict.fromkeys(row["category"] for row in rows)):
        KnowledgeCategory.objects.get_or_create(name=name, defaults={"order": order})
    for index, row in enumerate(rows):
        data = ArticleIn.model_validate(row)
        article = knowledge_services.create_article(data, actor=agent)
        if index in (5, 17):
            continue  # drafts
        knowledge_services.submit_article(article.pk, actor=agent)
        if index == 11:
            continue  # waiting for the team lead
        knowledge_services.approve_article(article.pk, actor=lead)
        if index == 23:
            knowledge_services.retire_article(article.pk, actor=lead, note="内容已过时")
        if index == 2:
            more = {"body": data.body + "\n(补充:如有疑问请拨打客服热线。)", "note": "补充热线说明"}
            knowledge_services.edit_article(article.pk, data.model_copy(update=more), actor=agent)


def _seed_dispatch(rng: random.Random) -> None:
    """Field crews, the dispatch desks, and work orders in every state: from repair tickets
    through the field to 销账, a returned one sent to someone else (whose phone is unknown, so a
    phone-call task waits), web orders for water delivery to verify, one overdue, one
    cancelled."""
    User = get_user_model()
    people = {u.username: u for u in User.objects.filter(staff__isnull=False)}
    agent, lead = people["agent"], people["lead"]
    fitter, fitter2, driver = people["fitter"], people["fitter2"], people["driver"]
    fitter2.staff.phone = ""  # a new colleague whose phone is not on file yet
    fitter2.staff.save(update_fields=["phone"])
    repair = Department.objects.get(code="repair")
    crew = Crew.objects.create(department=repair, name="维修一班", leader=fitter)
    crew.members.add(fitter, fitter2)
    DispatchDesk.objects.create(
        branch=Branch.objects.get(code="hq"), dispatcher=lead, manager=people["head"]
    )
    DispatchDesk.objects.create(
        branch=Branch.objects.get(code="sz"),
        dispatcher=people["sz-agent"],
        manager=people["sz-head"],
    )
    tickets = list(
        Ticket.objects.filter(type__code="repair", status="dispatched", department=repair)
        .select_related("customer")
        .order_by("id")[:7]
    )
    field_steps = [
        [],
        ["accept"],
        ["accept", "depart"],
        ["accept", "depart", "arrive"],
        ["accept", "depart", "arrive", "complete"],
        ["accept", "depart", "arrive", "complete", "close"],
        ["accept", "return"],
        ["accept", "return", "redispatch"],
    ]
    for index, steps in enumerate(field_steps):
        # From a repair ticket while the demo has them, else taken on the phone directly.
        ticket = tickets[index] if index < len(tickets) else None
        customer = ticket.customer if ticket else None
        order = dispatch.create_order(
            OrderIn(
                kind="repair",
                department="repair",
                customer_name=customer.name if customer else rng.choice(SURNAMES) + "先生",
                customer_phone=ticket.caller_number if ticket else _phone(rng),
                address=customer.address if customer else "幸福里片区建设路18号",
                goods=ticket.content[:60] if ticket else rng.choice(CONTENTS["repair"]),
                hint=rng.choice(["", "客户下午在家", "带好备用阀门"]),
            ),
            actor=agent,
            ticket=ticket.serial if ticket else "",
            assignee=fitter.username,
            dispatch=True,
        )
        for step in steps:
            if step == "complete":
                dispatch.complete_order(
                    order.serial,
                    actor=fitter,
                    result="更换损坏管段,试压正常",
                    materials="PPR 管 1 米,直接 2 个",
                    confirmation_code=order.confirmation_code,
                )
            elif step == "close":
                dispatch.transition_order(
                    order.serial, actor=agent, action="close", note="电话回访客户,确认已修好"
                )
            elif step == "return":
                dispatch.transition_order(
                    order.serial, actor=fitter, action="return", note="需要更换水表,缺少配件"
                )
            elif step == "redispatch":
                dispatch.dispatch_order(
                    order.serial, actor=lead, assignee=fitter2.username, note="改派陈师傅带水表"
                )
            else:
                dispatch.transition_order(order.serial, actor=fitter, action=step)
    now = timezone.now()
    deliveries = [
        ("李女士", "桶装水", "5桶", "幸福里片区人民路66号3楼", 0, False),
        ("顺达商行", "桶装水", "20桶", "东风村建设路8号商铺", 26, True),
        ("周先生", "饮水机滤芯", "2个", "阳光花园小区5栋101", 3, True),
    ]
    for name, goods, quantity, address, hours_ago, verified in deliveries:
        order = dispatch.create_order(
            OrderIn(
                kind="delivery",
                source="web",
                department="delivery",
                customer_name=name,
                customer_phone=_phone(rng),
                address=address,
                goods=goods,
                quantity=quantity,
                payment=rng.choice(["现付", "月结"]),
                ordered_at=now - dt.timedelta(hours=hours_ago),
            ),
            actor=agent,
        )
        if verified:
            dispatch.verify_order(
                order.serial, actor=agent, confirmed=True, note="客户确认地址和数量"
            )
            dispatch.dispatch_order(order.serial, actor=agent, assignee=driver.username)
    cancelled = dispatch.create_order(
        OrderIn(
            kind="install",
            department="repair",
            customer_name="吴先生",
            customer_phone=_phone(rng),
            address="幸福里片区朝阳路12号",
            goods="预约安装新水表",
        ),
        actor=agent,
    )
    dispatch.transition_order(
        cancelled.serial, actor=agent, action="cancel", note="客户来电取消预约"
    )


WATER_PRICE = Decimal("3.45")  # 元 per m³, a residential tier-one price


def _seed_business(customers: list, rng: random.Random) -> None:
    """The local business store (业务系统) for the demo customers, through the Excel import as a
    center without an API fills it: each 户号 an account with six monthly bills, every third
    in arrears (the newest one or two bills unpaid, the first customer among them); a few
    callers with shipments (托运单号 YD…) and their tracking; some customers tagged 重点客户
    or 投诉敏感."""
    workbook = Workbook()
    accounts = workbook.active
    accounts.title = "账户"
    accounts.append(["户号", "户名", "地址", "电话", "余额", "欠费"])
    bills = workbook.create_sheet("账单")
    bills.append(["户号", "账期", "用量", "金额", "已缴"])
    today = timezone.localdate()
    periods = []
    year, month = today.year, today.month
    for _ in range(6):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        periods.append(f"{year:04d}-{month:02d}")
    for index, customer in enumerate(customers):
        unpaid = rng.randint(1, 2) if index % 3 == 0 else 0
        arrears = Decimal(0)
        for age, period in enumerate(periods):
            usage = Decimal(rng.randint(6, 32))
            amount = usage * WATER_PRICE
            paid = age >= unpaid
            arrears += 0 if paid else amount
            bills.append([customer.account_no, period, usage, amount, "是" if paid else "否"])
        phone = customer.phones.order_by("-is_primary", "id").first()
        accounts.append(
            [
                customer.account_no,
                customer.name,
                customer.address,
                phone.number if phone else "",
                0 if unpaid else Decimal(rng.randint(0, 200)),
                arrears,
            ]
        )
    shipments = workbook.create_sheet("运单")
    shipments.append(["托运单号", "状态", "电话", "发货地", "目的地"])
    events = workbook.create_sheet("轨迹")
    events.append(["托运单号", "时间", "地点", "说明"])
    route = [("深圳", "已揽收"), ("深圳", "已发往杭州转运中心"), ("杭州", "到达杭州转运中心")]
    for index, customer in enumerate(customers[1:21:2]):
        waybill = f"YD{today:%Y%m%d}{index + 1:04d}"
        phone = customer.phones.order_by("-is_primary", "id").first()
        done = index % 4 == 0
        steps = route + [("杭州", "派送中"), ("杭州", "已签收")] if done else route
        shipments.append(
            [waybill, "已签收" if done else "运输中", phone.number if phone else "", "深圳", "杭州"]
        )
        start = timezone.localtime() - dt.timedelta(days=3, hours=rng.randint(0, 12))
        for step, (place, text) in enumerate(steps):
            at = start + dt.timedelta(hours=9 * step)
            events.append([waybill, at.strftime("%Y-%m-%d %H:%M"), place, text])
    buffer = BytesIO()
    workbook.save(buffer)
    supervisor = get_user_model().objects.get(username="supervisor")
    import_business(buffer.getvalue(), actor=supervisor)
    for index, customer in enumerate(customers[:60:10]):
        customer.tags.add(*get_or_create_tags(["重点客户" if index % 2 else "投诉敏感"]))


# The center's reply templates (快捷回复): "/ts" and a space in the reply box inserts one.
REPLY_TEMPLATES = [
    (
        "ts",
        "停水致歉",
        "{customer}您好,给您带来的不便我们深表歉意。抢修人员正在处理,恢复供水后我们会再通知您。",
    ),
    (
        "sf",
        "水费核查",
        "{customer}您好,您反映的水费问题已转营业部核查(工单{serial}),两个工作日内给您答复。",
    ),
    (
        "wx",
        "已派维修",
        "{customer}您好,已为您派维修人员上门,请保持电话畅通。如有疑问请致电{hotline}。",
    ),
    (
        "bj",
        "办结确认",
        "{customer}您好,工单{serial}已处理完毕。如仍有问题,请直接回复或致电{hotline}。",
    ),
    ("xx", "感谢来信", "感谢您对{center}的关心和支持!我是{agent_no}号客服,您的来信已收到。"),
]


def seed_reply_templates() -> None:
    """The center's reply templates and the channels' rules (idempotent): a chat answered
    within a minute around the clock; mail, SMS and the portal within a working day."""
    for key, title, text in REPLY_TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            key=key, owner=None, defaults={"title": title, "text": text}
        )
    if not ChannelRule.objects.exists():
        ChannelRule.objects.create(
            channel=Channel.CHAT, first_reply_minutes=1, around_the_clock=True
        )


def _seed_conversations(customers: list) -> None:
    """Customers who wrote in: two SMS (one of them twice), a mail thread the agent answered,
    a mail that is an auto-reply (recorded, never acknowledged), a portal message."""
    agent = get_user_model().objects.get(username="agent")
    numbers = [c.phones.first().number for c in customers[:2]]
    conversations.receive(
        conversations.Inbound(
            channel=Channel.SMS,
            address=numbers[0],
            body="小区停水了,什么时候来水?",
            external_id="demo-sms-1",
        )
    )
    conversations.receive(
        conversations.Inbound(
            channel=Channel.SMS,
            address=numbers[0],
            body="补充:3 号楼也没水",
            external_id="demo-sms-2",
        )
    )
    conversations.receive(
        conversations.Inbound(
            channel=Channel.SMS, address=numbers[1], body="水表箱盖子坏了", external_id="demo-sms-3"
        )
    )
    mailbox = "service@qingyuan-water.example.com"
    thread = conversations.receive(
        conversations.Inbound(
            channel=Channel.EMAIL,
            address="zhang.wei@example.com",
            name="张伟",
            subject="十一月水费异常",
            body="您好,我家(户号 1000023)十一月水费 386 元,是平时的三倍,家里没有漏水,请帮忙核查。\n\n张伟",
            shown="您好,我家(户号 1000023)十一月水费 386 元,是平时的三倍,家里没有漏水,请帮忙核查。",
            external_id="<demo-mail-1@example.com>",
            center_address=mailbox,
        )
    )
    conversations.reply(
        thread.ticket.serial,
        actor=agent,
        text="张先生您好,您反映的水费问题已转营业部核查,两个工作日内给您答复。",
    )
    conversations.receive(
        conversations.Inbound(
            channel=Channel.EMAIL,
            address="li.na@example.com",
            subject="自动回复:我正在休假",
            body="我正在休假,12 月 10 日回来后回复您。",
            external_id="<demo-mail-2@example.com>",
            center_address=mailbox,
            auto_submitted=True,
        )
    )
    conversations.receive(
        conversations.Inbound(
            channel=Channel.WEB,
            address=numbers[1],
            phone=numbers[1],
            body="门口的消防栓一直在滴水,麻烦派人看看。",
            type="repair",
        )
    )


def answer_on(port: int) -> None:
    """The demo's survey links (满意度短信) lead to the address the demo answers on, so a link
    printed in its SMS opens. An address the admin set to anything but this machine stays."""
    settings = FollowupSettings.current()
    if settings.public_url.startswith(("http://127.0.0.1", "http://localhost")):
        settings.public_url = f"http://127.0.0.1:{port}"
        settings.save()


# The demo's hotline, in calls per 30 minutes, repeating every two hours: a busy half hour,
# a surge (the queue grows past 5 and the emergency ladder starts), then a calm hour.
DEMO_SLOTS = [40, 75, 35, 35]


def living_floor(port: int, token: str) -> threading.Thread:
    """Simulated calls on the demo's own CTI endpoint (kefu.telephony.simulator), ringing at
    PHONE_AGENTS, in real time and without end, so that the floor page and the wall live.
    Starts once the server answers; a daemon thread, it ends with the demo."""
    url = f"http://127.0.0.1:{port}/api/v1/cti/{token}"

    def run() -> None:
        for _attempt in range(120):  # the server starts in a few seconds
            try:
                httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        scenario = Scenario(
            agents=[username for username, _name, _number in PHONE_AGENTS],
            slot_volumes=DEMO_SLOTS,
            duration_seconds=None,
            break_share=0.3,
        )
        center = CallCenter(scenario, run_id=f"demo{int(time.time())}")
        play(center.events(), url, speed=1, say=logger.warning)

    thread = threading.Thread(target=run, name="demo-calls", daemon=True)
    thread.start()
    return thread


def logins() -> list[tuple[str, str, str]]:
    return [
        (u, DEMO_PASSWORD, f"{name} · {Role(role).label}" + (f" · {dept}" if dept else ""))
        for u, name, _n, role, _b, dept in STAFF
    ]


def _seed_reports() -> None:
    """The supervisor's saved view and monthly subscription: on the 1st at 08:00 last month's
    intake, time limits and complaints go to the general manager by e-mail (the demo has no
    mail server: the sending fails, recorded on the notifications page); last month's center
    and branch complaint reports in their steps."""
    users = get_user_model().objects
    for username in ("supervisor", "gm"):
        users.filter(username=username).update(email=f"{username}@water.example.cn")
    supervisor = users.get(username="supervisor")
    reports.save_view(
        supervisor,
        name="本月投诉按严重程度",
        report="complaints",
        params={"by": "severity", "split": "class"},
    )
    reports.create_subscription(
        supervisor,
        name="月度运营报表",
        reports=["intake", "time_limits", "complaints", "satisfaction"],
        recipients=["gm"],
    )
    # Last month's complaint reports (月度投诉统计), as the worker prepared them on the 1st: the
    # center's submitted by the supervisor and approved by the general manager (to be filed);
    # 深圳分公司's submitted by its team lead, waiting for the general manager; 总公司's a draft.
    month = previous_month(timezone.localdate())
    reports.prepare_reports(month)
    reports.submit_report(
        month,
        actor=supervisor,
        summary="本月投诉集中在停水通知不及时和维修上门慢两类;已要求管网所停水前 24 小时"
        "短信通知,维修部增设夜班抢修组。",
    )
    reports.review_report(month, actor=users.get(username="gm"), approve=True, note="同意,请归档")
    reports.submit_report(
        month,
        actor=users.get(username="sz-lead"),
        summary="深圳分公司本月投诉以维修时效为主,已与深圳维修站约定 2 小时内上门。",
    )


QUALITY_ITEMS = [
    {"name": "开头语、问候语规范", "category": "attitude", "points": 10},
    {"name": "语气亲切、耐心倾听", "category": "attitude", "points": 15},
    {"name": "复述确认诉求", "category": "process", "points": 15},
    {"name": "工单信息完整、分类正确", "category": "accuracy", "points": 20},
    {"name": "按时派工与答复", "category": "time_limit", "points": 15},
    {"name": "使用标准话术", "category": "script", "points": 15},
    {"name": "结束语与满意度邀请", "category": "script", "points": 10},
    {"name": "未使用禁用语", "category": "forbidden", "points": 0, "is_veto": True},
]


def _seed_quality() -> None:
    """Quality: the hotline scorecard (eight items, one veto), last week's sample drawn,
    four of its tickets scored (one vetoed for a forbidden phrase), one sent back to the agent
    for a fix, and one appeal waiting for the team lead."""
    User = get_user_model()
    inspector = User.objects.get(username="quality")
    card = quality.create_scorecard(inspector, name="热线服务质检评分表", items=QUALITY_ITEMS)
    draw, _created = quality.draw_sample(inspector)
    samples = list(
        QualitySample.objects.filter(draw=draw, ticket__isnull=False).order_by("agent_id", "id")[:4]
    )
    items = list(card.items.order_by("position"))
    verdicts = [
        {},  # all passed
        {3: {"passed": False, "comment": "未复述客户地址"}},
        {5: {"points": 8, "comment": "派工晚了 20 分钟"}},
        {8: {"passed": False, "comment": "通话中说了“这不是我的工作”"}},
    ]
    inspections = []
    for sample, verdict in zip(samples, verdicts, strict=False):
        marks = [
            {"position": i.position, "passed": True, **verdict.get(i.position, {})} for i in items
        ]
        inspections.append(
            quality.inspect_sample(inspector, sample.pk, scorecard_id=card.pk, marks=marks)
        )
    if len(inspections) > 1:
        quality.send_back(
            inspector,
            inspections[1].pk,
            to="agent",
            required_fix="回电客户核实并补录详细地址",
            due_at=timezone.now() + dt.timedelta(days=2),
        )
    if len(inspections) > 2:
        appellant = inspections[2].agent
        quality.file_appeal(
            appellant, inspections[2].pk, reason="当时维修部电话占线,已在 10 分钟内改派并备注"
        )


def _seed_notebooks() -> None:
    """The agents' notebooks: a problem logged nine days ago, collected to the team lead and
    answered, two problems of this week still open; manual lines of the service count (one
    corrected); three grumbles handled at the desk and on the phone, one of them turned into
    a complaint ticket."""
    User = get_user_model()
    lead, agent = User.objects.get(username="lead"), User.objects.get(username="agent")
    colleague = User.objects.get(username="phone21")
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=9), tick=True):
        first = notebooks.record_problem(
            agent, category="policy", text="客户问阶梯水价调整从哪个月开始执行,知识库没有答案"
        )
    notebooks.collect_week(now=now)
    notebooks.answer_problem(lead, first.pk, text="从下月抄表周期开始执行,已补充到知识库")
    notebooks.record_problem(
        agent, category="system", text="来电弹屏偶尔不显示客户欠费信息,需要刷新页面"
    )
    notebooks.record_problem(
        colleague, category="recurring", text="本周很多客户询问小区二次供水水箱清洗时间"
    )
    today = timezone.localdate()
    for who, back, kind, count, note in (
        (agent, 0, "counter", 6, "营业厅现场咨询"),
        (agent, 1, "directions", 4, ""),
        (agent, 1, "lending", 2, "雨伞"),
        (colleague, 0, "counter", 3, ""),
    ):
        made = notebooks.add_entry(
            who, day=today - dt.timedelta(days=back), kind=kind, count=count, note=note
        )
    notebooks.correct_entry(colleague, made.pk, count=2, note="重复登记一次")
    category = Category.objects.filter(is_active=True).first()
    notebooks.record_grumble(
        agent,
        notebooks.GrumbleIn(
            at=now - dt.timedelta(hours=3),
            channel="desk",
            content="排队等候时间太长",
            handling="致歉并引导到自助缴费机办理",
            satisfied=True,
        ),
    )
    notebooks.record_grumble(
        colleague,
        notebooks.GrumbleIn(
            at=now - dt.timedelta(hours=2),
            channel="phone",
            content="热线占线打了三次才接通",
            handling="解释高峰时段并登记回电时间",
            satisfied=True,
            customer_name="陈丽",
            customer_phone="13911112222",
        ),
    )
    unsettled = notebooks.record_grumble(
        agent,
        notebooks.GrumbleIn(
            at=now - dt.timedelta(hours=1),
            channel="phone",
            content="上门维修没有按约定时间到",
            handling="道歉并联系维修部,客户仍不满意",
            satisfied=False,
            category=category.code if category else "",
            customer_name="黄伟",
            customer_phone="13622223333",
        ),
    )
    notebooks.escalate_grumble(agent, unsettled.pk, note="客户要求维修部主管回电")
