"""Ticket operations: intake, transitions, assignment, notes, attachments, merging.

Every function here is the only way its change happens: it checks the actor's access, locks
the row, validates, writes, records the timeline and queues live pushes after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, Role, StaffProfile
from kefu.accounts.scope import INTAKE_ROLES, scope_of
from kefu.core import refcache
from kefu.core.actor import Actor, user_of
from kefu.core.db import rows
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.realtime import AGENTS_GROUP, department_group, publish_on_commit, user_group
from kefu.core.said import Said
from kefu.core.services import get_or_create_tags, next_serial
from kefu.core.uploads import checked_upload
from kefu.customers.access import visible_customers
from kefu.customers.models import Customer
from kefu.customers.selectors import sole_active_owner
from kefu.customers.services import resolve_branch_area
from kefu.tickets import hooks
from kefu.tickets.access import ACTION_ROLES, access_ticket
from kefu.tickets.models import (
    Attachment,
    Channel,
    Priority,
    ReplyMethod,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)
from kefu.tickets.schemas import MAX_CONTENT, TicketIn
from kefu.tickets.search import tokenize_for_index
from kefu.tickets.timeline import new_event, record_event

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EARLIEST_RECEIVED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
CLOCK_SKEW = dt.timedelta(minutes=2)

NOTE_REQUIRED = {"return", "cancel", "reopen"}


def active_type(code: str) -> TicketType | None:
    """The active request type with ``code`` (kept per process: kefu.core.refcache)."""
    return refcache.get(
        ("ticket_type", code), lambda: TicketType.objects.filter(code=code, is_active=True).first()
    )


def live_groups(ticket: Ticket) -> list[str]:
    """Who is told live of a change on ``ticket``: the floor, its department, its assignee."""
    groups = [AGENTS_GROUP]
    if ticket.department_id:
        groups.append(department_group(ticket.department_id))
    if ticket.assignee_id:
        groups.append(user_group(ticket.assignee_id))
    return groups


def _announce(ticket: Ticket, event: str) -> None:
    """Tell the floor (live push) and whatever the domains announce to (webhooks)."""
    payload = {"type": event, "serial": ticket.serial, "status": ticket.status}
    publish_on_commit(live_groups(ticket), payload)
    hooks.announce(ticket, event)


# ---------------------------------------------------------------------------------- intake


def _clean_intake(data: TicketIn, actor: Actor | None) -> dict[str, Any]:
    """The request's fields checked; ``actor`` None: it came in by itself (a customer's
    mail, SMS, portal form or chat), seen from the whole center."""
    ticket_type = active_type(data.type)
    if ticket_type is None:
        raise ServiceError(Code.INVALID, _("诉求类型无效:%s") % data.type, field="type")
    if data.channel not in Channel.values:
        raise ServiceError(Code.INVALID, _("渠道无效:%s") % data.channel, field="channel")
    if data.priority not in Priority.values:
        raise ServiceError(Code.INVALID, _("优先级无效"), field="priority")
    if data.reply_method not in ReplyMethod.values:
        raise ServiceError(Code.INVALID, _("答复方式无效"), field="reply_method")
    content = (data.content or "").strip()
    if not content:
        raise ServiceError(Code.INVALID, _("请填写诉求内容"), field="content")
    if len(content) > MAX_CONTENT:
        raise ServiceError(Code.INVALID, _("诉求内容最长 %d 个字符") % MAX_CONTENT, field="content")
    if len(data.desired_result or "") > MAX_CONTENT:
        raise ServiceError(Code.INVALID, _("客户期望过长"), field="desired_result")
    contact_name = (data.contact_name or "").strip()
    if len(contact_name) > 40:
        raise ServiceError(Code.INVALID, _("联系人最长 40 个字符"), field="contact_name")
    now = timezone.now()
    received_at = data.received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + CLOCK_SKEW:
        raise ServiceError(Code.INVALID, _("受理时间不能晚于当前时间"), field="received_at")
    if received_at < EARLIEST_RECEIVED:
        raise ServiceError(Code.INVALID, _("受理时间无效"), field="received_at")
    reply_by = data.reply_by
    if reply_by is not None:
        if timezone.is_naive(reply_by):
            reply_by = timezone.make_aware(reply_by)
        if reply_by < received_at:
            raise ServiceError(Code.INVALID, _("要求答复时间早于受理时间"), field="reply_by")
    caller_number = ""
    if data.caller_number:
        caller_number = normalize_phone(data.caller_number)
        if not caller_number:
            raise ServiceError(Code.INVALID, _("来电号码无效"), field="caller_number")
    customer = None
    if data.customer_id is not None:
        customers = Customer.objects.all() if actor is None else visible_customers(actor)
        customer = customers.select_related("branch", "area").filter(pk=data.customer_id).first()
        if customer is None:
            raise ServiceError(Code.INVALID, _("客户不存在"), field="customer_id")
    elif caller_number and not data.anonymous:
        # The caller is identified when exactly one active customer has this number.
        customer = sole_active_owner(caller_number)
    if customer is not None and not data.area and data.branch in ("", customer.branch.code):
        # Where the customer lives; an area closed since is left out rather than refused.
        branch, area = customer.branch, customer.area
        if area is not None and not area.is_active:
            area = None
    else:
        branch, area = resolve_branch_area(data.branch, data.area)
    scope = scope_of(actor)
    if actor is not None and not scope.everything and scope.branch_id not in (None, branch.id):
        raise ServiceError(Code.FORBIDDEN, _("不能为其他分支机构受理"), field="branch")
    return {
        # What the domains keep of this request (kefu.tickets.hooks), by their names.
        "extras": hooks.clean_intake(data, ticket_type.code),
        "type": ticket_type,
        "channel": data.channel,
        "priority": data.priority,
        "received_at": received_at,
        "customer": customer,
        "contact_name": contact_name,
        "caller_number": caller_number,
        "content": content,
        "desired_result": (data.desired_result or "").strip(),
        "reply_method": data.reply_method,
        "reply_by": reply_by,
        "callback_declined": bool(data.callback_declined),
        "anonymous": bool(data.anonymous),
        "branch": branch,
        "area": area,
    }


def validate_intake(data: TicketIn, *, actor: Actor) -> dict[str, Any]:
    """Check a request without writing it: the read-back (复述确认) shown before saving.

    Returns the cleaned fields, with what the domains tell the caller under ``"told"`` (a
    complaint's promised result time); raises ServiceError exactly as create_ticket would.
    """
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权受理"))
    cleaned = _clean_intake(data, actor)
    cleaned["told"] = hooks.readback(cleaned)
    return cleaned


def intake_department(cleaned: dict[str, Any], code: str, *, accept: bool) -> Department | None:
    """The department saving sends a request to: the one the agent chose, else, when it is
    accepted at once, the routing table's for its type, area, branch and the domains' fields
    (a complaint's category); None when neither names one. The read-back shows the same."""
    if code:
        return _resolve_department(code)
    return hooks.route_intake(cleaned) if accept else None


def create_ticket(
    data: TicketIn,
    *,
    actor: Actor | None,
    accept: bool = False,
    department: str = "",
    assignee: str = "",
    note: str = "",
) -> Ticket:
    """Record a request. ``accept`` marks it 受理 at once (an agent on the phone);
    ``department`` dispatches it at once too. Raises ServiceError; nothing is written then.
    ``actor`` None: the request came in by itself through a channel (a customer's mail, SMS,
    portal form or chat, kefu.conversations), recorded by the system.

    Everything that only reads — the checks, the caller's identification, routing, the search
    words — is done before the transaction, so that the writes hold the database (SQLite's one
    writer) for as short a time as they can.
    """
    if actor is not None and not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权受理"))
    fields = _clean_intake(data, actor)
    extras = fields.pop("extras")
    ticket = Ticket(
        created_by=user_of(actor),
        search_tokens=tokenize_for_index(fields["content"], fields["desired_result"]),
        **fields,
    )
    # Accepting and dispatching at intake are checked and recorded as separate steps, but the
    # ticket is written once, in its final state, with its timeline rows in one statement.
    events = [
        new_event(
            ticket,
            actor=actor,
            kind=TicketEvent.Kind.CREATED,
            to_status=Status.NEW,
            data={"channel": ticket.channel, "type": ticket.type.code},
        )
    ]
    chosen = intake_department(fields | {"extras": extras}, department, accept=accept)
    department = chosen.code if chosen is not None else ""
    if accept or department:
        events.append(_change(ticket, actor=actor, action="accept", note=""))
    if department:
        events.append(
            _change(
                ticket,
                actor=actor,
                action="dispatch",
                note=note,
                department=department,
                assignee=assignee,
            )
        )
    with transaction.atomic():
        tags = get_or_create_tags(data.tags[:20])
        # The day's counter row stays locked until commit: take the number, write, commit.
        ticket.serial = next_serial()
        rows.insert([ticket])
        for event in events:  # one moment: the steps sort by id, whatever the clock does
            event.at = ticket.created_at
        # What intake wrote, in order: the caller answers with the timeline without reading it.
        ticket.written_events = rows.insert(events)
        if tags:
            ticket.tags.set(tags)
        ticket.written_tags = tags
        ticket.intake_results = hooks.after_intake(ticket, extras, actor=actor)
        _announce(ticket, "ticket.created")
    return ticket


# ---------------------------------------------------------------------------------- transitions


def _resolve_department(code: str) -> Department:
    department = Department.objects.select_related("branch").filter(code=code).first()
    if department is None or not department.is_active:
        raise ServiceError(Code.INVALID, _("部门不存在:%s") % code, field="department")
    return department


def _resolve_assignee(name: str, department: Department | None) -> User:
    staff = (
        StaffProfile.objects.select_related("user")
        .filter(Q(user__username=name) | Q(employee_no=name), user__is_active=True)
        .first()
    )
    if staff is None:
        raise ServiceError(Code.INVALID, _("处理人不存在:%s") % name, field="assignee")
    if department is not None and staff.department_id != department.id:
        raise ServiceError(Code.INVALID, _("处理人不属于该部门"), field="assignee")
    if department is None and staff.is_department_role:
        raise ServiceError(Code.INVALID, _("请先选择处理部门"), field="department")
    return staff.user


def apply_transition(
    ticket: Ticket,
    *,
    actor: Actor,
    action: str,
    note: str | Said,
    department: str = "",
    assignee: str = "",
) -> TicketEvent:
    """Validate and apply ``action`` to a ticket the caller has locked, write its timeline row
    and run the domains' reactions (time limits, complaint, callbacks) in the caller's
    transaction, then announce the change (live push after commit, webhooks). The one way every
    app moves a ticket.
    """
    event = _change(
        ticket, actor=actor, action=action, note=note, department=department, assignee=assignee
    )
    ticket.save()
    event.save()
    hooks.react(ticket, hooks.Change(action=action, at=event.at, actor=actor, event=event))
    _announce(ticket, "ticket.changed")
    return event


def _change(
    ticket: Ticket,
    *,
    actor: Actor | None,
    action: str,
    note: str | Said,
    department: str = "",
    assignee: str = "",
) -> TicketEvent:
    """Validate ``action`` and make it on ``ticket`` in memory; return its unsaved timeline row."""
    if action not in Ticket.ACTIONS:
        raise ServiceError(Code.INVALID, _("未知操作:%s") % action, field="action")
    sources, target = Ticket.ACTIONS[action]
    scope = scope_of(actor)
    # actor None: the system, e.g. a channel's request routed at intake (kefu.conversations).
    if actor is not None and scope.role not in ACTION_ROLES[action]:
        raise ServiceError(Code.FORBIDDEN, _("无权执行此操作"), field="action")
    if ticket.status not in sources:
        raise ServiceError(Code.INVALID_TRANSITION, _("当前状态不允许此操作"), field="action")
    if ticket.pk:  # at intake nothing of the domains exists yet to refuse a step
        hooks.check_action(ticket, action)
    if not isinstance(note, Said):  # system words (kefu.core.said) are the code's own
        note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise ServiceError(Code.INVALID, _("请填写原因"), field="note")
    if len(str(note)) > MAX_CONTENT:
        raise ServiceError(Code.INVALID, _("备注过长"), field="note")
    data: dict[str, Any] = {}
    previous = ticket.status
    match action:
        case "dispatch":
            if not department:
                if scope.role == Role.DEPT_HEAD:
                    department = ticket.department.code if ticket.department is not None else ""
                if not department:
                    raise ServiceError(Code.INVALID, _("请选择处理部门"), field="department")
            dept = _resolve_department(department)
            if scope.role == Role.DEPT_HEAD and dept.id != scope.department_id:
                raise ServiceError(Code.FORBIDDEN, _("只能在本部门内派工"), field="department")
            user = _resolve_assignee(assignee, dept) if assignee else None
            data = {
                "department": dept.code,
                "department_name": dept.name,
                "from_department": ticket.department.code if ticket.department is not None else "",
                "assignee": user.username if user else "",
            }
            ticket.department = dept
            ticket.assignee = user
        case "return":
            # Back to the center: the department keeps no hold on it.
            data = {
                "from_department": ticket.department.code if ticket.department is not None else ""
            }
            ticket.department = None
            ticket.assignee = None
        case "start":
            # (Department staff are signed in: scope_of sees nothing of anyone else.)
            person = user_of(actor)
            if ticket.assignee_id is None and scope.is_department and person is not None:
                ticket.assignee = person
                data = {"assignee": person.username}
        case "resolve":
            ticket.resolved_at = timezone.now()
        case "close":
            ticket.closed_at = timezone.now()
        case "reopen":
            ticket.resolved_at = None
            target = Status.DISPATCHED if ticket.department_id else Status.IN_PROGRESS
        case _:
            pass
    ticket.status = target
    return new_event(
        ticket,
        actor=actor,
        kind=TicketEvent.Kind.STATUS,
        action=action,
        from_status=previous,
        to_status=target,
        note=note,
        data=data,
    )


@transaction.atomic
def transition_ticket(
    serial: str,
    *,
    actor: Actor,
    action: str,
    note: str = "",
    department: str = "",
    assignee: str = "",
) -> Ticket:
    """Take ``action`` on a ticket (accept, dispatch, start, return, request_confirmation,
    resolve, follow_up, close, reopen, cancel).

    Locks the ticket row. Raises ServiceError: NOT_FOUND when the actor may not see it,
    FORBIDDEN for the wrong role, INVALID_TRANSITION from the wrong state, INVALID for bad
    fields. A refused action changes nothing.
    """
    ticket = access_ticket(actor, serial, for_update=True)
    apply_transition(
        ticket, actor=actor, action=action, note=note, department=department, assignee=assignee
    )
    return ticket


@transaction.atomic
def assign_ticket(serial: str, *, actor: Actor, assignee: str, note: str = "") -> Ticket:
    """Hand an open ticket to a person of its department (or of the center when it has none)."""
    ticket = access_ticket(actor, serial, for_update=True)
    scope = scope_of(actor)
    if scope.role not in INTAKE_ROLES | {Role.DEPT_HEAD}:
        raise ServiceError(Code.FORBIDDEN, _("无权指派"))
    if not ticket.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("工单已结束,不能指派"))
    user = _resolve_assignee(assignee, ticket.department) if assignee else None
    if (user.pk if user else None) == ticket.assignee_id:
        return ticket  # the same person again (or nobody again): nothing changes, nothing written
    previous = ticket.assignee.username if ticket.assignee is not None else ""
    ticket.assignee = user
    ticket.save(update_fields=["assignee", "updated_at"])
    record_event(
        ticket,
        actor=actor,
        kind=TicketEvent.Kind.ASSIGNED,
        note=note.strip(),
        data={"from": previous, "to": user.username if user else ""},
    )
    _announce(ticket, "ticket.changed")
    return ticket


@transaction.atomic
def add_note(serial: str, *, actor: Actor, note: str) -> TicketEvent:
    """Write a follow-up note (跟踪记录) on the timeline."""
    ticket = access_ticket(actor, serial, for_update=True)
    if scope_of(actor).role == Role.QUALITY:
        raise ServiceError(Code.FORBIDDEN, _("无权添加备注"))
    note = (note or "").strip()
    if not note:
        raise ServiceError(Code.INVALID, _("请填写备注内容"), field="note")
    if len(note) > MAX_CONTENT:
        raise ServiceError(Code.INVALID, _("备注过长"), field="note")
    event = record_event(ticket, actor=actor, kind=TicketEvent.Kind.NOTE, note=note)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return event


@transaction.atomic
def add_attachment(serial: str, *, actor: Actor, upload: UploadedFile[bytes] | None) -> Attachment:
    """Attach an uploaded file. Raises ServiceError(TOO_LARGE) past KEFU_MAX_UPLOAD_MB."""
    ticket = access_ticket(actor, serial, for_update=True)
    if scope_of(actor).role == Role.QUALITY:
        raise ServiceError(Code.FORBIDDEN, _("无权上传附件"))
    upload, name, size = checked_upload(upload)
    attachment = Attachment(
        ticket=ticket,
        name=name,
        size=size,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=user_of(actor),  # always: access_ticket passed
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record_event(
        ticket,
        actor=actor,
        kind=TicketEvent.Kind.ATTACHMENT,
        data={"attachment_id": attachment.id, "name": name, "size": size},
    )
    return attachment


@transaction.atomic
def merge_tickets(serial: str, *, into: str, actor: Actor, note: str = "") -> Ticket:
    """Merge duplicate ``serial`` into ``into``: the duplicate ends as merged and points at the
    surviving ticket; both timelines are kept and shown together on the survivor.
    """
    scope = scope_of(actor)
    if not scope.can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权合并工单"))
    if str(serial) == str(into):
        raise ServiceError(Code.INVALID, _("不能与自身合并"), field="into")
    # Lock both rows in a fixed order so two opposite merges cannot deadlock.
    first, second = sorted([str(serial), str(into)])
    locked = {
        t.serial: t for t in (access_ticket(actor, s, for_update=True) for s in (first, second))
    }
    duplicate, survivor = locked[str(serial)], locked[str(into)]
    if duplicate.status in (Status.CLOSED, Status.CANCELLED, Status.MERGED):
        raise ServiceError(Code.INVALID_TRANSITION, _("该工单已结束,不能合并"))
    if survivor.status in (Status.CANCELLED, Status.MERGED):
        raise ServiceError(Code.INVALID, _("目标工单已撤销或已合并"), field="into")
    previous = duplicate.status
    duplicate.status = Status.MERGED
    duplicate.merged_into = survivor
    duplicate.save()
    # The duplicate's clocks, complaint and callbacks end; the survivor's run on.
    hooks.react(duplicate, hooks.Change(action="merge", at=timezone.now(), actor=actor))
    record_event(
        duplicate,
        actor=actor,
        kind=TicketEvent.Kind.MERGED,
        action="merge",
        from_status=previous,
        to_status=Status.MERGED,
        note=note.strip(),
        data={"into": survivor.serial},
    )
    record_event(
        survivor,
        actor=actor,
        kind=TicketEvent.Kind.MERGED,
        action="merge",
        note=note.strip(),
        data={"from": duplicate.serial},
    )
    if duplicate.customer_id and not survivor.customer_id:
        survivor.customer_id = duplicate.customer_id
        survivor.save(update_fields=["customer", "updated_at"])
    _announce(duplicate, "ticket.changed")
    return survivor
