"""Sending the dispatch SMS, the phone-call task when it fails, and the resend when the gateway
works again (DOMAIN §3: "If SMS fails: phone the staff member, note why and when, resend the
SMS when it works again and note that time").

The flow of one message:

1. ``queue_messages`` (inside the dispatch's transaction) writes a DispatchMessage for the
   assignee (or crew leader) and one copying the dispatcher, each with its notify Delivery,
   and after commit queues ``tasks.send_dispatch_message``. A recipient without a usable
   phone fails at once and a call task is opened at once.
2. ``send_message`` (the task) sends the delivery through notify (whose claim, a conditional
   UPDATE, sends a delivery at most once whoever tries) and ``record_outcome`` writes what
   happened on the message and the order's tracking record: sent, or failed → a call task
   for the agent who dispatched, with an in-app notice.
3. ``record_call``: the agent notes the call (when, what was said, reached or not).
4. ``resend_unsent`` (every minute): failed messages of orders still in the field, younger
   than 24 hours, are tried again at once (not on notify's growing backoff); the first
   success is recorded as the resend time. A permanent failure (a refused number, a 4xx) is
   not retried automatically: ``resend_message`` lets the agent retry by hand.

States: a message goes queued → sent | failed, failed → sent (resent), and queued | failed →
void when the order is dispatched again. A call task goes open → done | unreachable, and
unreachable → done | unreachable (another try: an unreachable task stays in the agent's list
until someone is reached; each try is its own line on the tracking record); open |
unreachable → void on a re-dispatch. A resent SMS does not close the call task: the agent
still notes the call the failure asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role
from kefu.accounts.scope import INTAKE_ROLES, scope_of
from kefu.accounts.services import display_name
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.said import said
from kefu.core.services import clean_text, record_audit
from kefu.dispatch import access, tasks
from kefu.dispatch.message import message_for
from kefu.dispatch.models import (
    FIELD_STATUSES,
    CallTask,
    DispatchMessage,
    TrackingRecord,
    WorkOrder,
)
from kefu.dispatch.tracking import record_tracking
from kefu.notify import services as notify
from kefu.notify.models import Delivery

logger = logging.getLogger(__name__)
# The rows an agent handles on an order: a message to send again, a call to note.
_Row = TypeVar("_Row", DispatchMessage, CallTask)

EVENT = "workorder.dispatch"
CALL_EVENT = "workorder.call_task"
# Failed messages are tried again every minute for this long after the order was confirmed;
# later the call has long been made and a stale SMS would only confuse.
RESEND_WITHIN = dt.timedelta(hours=24)
RESEND_BATCH = 100
NOTE_MAX = 2000

Recipient = DispatchMessage.Role
State = DispatchMessage.State
CallState = CallTask.State
UNSENT = (State.QUEUED, State.FAILED)
OPEN_CALLS = (CallState.OPEN, CallState.UNREACHABLE)


# ---------------------------------------------------------------------------------- words


def _clock(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"


def describe_failure(delivery: Delivery) -> str:
    """The gateway's error in words for the agent, and whether it will be tried again."""
    raw = (delivery.last_error or "").strip()
    if delivery.status == Delivery.Status.UNCERTAIN:
        # Cut off after the gateway may have taken it: sending it again could text twice.
        what = _("短信可能已发出(发送中断,网关未答复)")
        then = _("不会自动补发,请电话确认对方是否收到,未收到再手动补发")
        return f"{what}({raw[:200]}),{then}" if raw else f"{what},{then}"
    permanent = delivery.status == Delivery.Status.FAILED
    if raw.startswith("HTTP 4") and permanent:
        what = _("短信网关拒收")
    elif raw.startswith("HTTP "):
        what = _("短信网关故障")
    elif raw.startswith("timeout"):
        what = _("短信网关无响应(超时)")
    elif raw.startswith("invalid URL"):
        what = _("短信网关地址配置错误")
    elif raw.startswith("cannot write"):
        what = _("短信日志无法写入")
    elif raw.startswith(("ConnectError", "ConnectTimeout", "ReadError", "RemoteProtocolError")):
        what = _("无法连接短信网关")
    else:
        what = _("短信发送失败")
    then = _("不会自动补发,请核对号码后手动补发") if permanent else _("网关恢复后自动补发")
    detail = f"({raw[:200]})" if raw else ""
    return f"{what}{detail},{then}"


# ---------------------------------------------------------------------------------- queueing


def _phone_of(user) -> str:
    staff = getattr(user, "staff", None)
    return normalize_phone(staff.phone) if staff is not None else ""


def queue_messages(order: WorkOrder, *, actor, at: dt.datetime) -> list[DispatchMessage]:
    """Write the dispatch messages of this dispatch of ``order`` (assignee or crew leader, and
    the copy to the dispatcher unless there is none or it is the assignee); they are sent
    after commit. Earlier unsent messages are voided with their open call tasks (a
    re-dispatch). Call inside the dispatch's transaction, the order row locked."""
    _void_earlier(order, actor=actor, at=at)
    recipients = [(Recipient.ASSIGNEE, order.assignee)]
    if order.dispatcher_id is not None and order.dispatcher_id != order.assignee_id:
        recipients.append((Recipient.COPY, order.dispatcher))
    text = message_for(order).text
    messages = []
    for role, user in recipients:
        if user is None:
            continue
        message = DispatchMessage.objects.create(
            order=order,
            recipient=user,
            role=role,
            phone=_phone_of(user),
            text=text,
            confirmed_at=at,
        )
        if not message.phone:
            raw = getattr(getattr(user, "staff", None), "phone", "") or ""
            reason = (
                _("手机号无效(%s),短信无法发送") % raw[:24]
                if raw.strip()
                else _("未登记手机号,短信无法发送")
            )
            _fail(message, reason=reason, at=at)
        else:
            message.delivery = notify.send_sms(
                message.phone,
                event=EVENT,
                context={"text": text, "serial": order.serial},
                key=f"{EVENT}:{message.pk}",
                enqueue=False,  # sent by our own task, which records the outcome
            )
            message.save(update_fields=["delivery"])
            _send_after_commit(message.pk)
        messages.append(message)
    return messages


def _send_after_commit(message_id: int) -> None:
    def enqueue() -> None:
        try:
            tasks.send_dispatch_message(message_id)
        except Exception:  # noqa: BLE001 - notify's and our minute sweeps send it instead
            logger.exception("could not queue dispatch message %s", message_id)

    transaction.on_commit(enqueue)


def _void_earlier(order: WorkOrder, *, actor, at: dt.datetime) -> None:
    earlier = list(
        DispatchMessage.objects.select_for_update().filter(order=order, state__in=UNSENT)
    )
    if not earlier:
        return
    ids = [m.pk for m in earlier]
    for message in earlier:
        if message.delivery_id is not None:
            notify.cancel_delivery(message.delivery_id, reason=_("派工单已改派,短信作废"))
    DispatchMessage.objects.filter(pk__in=ids).update(state=State.VOID)
    closed = CallTask.objects.filter(message_id__in=ids, state__in=OPEN_CALLS).update(
        state=CallState.VOID, note=_("派工单已改派,无需电话通知")
    )
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.MESSAGE,
        action="void",
        at=at,
        note=said(
            gettext_noop("改派:作废未发出的派工短信 %(messages)d 条,关闭电话通知任务 %(calls)d 个"),
            messages=len(ids),
            calls=closed,
        ),
        data={"messages": ids, "call_tasks_closed": closed},
    )


# ---------------------------------------------------------------------------------- outcome


def send_message(message_id: int) -> str | None:
    """Send the message's delivery once (notify's claim keeps any other sender out) and record
    the outcome. Returns the message's state, or None when it has nothing to send. Runs
    outside any transaction: no lock is held while the gateway answers."""
    message = DispatchMessage.objects.filter(pk=message_id).only("state", "delivery_id").first()
    if message is None or message.delivery_id is None or message.state not in UNSENT:
        return None
    notify.send_delivery(message.delivery_id)
    return record_outcome(message_id)


@transaction.atomic
def record_outcome(message_id: int) -> str:
    """Bring the message up to date with its delivery, writing each step on the order's
    tracking record. Idempotent: called after every send attempt and by the sweep.

    - delivery sent → message sent (sent_at from the delivery); if it had failed before, also
      resent_at and a "短信补发成功" line;
    - delivery failed, given up, 待核实 (cut off after the gateway may have taken it), or back
      in the queue after an error → message failed with the error; the first time, a call
      task for whoever dispatched, an in-app notice to them, and a line saying so;
    - still queued untried or being sent, or the message is void or sent → nothing.

    Returns the message's state. Locks the order's row, then the message's: the order first,
    as a dispatch does (which voids the order's unsent messages), so that the two never wait
    for each other (writing the tracking line needs the order's row too).
    """
    order_id = DispatchMessage.objects.values_list("order_id", flat=True).get(pk=message_id)
    list(WorkOrder.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True))
    message = (
        DispatchMessage.objects.select_for_update(of=("self",))
        .select_related("delivery", "order", "recipient__staff")
        .get(pk=message_id)
    )
    delivery = message.delivery
    if message.state not in UNSENT or delivery is None:
        return message.state
    Status = Delivery.Status
    if delivery.status == Status.SENT:
        _sent(message, delivery)
    elif delivery.status in (Status.FAILED, Status.GAVE_UP, Status.UNCERTAIN) or (
        delivery.status == Status.QUEUED and delivery.attempts > 0 and delivery.last_error
    ):
        reason = describe_failure(delivery)
        if message.state == State.FAILED and message.last_error == reason:
            return message.state  # the same failure again: nothing new to write
        _fail(message, reason=reason, at=timezone.now())
    return message.state


def _sent(message: DispatchMessage, delivery: Delivery) -> None:
    sent_at = delivery.sent_at
    assert sent_at is not None, "a sent delivery records when it was sent"
    latency = sent_at - message.confirmed_at  # message.latency, now that it is sent
    message.state = State.SENT
    message.sent_at = sent_at
    resent = message.first_failed_at is not None
    fields = ["state", "sent_at"]
    who = {"who": display_name(message.recipient), "phone": message.phone}
    if resent:
        message.resent_at = sent_at
        fields.append("resent_at")
        note = _("短信补发成功:%(who)s(%(phone)s),补发时间 %(time)s") % {
            **who,
            "time": _clock(sent_at),
        }
    else:
        seconds = int(latency.total_seconds())
        note = (
            _("派工短信已发给 %(who)s(%(phone)s),用时 %(seconds)d 秒")
            if message.role == Recipient.ASSIGNEE
            else _("派工短信已抄送调度员 %(who)s(%(phone)s),用时 %(seconds)d 秒")
        ) % {**who, "seconds": seconds}
    message.save(update_fields=fields)
    record_tracking(
        message.order,
        actor=None,
        kind=TrackingRecord.Kind.MESSAGE,
        action="resent" if resent else "sent",
        at=sent_at,
        note=note,
        data={
            "message": message.pk,
            "role": message.role,
            "latency_seconds": round(latency.total_seconds(), 1),
        },
    )


def _fail(message: DispatchMessage, *, reason: str, at: dt.datetime) -> None:
    """Mark the message failed; the first time, open the call task and tell its owner."""
    first = message.first_failed_at is None
    message.state = State.FAILED
    message.last_error = reason
    if first:
        message.first_failed_at = at
    message.save(update_fields=["state", "last_error", "first_failed_at"])
    if not first:
        return
    order = message.order
    task = CallTask.objects.create(
        order=order,
        message=message,
        owner=order.dispatched_by,
        callee=message.recipient,
        phone=message.phone or _phone_raw(message.recipient),
        reason=reason,
        created_at=at,
    )
    who = display_name(message.recipient)
    record_tracking(
        order,
        actor=None,
        kind=TrackingRecord.Kind.MESSAGE,
        action="failed",
        at=at,
        note=said(
            gettext_noop("派工短信未能发给 %(who)s(%(phone)s):%(reason)s。已生成电话通知任务"),
            who=who,
            phone=task.phone or "-",
            reason=reason,
        ),
        data={"message": message.pk, "role": message.role, "call_task": task.pk},
    )
    if task.owner_id is not None:
        notify.notify_users(
            CALL_EVENT,
            users=[task.owner],
            context={
                "serial": order.serial,
                "who": who,
                "phone": task.phone,
                "reason": reason,
            },
            key=f"{CALL_EVENT}:{task.pk}",
        )


def _phone_raw(user) -> str:
    return (getattr(getattr(user, "staff", None), "phone", "") or "")[:24]


# ---------------------------------------------------------------------------------- resending


def resend_unsent(now: dt.datetime | None = None) -> int:
    """The minute's sweep: try again at once the failed messages of orders still in the field,
    confirmed less than 24 hours ago, whose failure was not permanent nor 待核实 (a given-up
    delivery gets a fresh count of attempts); and bring every unsent message up to date with its
    delivery (notify's own sweep may have sent or failed it meanwhile). Returns how many went
    out. Two sweeps never send one message twice: notify claims the delivery with a
    conditional UPDATE and only the winner calls the gateway."""
    now = now or timezone.now()
    rows = (
        DispatchMessage.objects.filter(
            state__in=UNSENT,
            delivery__isnull=False,
            order__status__in=FIELD_STATUSES,
            confirmed_at__gte=now - RESEND_WITHIN,
        )
        .exclude(
            state=State.FAILED,
            delivery__status__in=[Delivery.Status.FAILED, Delivery.Status.UNCERTAIN],
        )
        .order_by("confirmed_at", "pk")
        .values_list("pk", "delivery_id")[:RESEND_BATCH]
    )
    sent = 0
    for pk, delivery_id in list(rows):
        if record_outcome(pk) != State.FAILED:
            continue  # sent meanwhile, or still on its first try
        if not notify.requeue_delivery(delivery_id):
            continue  # being sent by another worker, or failed for good
        if notify.send_delivery(delivery_id) is None:
            continue  # another worker claimed it first
        sent += record_outcome(pk) == State.SENT
    return sent


def may_handle(order: WorkOrder, actor) -> bool:
    """Center intake staff, and the head of the order's department, handle failed messages
    (resend them, record the calls made instead)."""
    scope = scope_of(actor)
    if scope.role in INTAKE_ROLES:
        return True
    return scope.role == Role.DEPT_HEAD and order.department_id == scope.department_id


def _may_handle(order: WorkOrder, actor) -> None:
    if not may_handle(order, actor):
        raise ServiceError(Code.FORBIDDEN, _("无权处理派工短信"))


def _access(actor, model: type[_Row], pk: int | str) -> tuple[WorkOrder, _Row]:
    """The order (locked) and the row ``pk`` of ``model`` on it, if ``actor`` may see the
    order (else NOT_FOUND) and handle its messages (else FORBIDDEN)."""
    try:
        serial = model.objects.filter(pk=int(pk)).values_list("order__serial", flat=True).first()
    except (TypeError, ValueError, OverflowError):
        serial = None
    if serial is None:
        raise ServiceError(Code.NOT_FOUND, _("派工单不存在或无权查看"))
    order = access.access_order(actor, serial, for_update=True)
    _may_handle(order, actor)
    return order, model.objects.select_for_update().get(pk=pk)


@transaction.atomic
def resend_message(message_id: int, *, actor) -> DispatchMessage:
    """The agent sends a failed message again by hand, also after a permanent failure; when
    the recipient's phone was corrected since, to the new number. Sent after commit; audited
    and written on the tracking record. Raises NOT_FOUND, FORBIDDEN, INVALID_TRANSITION (not
    failed: sent, void or still on its first try), INVALID (still no usable phone)."""
    order, message = _access(actor, DispatchMessage, message_id)
    if message.state == State.FAILED and message.delivery_id is not None:
        record_outcome(message.pk)  # it may have gone out meanwhile
        message.refresh_from_db()
    if message.state != State.FAILED:
        raise ServiceError(Code.INVALID_TRANSITION, _("只有发送失败的短信可以补发"))
    phone = _phone_of(message.recipient)
    if not phone:
        raise ServiceError(Code.INVALID, _("接收人未登记有效手机号,请先更正"), field="phone")
    previous = message.phone
    if phone != message.phone or message.delivery_id is None:
        message.phone = phone
        message.delivery = notify.send_sms(
            phone,
            event=EVENT,
            context={"text": message.text, "serial": order.serial},
            key=f"{EVENT}:{message.pk}:{phone}",
            enqueue=False,
        )
        if message.delivery is None:  # this number was tried by hand before: that delivery
            message.delivery = Delivery.objects.get(
                key=f"{EVENT}:{message.pk}:{phone}", channel="sms", address=phone
            )
            notify.requeue_delivery(message.delivery.pk, permanent=True)
        message.save(update_fields=["phone", "delivery"])
    elif not notify.requeue_delivery(message.delivery_id, permanent=True):
        raise ServiceError(Code.INVALID_TRANSITION, _("短信正在发送,请稍后查看"))
    record_audit(
        actor=actor,
        action="dispatch.resend_message",
        obj=message,
        detail={"order": order.serial, "phone": phone, "previous_phone": previous},
    )
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.MESSAGE,
        action="resend",
        note=said(
            gettext_noop("手动补发派工短信给 %(who)s(%(phone)s)"),
            who=display_name(message.recipient),
            phone=phone,
        ),
        data={"message": message.pk, "previous_phone": previous},
    )
    _send_after_commit(message.pk)
    return message


# ---------------------------------------------------------------------------------- calls


@transaction.atomic
def record_call(
    task_id: int,
    *,
    actor,
    reached: bool,
    called_at: dt.datetime | None = None,
    note: str,
) -> CallTask:
    """The agent notes the phone call a failed SMS asked for: when (``called_at``, default now;
    not in the future, not before the task's minute) and what was said (required).

    Reached → done. Not reached → unreachable, and the task stays in the open list for another
    try (recording it again later; each try is its own line on the tracking record). Raises
    NOT_FOUND (no such task, or the order not visible), FORBIDDEN (not center intake staff or
    the order's department head), INVALID_TRANSITION (done or void), INVALID naming the field.
    A refused record changes nothing.
    """
    order, task = _access(actor, CallTask, task_id)
    if task.state not in OPEN_CALLS:
        raise ServiceError(Code.INVALID_TRANSITION, _("该电话通知任务已处理"))
    note = clean_text(note, "note", limit=NOTE_MAX, required=True, message=_("请填写通话情况"))
    now = timezone.now()
    if called_at is None:
        called_at = now
    elif not isinstance(called_at, dt.datetime):
        raise ServiceError(Code.INVALID, _("通话时间无效"), field="called_at")
    elif timezone.is_naive(called_at):
        called_at = timezone.make_aware(called_at)
    if called_at > now:
        raise ServiceError(Code.INVALID, _("通话时间不能晚于现在"), field="called_at")
    # Minutes are what an agent types: a call in the task's own minute is accepted.
    if called_at < task.created_at.replace(second=0, microsecond=0):
        raise ServiceError(Code.INVALID, _("通话时间不能早于任务创建时间"), field="called_at")
    previous = task.state
    task.state = CallState.DONE if reached else CallState.UNREACHABLE
    task.called_at = called_at
    task.called_by = actor
    task.note = note
    task.save(update_fields=["state", "called_at", "called_by", "note"])
    words = {
        "who": display_name(task.callee),
        "phone": task.phone or "-",
        "time": _clock(called_at),
        "note": note,
    }
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.CALL,
        action="reached" if reached else "unreachable",
        note=(
            _("已电话通知 %(who)s(%(phone)s),通话时间 %(time)s:%(note)s")
            if reached
            else _("电话未接通 %(who)s(%(phone)s),拨打时间 %(time)s:%(note)s")
        )
        % words,
        data={
            "call_task": task.pk,
            "called_at": called_at.isoformat(),
            "reached": reached,
            "previous": previous,
        },
    )
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=now)
    return task


def list_open_call_tasks(actor):
    """The calls still to make that ``actor`` may record, oldest first: open and unreachable
    tasks of the orders they see (center intake staff), or of their department's orders (a
    department head); nothing for anyone else."""
    scope = scope_of(actor)
    tasks = CallTask.objects.filter(state__in=OPEN_CALLS)
    if scope.role == Role.DEPT_HEAD and scope.department_id is not None:
        tasks = tasks.filter(order__department_id=scope.department_id)
    elif scope.role not in INTAKE_ROLES:
        return tasks.none()
    elif not scope.everything:
        tasks = tasks.filter(order_id__in=access.visible_orders(actor).values("pk"))
    return tasks.select_related("order", "callee__staff", "message", "owner").order_by(
        "created_at", "pk"
    )
