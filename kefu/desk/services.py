"""The agent's desk: a request taken at the workbench or through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.scope import scope_of
from kefu.complaints.rules import route
from kefu.core import wording
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text
from kefu.core.wording import check_outbound
from kefu.desk.models import SavedView
from kefu.desk.schemas import IntakeIn
from kefu.dispatch import cleaning as dispatch_cleaning
from kefu.dispatch import services as dispatch
from kefu.dispatch.schemas import OrderIn
from kefu.notices.services import create_ticket_for_notice
from kefu.telephony.services import link_call
from kefu.tickets.models import Channel, Ticket
from kefu.tickets.services import (
    assign_ticket,
    create_ticket,
    intake_department,
    transition_ticket,
    validate_intake,
)
from kefu.triage import services as triage
from kefu.triage.learn import Guess


def take_request(data: IntakeIn, *, actor: Actor, accept: bool) -> Ticket:
    """Record the request. About an active outage notice (``notice_id``) it is linked to the
    notice (see kefu.notices); otherwise it is a new request. Either way it is dispatched to
    ``data.department`` (and ``data.assignee``) when one is given, and a request whose type
    makes work orders (报修, 订单) gets its work order (派工单) in the same transaction, sent at
    once to ``data.crew`` or ``data.field_staff`` when one is named. A refused work order
    leaves no ticket behind."""
    with transaction.atomic():
        if data.notice_id is not None:
            ticket = create_ticket_for_notice(
                data,
                actor=actor,
                notice_id=data.notice_id,
                department=data.department,
                assignee=data.assignee,
            )
        else:
            ticket = create_ticket(
                data, actor=actor, accept=accept, department=data.department, assignee=data.assignee
            )
        link_call(ticket, actor=actor, call_id=data.call_id)
        order = work_order_for(ticket, data, actor=actor)
        if order is None:
            _refuse_recipient(data)
        else:
            try:
                ticket.intake_results["work_order"] = dispatch.create_order(
                    order,
                    actor=actor,
                    ticket=ticket.serial,
                    assignee=data.field_staff,
                    crew=data.crew,
                    dispatch=bool(data.field_staff or data.crew),
                )
            except ServiceError as exc:  # named as the intake names the field
                exc.field = _INTAKE_FIELD.get(exc.field or "", exc.field)
                raise
    return ticket


# A work order's field → the intake's field that fills it.
_INTAKE_FIELD = {"assignee": "field_staff", "customer_phone": "caller_number", "goods": "content"}


def work_order_for(ticket: Ticket, data: IntakeIn, *, actor: Actor) -> OrderIn | None:
    """The work order a dispatched request makes, or None (no department, or a type that
    makes none)."""
    return _order_in(
        kind=ticket.type.work_order_kind,
        department=ticket.department,
        customer=ticket.customer,
        phone=ticket.caller_number,
        name=ticket.contact_name,
        content=ticket.content,
        area=ticket.area,
        address=data.address,
        asked=_asked(data),
    )


def _order_to(data: IntakeIn, department, *, made: bool) -> str:
    """Who the work order saving makes goes to (the crew's or the person's name, "" for the
    department's dispatcher), checked as saving checks it. A crew or person named for a
    request that makes no work order is refused rather than dropped."""
    if not (data.crew or data.field_staff):
        return ""
    if not made:
        _refuse_recipient(data)
    if data.field_staff:
        person = dispatch_cleaning.find_field_person(data.field_staff, department)
        return person.get_full_name() or person.username
    return dispatch_cleaning.find_crew(data.crew, department).name


def _refuse_recipient(data: IntakeIn) -> None:
    """A crew or person named for a request that makes no work order is refused, not dropped."""
    if data.crew or data.field_staff:
        raise ServiceError(
            Code.INVALID,
            _("只有派工部门的报修、订单类诉求生成派工单,不能指定班组或外勤人员"),
            field="crew" if data.crew else "field_staff",
        )


def _asked(data: IntakeIn) -> bool:
    """Whether the agent (or integrator) dispatched the request themselves: a department, a
    crew or a field staff member named."""
    return bool(data.department or data.crew or data.field_staff)


def _order_in(
    *, kind, department, customer, phone, name, content, area, address, asked: bool
) -> OrderIn | None:
    """The kind the request's type names, the caller's number (else the customer's first),
    the customer's address unless the agent typed another, the request as the fault or goods.
    When only the routing table chose the department and the number or the address is not
    known, none is made: the department makes it (an agent who dispatched is asked for it)."""
    if not kind or department is None:
        return None
    if not phone and customer is not None:
        first = customer.phones.order_by("-is_primary", "id").first()
        phone = first.number if first is not None else ""
    address = (address or "").strip() or (customer.address if customer is not None else "")
    if not asked and not (phone and address):
        return None
    if not address:
        raise ServiceError(
            Code.INVALID, _("派工需要上门地址:客户档案没有地址,请填写派工地址"), field="address"
        )
    if not phone:
        raise ServiceError(
            Code.INVALID, _("派工需要客户电话,请填写来电号码"), field="caller_number"
        )
    return OrderIn(
        kind=kind,
        department=department.code,
        customer_phone=phone,
        address=address,
        goods=content[:200],
        customer_id=customer.pk if customer is not None else None,
        customer_name=(name or (customer.name if customer is not None else ""))[:40],
        area=area.code if area is not None else "",
    )


def suggest(actor: Actor, *, text: str, channel: str, area: str = "") -> dict[str, Guess]:
    """What triage proposes for a request as the agent types it. A department the model is
    not sure of is taken from the routing table (派单规则) for the guessed type and the area,
    as intake would route it; none when the table names none."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权受理"))
    if channel and channel not in Channel.values:
        raise ServiceError(Code.INVALID, _("渠道无效"), field="channel")
    found = triage.predict(text, channel)
    department = found["department"]
    active = dict(org.department_choices())
    if department.value is not None and department.value not in active:
        department = Guess(None, 0.0)
    if department.value is None and found["type"].value:
        where = org.area_by_code(area) if area else None
        scope = scope_of(actor)  # the request's branch, as intake would resolve it
        branch = (
            where.branch
            if where is not None
            else (org.branch(scope.branch_id) if scope.branch_id else org.default_branch())
        )
        routed = route(found["type"].value, area=where, category=None, branch=branch)
        if routed is not None:
            department = Guess(routed.code, found["type"].confidence)
    found["department"] = department
    return found


def wording_hits(actor: Actor, text: str) -> dict:
    """The forbidden phrases in ``text`` and the center's rule, for the page to warn as the
    agent writes (kefu.core.wording)."""
    if scope_of(actor).nothing:
        raise ServiceError(Code.FORBIDDEN, _("无权操作"))
    hits = wording.find(text)
    return {
        "policy": wording.policy(),
        "hits": [
            {
                "phrase": h.phrase.text,
                "suggestion": h.phrase.suggestion,
                "start": h.start,
                "end": h.end,
            }
            for h in hits
        ],
    }


def read_back(data: IntakeIn, *, actor: Actor) -> tuple[dict, wording.Finding]:
    """The read-back (复述确认) of a request before it is saved: its checked fields (as
    ``validate_intake``) with the department saving will send it to (``dispatch_to``), and the forbidden phrases in what the agent is about to read aloud.
    The read-back quotes the customer's words, so it warns and never blocks; each phrase is
    counted for the agent."""
    cleaned = validate_intake(data, actor=actor)
    # The workbench saves with 受理 at once: the department saving will choose.
    cleaned["dispatch_to"] = intake_department(cleaned, data.department, accept=True)
    # …and the work order saving makes with it, checked now (an address is needed).
    order = _order_in(
        kind=cleaned["type"].work_order_kind,
        department=cleaned["dispatch_to"],
        customer=cleaned["customer"],
        phone=cleaned["caller_number"],
        name=cleaned["contact_name"],
        content=cleaned["content"],
        area=cleaned["area"],
        address=data.address,
        asked=_asked(data),
    )
    try:
        cleaned["work_order"] = order and dispatch_cleaning.clean_order(order, actor)
        cleaned["order_to"] = _order_to(data, cleaned["dispatch_to"], made=order is not None)
    except ServiceError as exc:
        exc.field = _INTAKE_FIELD.get(exc.field or "", exc.field)
        raise
    spoken = "\n".join(t for t in (cleaned["content"], cleaned["desired_result"]) if t)
    finding = check_outbound(spoken, actor=actor, path="readback", field="content", quoting=True)
    return cleaned, finding


# ------------------------------------------------------------------------------ the queue

VIEWS_MAX = 50  # saved queue views a user keeps
BULK_MAX = 100  # tickets one batch acts on (a page of the queue at most twice over)


@dataclass
class BulkResult:
    """What a batch did: the serials done, and those refused with the reason each."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def act_on_many(
    serials: list[str],
    *,
    actor: Actor,
    action: str,
    note: str = "",
    department: str = "",
    assignee: str = "",
) -> BulkResult:
    """Take one step — ``assign`` or a ticket action (受理, 派工, 开始处理, 撤销…) — on several
    tickets, each by the same service and the same rules as one at a time, each in its own
    transaction: a ticket the step is not allowed on is refused with the reason, the others
    are done."""
    chosen = list(dict.fromkeys(s.strip() for s in serials if s and s.strip()))
    if not chosen:
        raise ServiceError(Code.INVALID, _("请先勾选工单"), field="serials")
    if len(chosen) > BULK_MAX:
        raise ServiceError(Code.INVALID, _("一次最多处理 %d 张工单") % BULK_MAX, field="serials")
    if action != "assign" and action not in Ticket.ACTIONS:
        raise ServiceError(Code.INVALID, _("无效的操作:%s") % action[:30], field="action")
    result = BulkResult()
    for serial in chosen:
        try:
            if action == "assign":
                assign_ticket(serial, actor=actor, assignee=assignee, note=note)
            else:
                transition_ticket(
                    serial,
                    actor=actor,
                    action=action,
                    note=note,
                    department=department,
                    assignee=assignee,
                )
        except ServiceError as exc:
            result.refused.append((serial[:20], str(exc.detail)))
        else:
            result.done.append(serial)
    return result


def save_view(actor: Actor, *, name: str, query: str) -> SavedView:
    """Keep the queue's filters (its query string, the page aside) under ``name``; the same
    name again replaces what it holds."""
    name = clean_text(name, "name", limit=30, required=True, message=_("请填写视图名称"))
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k != "page"]
    query = urlencode(pairs)
    if len(query) > 500:
        raise ServiceError(Code.INVALID, _("筛选条件太长"), field="query")
    user = user_of(actor)
    if user is None:
        raise ServiceError(Code.FORBIDDEN, _("请先登录"))
    with transaction.atomic():
        view = (
            SavedView.objects.select_for_update()
            .filter(owner=user, name=name, is_active=True)
            .first()
        )
        if view is None:
            if SavedView.objects.filter(owner=user, is_active=True).count() >= VIEWS_MAX:
                raise ServiceError(
                    Code.INVALID, _("最多保存 %d 个视图,请先移除不用的") % VIEWS_MAX, field="name"
                )
            return SavedView.objects.create(owner=user, name=name, query=query)
        view.query = query
        view.save(update_fields=["query"])
        return view


def remove_view(actor: Actor, view_id: int) -> None:
    """Take a saved view off its owner's list (kept, inactive); another's is not found."""
    removed = SavedView.objects.filter(pk=view_id, owner=user_of(actor), is_active=True).update(
        is_active=False
    )
    if not removed:
        raise ServiceError(Code.NOT_FOUND, _("视图不存在"))
