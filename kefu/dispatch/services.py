"""Work orders: create, verify, dispatch and re-dispatch, the field's steps, completion, 销账,
return and cancel, photos and tracking notes. The only place that changes a work order.

Who does what:
- center staff who take requests (agent, team lead, supervisor, admin) create, verify,
  dispatch, close (销账), send back and cancel; a department head dispatches within the
  department;
- the assignee (or a member of the order's crew) accepts, departs, arrives, completes and
  returns; the department's handlers and head may do so for their department;
- everyone who can see an order writes tracking notes; quality staff and the general manager
  read.

Each change is one transaction: the order row locked, the change validated, the tracking
record written, the ticket's timeline told, and SMS, pushes and webhooks queued after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role
from kefu.accounts.scope import INTAKE_ROLES, scope_of
from kefu.core.errors import Code, ServiceError, refuse_nul
from kefu.core.realtime import AGENTS_GROUP, department_group, publish_on_commit, user_group
from kefu.core.said import Said, said
from kefu.core.services import next_serial
from kefu.dispatch import cleaning, deadlines, followup, sending
from kefu.dispatch import photos as photos_module
from kefu.dispatch.access import READ_ONLY_ROLES, access_order, can_create, may_take
from kefu.dispatch.models import (
    FIELD_STATUSES,
    FREIGHT_FIELDS,
    OPEN_STATUSES,
    Source,
    Status,
    TrackingRecord,
    WorkOrder,
)
from kefu.dispatch.schemas import OrderFields, OrderIn
from kefu.dispatch.tracking import record_tracking
from kefu.notify.services import emit_webhook, send_sms
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Status as TicketStatus
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import apply_transition
from kefu.tickets.timeline import record_event

SERIAL_PREFIX = "P"
TEXT_MAX = cleaning.TEXT_MAX

NOTE_REQUIRED = {"return", "reject", "cancel"}


# ---------------------------------------------------------------------------------- recording


def _tell_ticket(order: WorkOrder, *, actor, note: str | Said, data: dict) -> None:
    """A line on the ticket's timeline for what happened to one of its work orders."""
    ticket = order.ticket
    if ticket is None:
        return

    record_event(
        ticket,
        actor=actor,
        kind=TicketEvent.Kind.WORK_ORDER,
        note=note,
        data={"work_order": order.serial, **data},
    )


def _announce(order: WorkOrder, event: str, **extra) -> None:
    payload = {"type": event, "serial": order.serial, "status": order.status, **extra}
    groups = [AGENTS_GROUP, department_group(order.department_id)]
    if order.assignee_id:
        groups.append(user_group(order.assignee_id))
    publish_on_commit(groups, payload)
    payload = {
        "serial": order.serial,
        "status": order.status,
        "ticket": order.ticket.serial if order.ticket is not None else None,
        "department": order.department.code,
        "assignee": order.assignee.username if order.assignee is not None else None,
        "due_at": order.due_at,
        **extra,
    }
    emit_webhook(event, payload, key=f"{event}:{order.serial}:{uuid.uuid4().hex}")


# ---------------------------------------------------------------------------------- creating


@transaction.atomic
def create_order(
    data: OrderIn,
    *,
    actor,
    ticket: str = "",
    assignee: str = "",
    crew: int | None = None,
    dispatcher: str = "",
    dispatch: bool = False,
    note: str = "",
) -> WorkOrder:
    """Register a work order, from ticket ``ticket`` (its serial) or on its own.

    With ``dispatch`` it is confirmed at once to ``assignee`` or ``crew`` (see dispatch_order);
    a web order must be verified first and can not be dispatched at creation. ``actor`` None:
    a web order the customer placed (kefu.portal, the phone proved by SMS), recorded by the
    system. Raises ServiceError: FORBIDDEN for a role that may not create, INVALID naming the
    field.
    """
    by_customer = actor is None and data.source == Source.WEB and not dispatch
    if not (can_create(actor) or by_customer):
        raise ServiceError(Code.FORBIDDEN, _("无权创建派工单"))
    fields = cleaning.clean_order(data, actor)
    source_ticket = None
    if ticket:
        source_ticket = (
            Ticket.objects.select_for_update().get(serial=ticket)
            if by_customer
            else access_ticket(actor, ticket, for_update=True)
        )
        if not source_ticket.is_open:
            raise ServiceError(Code.INVALID_TRANSITION, _("工单已结束,不能派工"), field="ticket")
        if not source_ticket.type.work_order_kind:
            raise ServiceError(
                Code.INVALID,
                _("「%s」类工单不派工(系统设置 → 诉求类型 可以更改)") % source_ticket.type,
                field="ticket",
            )
        fields["source"] = Source.TICKET if fields["source"] == Source.PHONE else fields["source"]
        if fields["customer"] is None and source_ticket.customer is not None:
            fields["customer"] = source_ticket.customer
            fields["customer_name"] = fields["customer_name"] or source_ticket.customer.name[:40]
        if fields["area"] is None and source_ticket.area_id:
            fields["area"] = source_ticket.area
    now = timezone.now()
    order = WorkOrder(
        serial=SERIAL_PREFIX + next_serial(at=now),
        ticket=source_ticket,
        created_by=actor,
        confirmation_code=f"{secrets.randbelow(10**6):06d}",
        **fields,
    )
    order.due_at, order.due_rule = deadlines.due_for(order, order.ordered_at)
    if order.source == Source.WEB:
        order.verify_due_at = deadlines.verify_due_for(order, order.ordered_at)
    order.save()
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.CREATED,
        to_status=Status.PENDING,
        note=cleaning.text(note, "note", TEXT_MAX),
        data={"due_at": order.due_at.isoformat() if order.due_at else None, "rule": order.due_rule},
    )
    if source_ticket is not None:
        _tell_ticket(
            order,
            actor=actor,
            note=said(
                gettext_noop("新建派工单 %(serial)s(%(dept)s)"),
                serial=order.serial,
                dept=order.department.name,
            ),
            data={"action": "create"},
        )
        _ticket_follows(source_ticket, order, actor)
    if dispatch:
        if order.source == Source.WEB:
            raise ServiceError(Code.INVALID, _("网上订单须电话核实后再派工"), field="dispatch")
        _dispatch(order, actor=actor, assignee=assignee, crew=crew, dispatcher=dispatcher, note="")
    else:
        _announce(order, "workorder.created")
    return order


def _ticket_follows(ticket, order: WorkOrder, actor) -> None:
    """A ticket not yet with a department goes to the order's department (ticket dispatch)."""
    if ticket.status in (TicketStatus.NEW, TicketStatus.ACCEPTED) and not ticket.department_id:
        apply_transition(
            ticket,
            actor=actor,
            action="dispatch",
            note=said(gettext_noop("随派工单 %(serial)s 派往部门"), serial=order.serial),
            department=order.department.code,
        )


# What an order says, as the desk form, the API and the preview take it; all but the kind can
# be corrected until the order is completed.
CONTENT_FIELDS = (
    "customer_name",
    "customer_phone",
    "address",
    "goods",
    *FREIGHT_FIELDS,
    "hint",
    "window_start",
    "window_end",
)
EDITABLE = ("kind", "area", *CONTENT_FIELDS)


@transaction.atomic
def update_order(serial: str, data: OrderFields, *, actor, note: str = "") -> WorkOrder:
    """Correct what an order says (address, goods, phones, window, ...) before it is
    completed; the department, the source and the times it was ordered stay. The tracking
    record keeps every changed field's old and new value. A dispatched order's field staff
    see the new text on their page; a new SMS goes out only with a re-dispatch."""
    order = access_order(actor, serial, for_update=True)
    scope = scope_of(actor)
    if not (scope.role in INTAKE_ROLES or may_take(order, actor, "cancel")):
        raise ServiceError(Code.FORBIDDEN, _("无权修改派工单"))
    if order.status not in (Status.PENDING, *FIELD_STATUSES, Status.RETURNED):
        raise ServiceError(Code.INVALID_TRANSITION, _("派工单已完工或已结束,不能修改"))
    content = data.model_dump(include=set(OrderFields.model_fields))
    fields = cleaning.clean_order(
        OrderIn(
            **content,
            department=order.department.code,
            source=Source(order.source),
            ordered_at=order.ordered_at,
        ),
        actor,
    )
    changes = {}
    for name in EDITABLE:
        old, new = getattr(order, name), fields[name]
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(order, name, new)
    if not changes:
        return order
    if "kind" in changes and order.status == Status.PENDING:
        order.due_at, order.due_rule = deadlines.due_for(order, order.ordered_at)
    order.save()
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.NOTE,
        action="edit",
        note=cleaning.text(note, "note", TEXT_MAX),
        data={"changes": changes},
    )
    _announce(order, "workorder.changed", action="edit")
    return order


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "code"):
        return value.code
    return value


@transaction.atomic
def verify_order(serial: str, *, actor, confirmed: bool, note: str) -> WorkOrder:
    """Record the call confirming a web order (DOMAIN §3): the customer goes ahead (then the
    order may be dispatched) or cannot, and it is cancelled with ``note`` as the reason."""
    order = access_order(actor, serial, for_update=True)
    if scope_of(actor).role not in INTAKE_ROLES:
        raise ServiceError(Code.FORBIDDEN, _("无权核实订单"))
    if order.status != Status.PENDING or order.verified_at is not None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该订单无需核实"))
    note = cleaning.text(note, "note", TEXT_MAX, required=not confirmed)
    now = timezone.now()
    if confirmed:
        order.verified_at = now
        order.save(update_fields=["verified_at", "updated_at"])
        record_tracking(
            order,
            actor=actor,
            kind=TrackingRecord.Kind.NOTE,
            action="verify",
            note=note,
            data={"confirmed": True},
        )
        return order
    return _transition(order, actor=actor, action="cancel", note=note)


# ---------------------------------------------------------------------------------- dispatch


@transaction.atomic
def dispatch_order(
    serial: str,
    *,
    actor,
    assignee: str = "",
    crew: int | None = None,
    department: str = "",
    dispatcher: str = "",
    note: str = "",
) -> WorkOrder:
    """Confirm ``serial`` to a field staff member or a crew (optionally of another
    ``department``): the dispatch SMS goes to them and a copy to the dispatcher. From a field
    state or returned it is a re-dispatch; the earlier assignee's messages are voided and the
    tracking record keeps who had it.

    A dispatch to whoever has the order in the field already (the same assignee, crew,
    department and dispatcher) changes nothing: nothing is written, voided or texted, and
    their progress (接单, 出发, 到场) stays. Dispatches of one order at once queue on its row
    lock, each reading the order as the one before left it: eight clicks of 派工 write one
    dispatch."""
    order = access_order(actor, serial, for_update=True)
    moved = False
    if department:
        new = cleaning.find_department(department)
        scope = scope_of(actor)
        if scope.role == Role.DEPT_HEAD and new.id != scope.department_id:
            raise ServiceError(Code.FORBIDDEN, _("只能在本部门内派工"), field="department")
        moved = new.id != order.department_id
        order.department = new
    return _dispatch(
        order,
        actor=actor,
        assignee=assignee,
        crew=crew,
        dispatcher=dispatcher,
        note=note,
        moved=moved,
    )


def _dispatch(
    order: WorkOrder,
    *,
    actor,
    assignee: str,
    crew,
    dispatcher: str,
    note: str,
    moved: bool = False,
):
    """Dispatch the locked ``order`` (see dispatch_order); ``moved``: its department was
    changed by this dispatch."""
    _check(order, actor, "dispatch")
    if order.source == Source.WEB and order.verified_at is None:
        raise ServiceError(Code.INVALID, _("网上订单须电话核实后再派工"), field="action")
    note = cleaning.text(note, "note", TEXT_MAX)
    if not assignee and crew in (None, ""):
        raise ServiceError(Code.INVALID, _("请选择外勤人员或班组"), field="assignee")
    new_crew = cleaning.find_crew(crew, order.department) if crew not in (None, "") else None
    if assignee:
        new_assignee = cleaning.find_field_person(assignee, order.department)
    else:
        new_assignee = new_crew.leader if new_crew is not None else None
    desk = followup.desk_for(order.branch_id)  # read once: the copy, the check, the chases
    if dispatcher:
        new_dispatcher = cleaning.find_center_person(dispatcher, "dispatcher")
    elif order.dispatcher_id is None:
        new_dispatcher = desk.dispatcher if desk else None
    else:
        new_dispatcher = order.dispatcher
    if (
        order.status in FIELD_STATUSES
        and not moved
        and _pk(new_assignee) == order.assignee_id
        and _pk(new_crew) == order.crew_id
        and _pk(new_dispatcher) == order.dispatcher_id
    ):
        return order  # already theirs in the field: nothing changes, nothing is written
    previous = {
        "assignee": order.assignee.username if order.assignee is not None else "",
        "crew": order.crew.name if order.crew is not None else "",
        "status": order.status,
    }
    order.crew, order.assignee, order.dispatcher = new_crew, new_assignee, new_dispatcher
    now = timezone.now()
    redispatch = order.status != Status.PENDING
    order.status = Status.DISPATCHED
    order.dispatched_at = now
    order.dispatched_by = actor
    order.accepted_at = order.departed_at = order.arrived_at = None
    followup.on_dispatched(order, now, desk=desk)
    order.save()
    data: dict[str, Any] = {
        "assignee": order.assignee.username if order.assignee is not None else "",
        "assignee_name": _who(order),
        "crew": order.crew.name if order.crew is not None else "",
        "department": order.department.code,
        "dispatcher": order.dispatcher.username if order.dispatcher is not None else "",
    }
    if redispatch:
        data["previous"] = previous
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.STATUS,
        action="redispatch" if redispatch else "dispatch",
        from_status=previous["status"],
        to_status=Status.DISPATCHED,
        note=note,
        at=now,
        data=data,
    )
    sending.queue_messages(order, actor=actor, at=now)
    _tell_ticket(
        order,
        actor=actor,
        note=(
            _("派工单 %(serial)s 改派给 %(who)s")
            if redispatch
            else _("派工单 %(serial)s 派给 %(who)s")
        )
        % {"serial": order.serial, "who": _who(order)},
        data={"action": "redispatch" if redispatch else "dispatch"},
    )
    _announce(order, "workorder.dispatched", redispatch=redispatch)
    return order


def _pk(row) -> int | None:
    return row.pk if row is not None else None


def _who(order: WorkOrder) -> str:
    person = order.assignee
    name = ""
    if person is not None:
        staff = getattr(person, "staff", None)
        name = staff.display_name if staff else person.username
    if order.crew is not None:
        return f"{order.crew.name} {name}".strip()
    return name


# ---------------------------------------------------------------------------------- transitions


def _check(order: WorkOrder, actor, action: str) -> None:
    if action not in WorkOrder.ACTIONS:
        raise ServiceError(Code.INVALID, _("未知操作:%s") % str(action)[:20], field="action")
    if not may_take(order, actor, action):
        raise ServiceError(Code.FORBIDDEN, _("无权执行此操作"), field="action")
    sources, _target = WorkOrder.ACTIONS[action]
    if order.status not in sources:
        raise ServiceError(Code.INVALID_TRANSITION, _("当前状态不允许此操作"), field="action")


@transaction.atomic
def transition_order(serial: str, *, actor, action: str, note: str = "") -> WorkOrder:
    """Take ``action`` on an order: accept, depart, arrive, return (reason required), close
    (销账), reject (back to the field, reason required) or cancel (reason required).
    Dispatch and complete have their own functions. A refused action changes nothing."""
    order = access_order(actor, serial, for_update=True)
    if action == "dispatch":
        raise ServiceError(Code.INVALID, _("请使用派工操作"), field="action")
    if action == "complete":
        raise ServiceError(Code.INVALID, _("完工请填写处理结果"), field="action")
    return _transition(order, actor=actor, action=action, note=note)


def _transition(order: WorkOrder, *, actor, action: str, note: str) -> WorkOrder:
    _check(order, actor, action)
    note = cleaning.text(note, "note", TEXT_MAX, required=action in NOTE_REQUIRED)
    _sources, target = WorkOrder.ACTIONS[action]
    previous = order.status
    now = timezone.now()
    match action:
        case "accept":
            order.accepted_at = now
            if order.assignee_id != actor.pk and scope_of(actor).role == Role.FIELD_STAFF:
                order.assignee = actor  # a crew member takes the crew's order
        case "depart":
            order.departed_at = now
        case "arrive":
            order.arrived_at = now
        case "return":
            order.return_reason = note
        case "close":
            order.closed_at = now
        case "reject":
            order.completed_at = None
            order.dispatched_at = now
            followup.on_dispatched(order, now, desk=followup.desk_for(order.branch_id))
        case _:
            pass
    order.status = target
    if target not in FIELD_STATUSES:
        followup.on_field_done(order)
    order.save()
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.STATUS,
        action=action,
        from_status=previous,
        to_status=target,
        note=note,
        at=now,
    )
    if action == "depart":
        _tell_customer_crew_coming(order)
    if action == "reject":  # back to the same field staff: they are texted again
        sending.queue_messages(order, actor=actor, at=now)
    if action in {"return", "close", "cancel", "reject"}:
        _tell_ticket(
            order,
            actor=actor,
            note=said(
                gettext_noop("派工单 %(serial)s:%(status)s"),
                serial=order.serial,
                status=Status(order.status).label,
                tail=f"({note})" if note else "",
            ),
            data={"action": action},
        )
    _announce(order, "workorder.changed", action=action)
    return order


def _tell_customer_crew_coming(order: WorkOrder) -> None:
    """The customer hears who is coming, and the code to give on completion."""
    assert order.departed_at is not None, "told when the crew departs, which sets it"
    staff = getattr(order.assignee, "staff", None)
    send_sms(
        order.customer_phone,
        event="workorder.en_route",
        context={
            "serial": order.serial,
            "name": staff.display_name if staff else "",
            "staff_phone": staff.phone if staff else "",
            "code": order.confirmation_code,
        },
        key=f"workorder.en_route:{order.serial}:{order.departed_at.isoformat()}",
    )


@transaction.atomic
def complete_order(
    serial: str,
    *,
    actor,
    result: str,
    materials: str = "",
    confirmation_code: str = "",
    signature_png: bytes | None = None,
    photos: list | None = None,
) -> WorkOrder:
    """Report the order done on site: the result, the materials used, photos, and the
    customer's confirmation (a signature drawn on screen, or the code the customer was
    texted). Without either the order is completed unconfirmed, which the center sees."""
    order = access_order(actor, serial, for_update=True)
    _check(order, actor, "complete")
    order.result = cleaning.text(result, "result", TEXT_MAX, required=True)
    order.materials = cleaning.text(materials, "materials", TEXT_MAX)
    code = (confirmation_code or "").strip()
    refuse_nul(code, "confirmation_code")
    if code:
        if not secrets.compare_digest(code, order.confirmation_code):
            raise ServiceError(Code.INVALID, _("确认码不正确"), field="confirmation_code")
        order.confirmation = WorkOrder.Confirmation.CODE
    signature = None
    if not code and signature_png:
        signature = photos_module.signature_file(signature_png)
    checked = photos_module.check_photos(order, list(photos or []))
    # Every check passed: only now are files written (a refusal leaves none behind).
    if signature is not None:
        order.signature.save(f"{order.serial}.png", signature, save=False)
        order.confirmation = WorkOrder.Confirmation.SIGNATURE
    for photo in checked:
        photos_module.save_photo(order, photo, actor)
    now = timezone.now()
    previous = order.status
    order.status = Status.COMPLETED
    order.completed_at = now
    followup.on_field_done(order)
    order.save()
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.STATUS,
        action="complete",
        from_status=previous,
        to_status=Status.COMPLETED,
        note=order.result,
        at=now,
        data={"confirmation": order.confirmation, "photos": order.photos.count()},
    )
    _tell_ticket(
        order,
        actor=actor,
        note=said(
            gettext_noop("派工单 %(serial)s 已完工:%(result)s"),
            serial=order.serial,
            result=order.result[:100],
        ),
        data={"action": "complete"},
    )
    _announce(order, "workorder.changed", action="complete")
    return order


@transaction.atomic
def add_tracking_note(serial: str, *, actor, note: str) -> TrackingRecord:
    """Write a follow-up note (跟踪记录) on the order."""
    order = access_order(actor, serial, for_update=True)
    if scope_of(actor).role in READ_ONLY_ROLES:
        raise ServiceError(Code.FORBIDDEN, _("无权添加跟踪记录"))
    note = cleaning.text(note, "note", TEXT_MAX, required=True)
    record = record_tracking(order, actor=actor, kind=TrackingRecord.Kind.NOTE, note=note)
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return record


# ---------------------------------------------------------------------------------- tickets


def open_orders_of(ticket) -> list[str]:
    """Serials of the ticket's work orders still open (the ticket cannot resolve before)."""
    return list(
        WorkOrder.objects.filter(ticket=ticket, status__in=OPEN_STATUSES).values_list(
            "serial", flat=True
        )
    )


def check_ticket_action(ticket, action: str) -> None:
    """Refuse resolving or cancelling a ticket while one of its work orders is open."""
    if action not in ("resolve", "cancel"):
        return
    serials = open_orders_of(ticket)
    if serials:
        message = (
            _("派工单 %s 尚未销账或撤销,工单不能办结")
            if action == "resolve"
            else _("派工单 %s 尚未销账或撤销,请先撤销派工单再撤销工单")
        )
        raise ServiceError(
            Code.INVALID_TRANSITION, message % "、".join(serials[:5]), field="action"
        )
